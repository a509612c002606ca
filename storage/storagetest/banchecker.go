package storagetest

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
)

// waitLimit bounds how long a step waits for CheckBans before it calls the
// check blocked: long enough for any loaded machine, it only turns a
// deadlock into a failure.
const waitLimit = 10 * time.Second

// testBanChecker runs on backends that offer storage.BanChecker: a join
// check answers as a transaction's Matching and bans.ActiveMatching would,
// sees committed ban changes only, and does not wait for a transaction
// that wrote no ban (an order granting many items).
func testBanChecker(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	bc, ok := b.(storage.BanChecker)
	if !ok {
		t.Skip("the backend does not offer storage.BanChecker")
	}
	ask := func(ids []bans.Identity) <-chan []bans.ID {
		out := make(chan []bans.ID, 1)
		go func() {
			found, err := bc.CheckBans(ctx, ids, now)
			if err != nil {
				t.Error(err)
			}
			out <- found
		}()
		return out
	}
	answer := func(t *testing.T, ch <-chan []bans.ID) []bans.ID {
		t.Helper()
		select {
		case found := <-ch:
			return found
		case <-time.After(waitLimit):
			t.Fatal("CheckBans is blocked")
			return nil
		}
	}

	email, name := newEmail(), newBanName()
	active, lifted := newBan(email), newBan(email, name)
	lifted.RemovedAt, lifted.RemovedBy = timePtr(now), "admin:test"
	update(t, b, func(tx storage.Tx) error {
		for _, x := range []bans.Ban{active, lifted} {
			if err := tx.Bans().Create(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})

	t.Run("AnswersAsATransaction", func(t *testing.T) {
		for _, ids := range [][]bans.Identity{{email}, {name}, {name, email}, {newEmail()}} {
			var want []bans.ID
			view(t, b, func(tx storage.Tx) error {
				found, err := tx.Bans().Matching(ctx, ids)
				if found = bans.ActiveMatching(found, ids, now); len(found) > 0 {
					want = bans.IDs(found)
				}
				return err
			})
			if d := cmp.Diff(want, answer(t, ask(ids))); d != "" {
				t.Errorf("CheckBans(%v) (-transaction +check):\n%s", ids, d)
			}
		}
	})

	t.Run("SeesCommittedChangesOnly", func(t *testing.T) {
		fresh := newBanName()
		var during <-chan []bans.ID
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Bans().Create(ctx, newBan(fresh)); err != nil {
				return err
			}
			during = ask([]bans.Identity{fresh})
			// Give the check the chance to run while the ban is not
			// committed; a backend may also make it wait for the end.
			time.Sleep(10 * time.Millisecond)
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the rollback", err)
		}
		if found := answer(t, during); found != nil {
			t.Errorf("CheckBans found %v, a ban that was rolled back", found)
		}
	})

	t.Run("DoesNotWaitForOtherWrites", func(t *testing.T) {
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Customers().Create(ctx, newCustomer()); err != nil {
				return err
			}
			// Asked, and answered, while this transaction is open.
			if d := cmp.Diff([]bans.ID{active.ID}, answer(t, ask([]bans.Identity{email}))); d != "" {
				t.Errorf("CheckBans during a write (-want +got):\n%s", d)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the rollback", err)
		}
	})
}

// testBanCheckerRules: CheckBans answers as bans.ActiveMatching over the
// store's Matching does: exact identities and ranges, expired and lifted
// bans left out, each ban once, newest first.
func testBanCheckerRules(t *testing.T, newBackend NewBackend) {
	be := newBackend(t)
	b, ok := be.(interface {
		storage.Backend
		storage.BanChecker
	})
	if !ok {
		t.Skip("the backend does not offer storage.BanChecker")
	}
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
