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

// CheckBans answers as bans.ActiveMatching over the store's Matching does:
// exact identities and ranges, expired and lifted bans left out, each ban
// once, newest first.
func TestCheckBans(t *testing.T) {
	b := sqlitetest.NewBackend(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	email := bans.MustIdentity(bans.Email, "p@example.com")
	name := bans.MustIdentity(bans.Name, "Griefer")
	ip := bans.IPIdentity(netip.MustParseAddr("198.51.100.7"))
	v6 := bans.IPIdentity(netip.MustParseAddr("2001:db8::7"))
	mk := func(at time.Time, expires *time.Time, ids ...bans.Identity) bans.Ban {
		ban, err := bans.New(bans.Draft{Reason: "test", ExpiresAt: expires, Identities: ids, Actor: "admin:test"}, at)
		if err != nil {
			t.Fatal(err)
		}
		return ban
	}
	hour := t0.Add(time.Hour)
	permanent := mk(t0, nil, email, name)
	expiring := mk(t0.Add(time.Second), &hour, email)
	byRange := mk(t0.Add(2*time.Second), nil, bans.MustIdentity(bans.IPRange, "198.51.100.0/24"))
	byRange6 := mk(t0.Add(3*time.Second), nil, bans.MustIdentity(bans.IPRange, "2001:db8::/32"))
	lifted := mk(t0.Add(4*time.Second), nil, name, ip)
	lifted, err := lifted.Unban("admin:test", t0.Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	all := []bans.Ban{permanent, expiring, byRange, byRange6, lifted}
	if err := b.Update(ctx, func(tx storage.Tx) error {
		for _, ban := range all {
			if err := tx.Bans().Create(ctx, ban); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ids  []bans.Identity
		now  time.Time
		want []bans.ID
	}{
		{"exact, both active", []bans.Identity{email}, t0.Add(time.Minute), []bans.ID{expiring.ID, permanent.ID}},
		{"at the expiry instant", []bans.Identity{email}, hour, []bans.ID{permanent.ID}},
		{"lifted left out", []bans.Identity{name}, t0.Add(time.Minute), []bans.ID{permanent.ID}},
		{"IPv4 in a range", []bans.Identity{ip}, t0.Add(time.Minute), []bans.ID{byRange.ID}},
		{"IPv6 in a range", []bans.Identity{v6}, t0.Add(time.Minute), []bans.ID{byRange6.ID}},
		{"each once", []bans.Identity{email, name, ip, v6}, t0.Add(time.Minute), []bans.ID{byRange6.ID, byRange.ID, expiring.ID, permanent.ID}},
		{"none", []bans.Identity{bans.MustIdentity(bans.Email, "other@example.com")}, t0, nil},
	} {
		got, err := b.CheckBans(ctx, c.ids, c.now)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s: CheckBans (-want +got):\n%s", c.name, d)
		}
		var portable []bans.ID
		if err := b.View(ctx, func(tx storage.Tx) error {
			found, err := tx.Bans().Matching(ctx, c.ids)
			portable = bans.IDs(bans.ActiveMatching(found, c.ids, c.now))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(portable) == 0 {
			portable = nil
		}
		if d := cmp.Diff(portable, got); d != "" {
			t.Errorf("%s: CheckBans disagrees with Matching + ActiveMatching (-portable +CheckBans):\n%s", c.name, d)
		}
	}
}

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
