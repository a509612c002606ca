package storagetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
)

func newProduct() inventory.Product {
	return inventory.Product{
		ID: inventory.NewProductID(now), Name: "VIP", Duration: period.For(30, period.Day),
		OnExpiry: inventory.ExpiryCommands, Stacking: inventory.StackExtend,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "eu-1", Template: "oxide.usergroup remove {steam_id} vip", OnlineOnly: true},
		},
		// One currency of each minor unit, and a price of nothing.
		Prices:  []money.Amount{money.MustParse("0", "EUR"), money.MustParse("1200", "JPY"), money.MustParse("1.125", "KWD"), money.MustParse("10.99", "USD")},
		Created: now, Updated: now,
	}
}

func newItem(c customer.ID, p inventory.ProductID, granted time.Time, expires *time.Time) inventory.Item {
	return inventory.Item{
		ID: inventory.NewItemID(granted), Customer: c, ProductID: p,
		Source:    inventory.Source{Kind: inventory.FromManual, Actor: "admin:alice"},
		GrantedAt: granted, ExpiresAt: expires, State: inventory.Active,
	}
}

func newCommand(it inventory.Item, at time.Time) inventory.Command {
	return inventory.Command{
		ID: inventory.NewCommandID(at), ItemID: it.ID, Customer: it.Customer, Server: "eu-1",
		Command: "say hello", Stage: inventory.OnPurchase, Player: "76561198006409530",
		Status: inventory.Pending, CreatedAt: at,
	}
}

func timePtr(t time.Time) *time.Time { return &t }

// inventoryFixture stores a customer and a product for item tests.
func inventoryFixture(t *testing.T, b storage.Backend) (customer.Customer, inventory.Product) {
	t.Helper()
	ctx := context.Background()
	c, p := newCustomer(), newProduct()
	update(t, b, func(tx storage.Tx) error {
		if err := tx.Customers().Create(ctx, c); err != nil {
			return err
		}
		return tx.Products().Create(ctx, p)
	})
	return c, p
}

