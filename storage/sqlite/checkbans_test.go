package sqlite_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// The count of live ranges per prefix length, which tells a check which
// lengths to probe, follows every ban write: a range found while a live
// ban holds it, and not once the last such ban is lifted or loses it.
func TestRangeLengthsFollowBans(t *testing.T) {
	b := sqlitetest.NewBackend(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	ip := []bans.Identity{bans.IPIdentity(netip.MustParseAddr("198.51.100.7"))}
	mk := func(at time.Time, ids ...bans.Identity) bans.Ban {
		ban, err := bans.New(bans.Draft{Reason: "test", Identities: ids, Actor: "admin:test"}, at)
		if err != nil {
			t.Fatal(err)
		}
		return ban
	}
	write := func(create bool, bs ...bans.Ban) {
		t.Helper()
		if err := b.Update(ctx, func(tx storage.Tx) error {
			for _, x := range bs {
				write := tx.Bans().Update
				if create {
					write = tx.Bans().Create
				}
				if err := write(ctx, x); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step string, want ...bans.ID) {
		t.Helper()
		got, err := b.CheckBans(ctx, ip, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: CheckBans (-want +got):\n%s", step, d)
		}
	}
	steam := bans.SteamIdentity(76561198006409530)
	one := mk(t0, bans.MustIdentity(bans.IPRange, "198.51.100.0/24"))
	two := mk(t0.Add(time.Second), bans.MustIdentity(bans.IPRange, "198.51.0.0/16"), steam)
	write(true, one, two)
	check("two ranges", two.ID, one.ID)
	lifted, err := one.Unban("admin:test", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	write(false, lifted)
	check("one lifted", two.ID)
	two.Identities = []bans.Identity{steam}
	write(false, two)
	check("the other's range removed")
	var lengths int
	if err := b.DB().QueryRowContext(ctx, `select count(*) from ban_range_lengths`).Scan(&lengths); err != nil {
		t.Fatal(err)
	}
	if lengths != 0 {
		t.Errorf("%d prefix lengths counted with no live range", lengths)
	}
}
