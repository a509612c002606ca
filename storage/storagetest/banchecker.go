package storagetest

import (
	"context"
	"errors"
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