func itemIDs(items []inventory.Item) []inventory.ItemID {
	out := []inventory.ItemID{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func testInventory(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("Products", func(t *testing.T) {
		b := newBackend(t)
		p := newProduct()
		update(t, b, func(tx storage.Tx) error { return tx.Products().Create(ctx, p) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Products().Get(ctx, p.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(p, got, moneyCmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			got.Commands[0].Template = "changed after Get"
			if len(got.Prices) == 0 {
				t.Fatalf("Get lost the product's prices")
			}
			got.Prices[0] = money.MustParse("1", "EUR")
			again, _ := tx.Products().Get(ctx, p.ID)
			if again.Commands[0].Template != p.Commands[0].Template || !again.Prices[0].Equal(p.Prices[0]) {
				t.Errorf("stored template or price changed through a caller's slice")
			}
			if _, err := tx.Products().Get(ctx, inventory.NewProductID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Products().Create(ctx, p) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Create with a taken ID = %v, want ErrConflict", err)
		}

		edited := p
		edited.Name = "VIP+"
		edited.Duration = nil
		edited.Prices = nil // off sale: assigned by hand only
		update(t, b, func(tx storage.Tx) error { return tx.Products().Update(ctx, edited) })
		stale := p
		stale.Name = "Stale"
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Products().Update(ctx, stale) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("stale Update = %v, want ErrConflict", err)
		}
		other := newProduct()
		other.ID = inventory.NewProductID(now)
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Products().Update(ctx, other) }); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Products().Create(ctx, other) })
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Products().Get(ctx, p.ID)
			if got.Name != "VIP+" || got.Duration != nil || len(got.Prices) != 0 || got.Version != p.Version+1 {
				t.Errorf("after Update: %+v, want name VIP+, no duration, no prices, version %d", got, p.Version+1)
			}
			if got, _ := tx.Products().Get(ctx, other.ID); !cmp.Equal(got.Prices, other.Prices, moneyCmpOpts...) {
				t.Errorf("prices of a new product = %v, want %v", got.Prices, other.Prices)
			}
			list, err := tx.Products().List(ctx)
			if err != nil {
				return err
			}
			var ours []inventory.ProductID
			for _, q := range list {
				if q.ID == p.ID || q.ID == other.ID {
					ours = append(ours, q.ID)
				}
			}
			if want := []inventory.ProductID{p.ID, other.ID}; !slices.Equal(ours, want) {
				t.Errorf("List has %v of ours, want oldest first %v", ours, want)
			}
			return nil
		})
	})

	t.Run("Items", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		it := newItem(c.ID, p.ID, now, timePtr(now.Add(time.Hour)))
		it.DiscordUserID = "175928847299117063"
		update(t, b, func(tx storage.Tx) error { return tx.Items().Create(ctx, it) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Items().Get(ctx, it.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(it, got, cmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			*got.ExpiresAt = now.Add(100 * time.Hour)
			if again, _ := tx.Items().Get(ctx, it.ID); !again.ExpiresAt.Equal(*it.ExpiresAt) {
				t.Errorf("stored expiry changed through a caller's pointer")
			}
			if _, err := tx.Items().Get(ctx, inventory.NewItemID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Items().Create(ctx, it) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Create with a taken ID = %v, want ErrConflict", err)
		}

		revoked := it
		revoked.State, revoked.RevokedAt = inventory.Revoked, timePtr(now.Add(time.Minute))
		revoked.RevokeReason, revoked.RevokedBy = "chargeback", "admin:bob"
		update(t, b, func(tx storage.Tx) error { return tx.Items().Update(ctx, revoked) })
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Items().Update(ctx, it) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("stale Update = %v, want ErrConflict", err)
		}
		if err := b.Update(ctx, func(tx storage.Tx) error {
			return tx.Items().Update(ctx, newItem(c.ID, p.ID, now, nil))
		}); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Items().Get(ctx, it.ID)
			revoked.Version++
			if d := cmp.Diff(revoked, got, cmpOpts...); d != "" {
				t.Errorf("after Update (-want +got):\n%s", d)
			}
			return nil
		})
	})

	t.Run("ListByCustomer", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		other, _ := inventoryFixture(t, b)
		// Oldest to newest: forever, expired by time but recorded active,
		// revoked, active.
		forever := newItem(c.ID, p.ID, now, nil)
		lapsed := newItem(c.ID, p.ID, now.Add(time.Second), timePtr(now.Add(time.Hour)))
		revoked := newItem(c.ID, p.ID, now.Add(2*time.Second), timePtr(now.Add(time.Hour)))
		revoked.State, revoked.RevokedAt, revoked.RevokedBy = inventory.Revoked, timePtr(now), "admin"
		active := newItem(c.ID, p.ID, now.Add(3*time.Second), timePtr(now.Add(48*time.Hour)))
		notOurs := newItem(other.ID, p.ID, now.Add(4*time.Second), nil)
		update(t, b, func(tx storage.Tx) error {
			for _, it := range []inventory.Item{forever, lapsed, revoked, active, notOurs} {
				if err := tx.Items().Create(ctx, it); err != nil {
					return err
				}
			}
			return nil
		})
		at := now.Add(2 * time.Hour) // lapsed reads expired, active does not
		list := func(q inventory.ItemQuery) []inventory.ItemID {
			var got []inventory.Item
			view(t, b, func(tx storage.Tx) (err error) {
				q.Customer, q.Now = c.ID, at
				got, err = tx.Items().ListByCustomer(ctx, q)
				return err
			})
			return itemIDs(got)
		}
		for _, tc := range []struct {
			name string
			q    inventory.ItemQuery
			want []inventory.ItemID
		}{
			{"all", inventory.ItemQuery{Limit: 10}, []inventory.ItemID{active.ID, revoked.ID, lapsed.ID, forever.ID}},
			{"first page", inventory.ItemQuery{Limit: 2}, []inventory.ItemID{active.ID, revoked.ID}},
			{"next page", inventory.ItemQuery{Limit: 2, Before: revoked.ID}, []inventory.ItemID{lapsed.ID, forever.ID}},
			{"past the end", inventory.ItemQuery{Limit: 2, Before: forever.ID}, []inventory.ItemID{}},
			{"active at now", inventory.ItemQuery{Limit: 10, State: inventory.Active}, []inventory.ItemID{active.ID, forever.ID}},
			{"expired at now", inventory.ItemQuery{Limit: 10, State: inventory.Expired}, []inventory.ItemID{lapsed.ID}},
			{"revoked", inventory.ItemQuery{Limit: 10, State: inventory.Revoked}, []inventory.ItemID{revoked.ID}},
			{"filtered page", inventory.ItemQuery{Limit: 1, State: inventory.Active, Before: active.ID}, []inventory.ItemID{forever.ID}},
		} {
			if d := cmp.Diff(tc.want, list(tc.q)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, d)
			}
		}

	})

	t.Run("Stacks", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		other, q := inventoryFixture(t, b)
		at := now.Add(2 * time.Hour)
		item := func(n int, expires *time.Time) inventory.Item {
			return newItem(c.ID, p.ID, now.Add(time.Duration(n)*time.Second), expires)
		}
		forever := item(1, nil)
		lapsed := item(2, timePtr(at.Add(-time.Hour)))
		lapsedEarlier := item(3, timePtr(at.Add(-90*time.Minute))) // by ID, not by expiry
		exact := item(4, timePtr(at))                              // over at its expiry instant
		revoked := item(5, timePtr(at.Add(-time.Hour)))
		revoked.State, revoked.RevokedAt, revoked.RevokedBy = inventory.Revoked, timePtr(now), "admin"
		early := item(6, timePtr(at.Add(24*time.Hour)))
		tieOld := item(7, timePtr(at.Add(48*time.Hour))) // the oldest of the latest
		tieNew := item(8, timePtr(at.Add(48*time.Hour)))
		sub := item(9, timePtr(at.Add(100*time.Hour))) // a subscription's: never extended by a purchase
		sub.Source = inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: ids.New("sub", now)}
		otherCustomers := newItem(other.ID, p.ID, now, timePtr(at.Add(200*time.Hour)))
		otherProducts := newItem(c.ID, q.ID, now, timePtr(at.Add(200*time.Hour)))
		otherLapsed := newItem(c.ID, q.ID, now, timePtr(at.Add(-time.Hour)))
		update(t, b, func(tx storage.Tx) error {
			for _, it := range []inventory.Item{tieNew, sub, forever, lapsed, lapsedEarlier, exact, revoked, early, tieOld, otherCustomers, otherProducts, otherLapsed} {
				if err := tx.Items().Create(ctx, it); err != nil {
					return err
				}
			}
			return nil
		})
		check := func(t *testing.T, tx storage.Tx, at time.Time, wantLapsed []inventory.ItemID, wantTarget inventory.ItemID) {
			t.Helper()
			got, err := tx.Items().Lapsed(ctx, c.ID, p.ID, at)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(wantLapsed, itemIDs(got)); d != "" {
				t.Errorf("Lapsed at %s (-want +got):\n%s", at, d)
			}
			target, ok, err := tx.Items().Extendable(ctx, c.ID, p.ID, at)
			if err != nil {
				t.Fatal(err)
			}
			if target.ID != wantTarget || ok != (wantTarget != "") {
				t.Errorf("Extendable at %s = %s, %v; want %q", at, target.ID, ok, wantTarget)
			}
		}
		view(t, b, func(tx storage.Tx) error {
			check(t, tx, at, []inventory.ItemID{lapsed.ID, lapsedEarlier.ID, exact.ID}, tieOld.ID)
			check(t, tx, now, []inventory.ItemID{}, tieOld.ID)
			// Only the subscription's item is left unexpired.
			check(t, tx, at.Add(99*time.Hour), []inventory.ItemID{lapsed.ID, lapsedEarlier.ID, exact.ID, early.ID, tieOld.ID, tieNew.ID}, "")
			got, ok, err := tx.Items().Extendable(ctx, other.ID, q.ID, at)
			if err != nil || ok {
				t.Errorf("Extendable of a customer without items of the product = %s, %v, %v", got.ID, ok, err)
			}
			return nil
		})

		// Writes move items in and out, read back in the same transaction,
		// and a rollback puts them back.
		revoke := func(it inventory.Item) inventory.Item {
			it.State, it.RevokedAt, it.RevokedBy = inventory.Revoked, timePtr(now), "admin"
			return it
		}
		err := b.Update(ctx, func(tx storage.Tx) error {
			ext := tieNew
			ext.ExpiresAt = timePtr(at.Add(300 * time.Hour))
			if err := tx.Items().Update(ctx, ext); err != nil {
				return err
			}
			check(t, tx, at, []inventory.ItemID{lapsed.ID, lapsedEarlier.ID, exact.ID}, tieNew.ID)
			if err := tx.Items().Update(ctx, revoke(lapsed)); err != nil {
				return err
			}
			fresh := item(10, timePtr(at.Add(400*time.Hour)))
			if err := tx.Items().Create(ctx, fresh); err != nil {
				return err
			}
			check(t, tx, at, []inventory.ItemID{lapsedEarlier.ID, exact.ID}, fresh.ID)
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the rollback", err)
		}
		view(t, b, func(tx storage.Tx) error {
			check(t, tx, at, []inventory.ItemID{lapsed.ID, lapsedEarlier.ID, exact.ID}, tieOld.ID)
			return nil
		})
		update(t, b, func(tx storage.Tx) error { return tx.Items().Update(ctx, revoke(tieOld)) })
		view(t, b, func(tx storage.Tx) error {
			check(t, tx, at, []inventory.ItemID{lapsed.ID, lapsedEarlier.ID, exact.ID}, tieNew.ID)
			return nil
		})
	})

	t.Run("DueForExpiry", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		at := now.Add(24 * time.Hour)
		early := newItem(c.ID, p.ID, now, timePtr(at.Add(-2*time.Hour)))
		exact := newItem(c.ID, p.ID, now, timePtr(at)) // due at the expiry instant
		late := newItem(c.ID, p.ID, now, timePtr(at.Add(time.Microsecond)))
		forever := newItem(c.ID, p.ID, now, nil)
		revoked := newItem(c.ID, p.ID, now, timePtr(at.Add(-time.Hour)))
		revoked.State, revoked.RevokedAt, revoked.RevokedBy = inventory.Revoked, timePtr(now), "admin"
		update(t, b, func(tx storage.Tx) error {
			for _, it := range []inventory.Item{exact, late, forever, revoked, early} {
				if err := tx.Items().Create(ctx, it); err != nil {
					return err
				}
			}
			return nil
		})
		mine := func(items []inventory.Item) []inventory.ItemID {
			out := []inventory.ItemID{}
			for _, it := range items {
				if it.Customer == c.ID {
					out = append(out, it.ID)
				}
			}
			return out
		}
		view(t, b, func(tx storage.Tx) error {
			// Other tests sharing the database may have due items too.
			got, err := tx.Items().DueForExpiry(ctx, at, 1_000_000)
			if err != nil {
				return err
			}
			if d := cmp.Diff([]inventory.ItemID{early.ID, exact.ID}, mine(got)); d != "" {
				t.Errorf("DueForExpiry (-want +got):\n%s", d)
			}
			if !slices.IsSortedFunc(got, func(a, b inventory.Item) int { return a.ExpiresAt.Compare(*b.ExpiresAt) }) {
				t.Errorf("DueForExpiry not earliest expiry first")
			}
			if got, _ := tx.Items().DueForExpiry(ctx, at, 1); len(got) != 1 {
				t.Errorf("DueForExpiry limit 1 returned %d items", len(got))
			}
			return nil
		})
		expired := early
		expired.State = inventory.Expired
		update(t, b, func(tx storage.Tx) error { return tx.Items().Update(ctx, expired) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Items().DueForExpiry(ctx, at, 1_000_000)
			if d := cmp.Diff([]inventory.ItemID{exact.ID}, mine(got)); d != "" {
				t.Errorf("DueForExpiry after recording one expired (-want +got):\n%s", d)
			}
			return err
		})
		// An expiry moved (a purchase extends one item, an edit brings
		// another forward) moves the item in the order; a rolled-back move
		// does not.
		extended, forward := exact, late
		extended.ExpiresAt = timePtr(at.Add(time.Hour))
		forward.ExpiresAt = timePtr(at.Add(-3 * time.Hour))
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Items().Update(ctx, extended); err != nil {
				return err
			}
			return tx.Items().Update(ctx, forward)
		})
		forward.Version++
		back := forward
		back.ExpiresAt = timePtr(at.Add(time.Hour))
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Items().Update(ctx, back); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Items().DueForExpiry(ctx, at, 1_000_000)
			if d := cmp.Diff([]inventory.ItemID{late.ID}, mine(got)); d != "" {
				t.Errorf("DueForExpiry after moving expiries (-want +got):\n%s", d)
			}
			return err
		})
	})

	t.Run("ListBySource", func(t *testing.T) { testItemsBySource(t, newBackend) })

	t.Run("Commands", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		it := newItem(c.ID, p.ID, now, nil)
		first, second := newCommand(it, now), newCommand(it, now)
		second.OnlineOnly, second.Stage = true, inventory.OnExpire
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
			if err := tx.Commands().Create(ctx, second); err != nil {
				return err
			}
			return tx.Commands().Create(ctx, first)
		})
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Commands().Get(ctx, first.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(first, got, cmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			list, err := tx.Commands().ListByItem(ctx, it.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff([]inventory.Command{first, second}, list, cmpOpts...); d != "" {
				t.Errorf("ListByItem, queue order (-want +got):\n%s", d)
			}
			if list, _ := tx.Commands().ListByItem(ctx, inventory.NewItemID(now)); len(list) != 0 {
				t.Errorf("ListByItem of an unknown item = %v", list)
			}
			if _, err := tx.Commands().Get(ctx, inventory.NewCommandID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Commands().Create(ctx, first) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Create with a taken ID = %v, want ErrConflict", err)
		}

		leased, err := first.Lease("lease-1", now.Add(time.Minute), now)
		if err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Commands().Update(ctx, leased) })
		// A second poller holding the old version cannot lease it again.
		again, _ := first.Lease("lease-2", now.Add(time.Minute), now)
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Commands().Update(ctx, again) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("stale Update = %v, want ErrConflict", err)
		}
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Commands().Update(ctx, newCommand(it, now)) }); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Commands().Get(ctx, first.ID)
			leased.Version++
			if d := cmp.Diff(leased, got, cmpOpts...); d != "" {
				t.Errorf("after Update (-want +got):\n%s", d)
			}
			return nil
		})
	})

	t.Run("FailedUpdateKeepsNothing", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		kept := newItem(c.ID, p.ID, now, timePtr(now.Add(time.Hour)))
		update(t, b, func(tx storage.Tx) error { return tx.Items().Create(ctx, kept) })
		dropped := newItem(c.ID, p.ID, now, nil)
		cmd := newCommand(kept, now)
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Items().Create(ctx, dropped); err != nil {
				return err
			}
			expired := kept
			expired.State = inventory.Expired
			if err := tx.Items().Update(ctx, expired); err != nil {
				return err
			}
			if err := tx.Commands().Create(ctx, cmd); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Items().Get(ctx, dropped.ID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("item created in a failed Update exists: %v", err)
			}
			if got, _ := tx.Items().Get(ctx, kept.ID); got.State != inventory.Active || got.Version != kept.Version {
				t.Errorf("failed Update changed the item: %+v", got)
			}
			if list, _ := tx.Commands().ListByItem(ctx, kept.ID); len(list) != 0 {
				t.Errorf("failed Update left commands %v", list)
			}
			due, err := tx.Items().DueForExpiry(ctx, now.Add(2*time.Hour), 1_000_000)
			if !slices.Contains(itemIDs(due), kept.ID) {
				t.Errorf("failed Update took the item out of DueForExpiry")
			}
			return err
		})
	})
}

// testItemsBySource checks ItemStore.ListBySource: an order's and a
// subscription's items in ID order, whatever their state, and nobody
// else's.
func testItemsBySource(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c, p := inventoryFixture(t, b)
	other, _ := inventoryFixture(t, b)
	order := inventory.Source{Kind: inventory.FromOrder, OrderID: ids.New("ord", now)}
	sub := inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: ids.New("sub", now)}
	otherOrder := inventory.Source{Kind: inventory.FromOrder, OrderID: ids.New("ord", now)}
	from := func(src inventory.Source, cust customer.ID, at time.Time) inventory.Item {
		it := newItem(cust, p.ID, at, timePtr(at.Add(time.Hour)))
		it.Source = src
		return it
	}
	// Created out of ID order: the store sorts.
	second := from(order, c.ID, now.Add(time.Second))
	first := from(order, c.ID, now)
	first.State, first.RevokedAt, first.RevokedBy = inventory.Revoked, timePtr(now), "admin"
	subItem := from(sub, c.ID, now)
	update(t, b, func(tx storage.Tx) error {
		for _, it := range []inventory.Item{second, first, subItem, from(otherOrder, other.ID, now), newItem(c.ID, p.ID, now, nil)} {
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(src inventory.Source) ([]inventory.Item, error) {
		var got []inventory.Item
		err := b.View(ctx, func(tx storage.Tx) (err error) {
			got, err = tx.Items().ListBySource(ctx, src)
			return err
		})
		return got, err
	}
	for _, tc := range []struct {
		name string
		src  inventory.Source
		want []inventory.Item
	}{
		{"order, any state", order, []inventory.Item{first, second}},
		{"subscription", sub, []inventory.Item{subItem}},
		{"actor not compared", inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: sub.SubscriptionID, Actor: "x"}, []inventory.Item{subItem}},
		{"none", inventory.Source{Kind: inventory.FromOrder, OrderID: ids.New("ord", now)}, []inventory.Item{}},
		{"kind must match", inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: order.OrderID}, []inventory.Item{}},
	} {
		got, err := list(tc.src)
		if err != nil {
			t.Fatalf("%s: ListBySource = %v", tc.name, err)
		}
		if d := cmp.Diff(tc.want, got, cmpOpts...); d != "" {
			t.Errorf("%s: ListBySource (-want +got):\n%s", tc.name, d)
		}
	}
	for _, bad := range []inventory.Source{{Kind: inventory.FromManual, Actor: "admin"}, {Kind: inventory.FromOrder}, {}} {
		if _, err := list(bad); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ListBySource(%+v) = %v, want ErrInvalid", bad, err)
		}
	}

	// An update keeps the item listed under its source; a failed one
	// changes nothing.
	expired := second
	expired.State = inventory.Expired
	update(t, b, func(tx storage.Tx) error { return tx.Items().Update(ctx, expired) })
	err := b.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Items().Create(ctx, from(order, c.ID, now.Add(2*time.Second))); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	got, err := list(order)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]inventory.ItemID{first.ID, second.ID}, itemIDs(got)); d != "" || got[1].State != inventory.Expired {
		t.Errorf("after an update and a rolled-back create (-want +got):\n%s%v", d, got)
	}
}
