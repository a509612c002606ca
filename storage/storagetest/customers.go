package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
)

// newSteamID returns a random, valid, canonical Steam platform ID, so tests
// sharing a database never collide.
func newSteamID() customer.PlatformID {
	account := rand.Uint64N(1<<32-2) + 1
	return customer.MustPlatformID(customer.Steam, fmt.Sprintf("[U:1:%d]", account))
}

func newCustomer() customer.Customer {
	return customer.Customer{
		ID: customer.NewID(now), Name: "Player", PlatformID: newSteamID(),
		FirstSeen: now, Updated: now,
	}
}

func testCustomers(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		b := newBackend(t)
		c := newCustomer()
		c.KnownIPs = []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("2001:db8::1")}
		c.KnownEmails = []string{"a@example.com"}
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Customers().Get(ctx, c.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(c, got, cmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			got, err = tx.Customers().GetByPlatformID(ctx, c.PlatformID)
			if err != nil {
				return err
			}
			if got.ID != c.ID {
				t.Errorf("GetByPlatformID = %s, want %s", got.ID, c.ID)
			}
			return nil
		})
	})

	t.Run("NotFound", func(t *testing.T) {
		b := newBackend(t)
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Customers().Get(ctx, customer.NewID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			if _, err := tx.Customers().GetByPlatformID(ctx, newSteamID()); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("GetByPlatformID unknown = %v, want ErrNotFound", err)
			}
			return nil
		})
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Update(ctx, newCustomer()) })
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
	})

	t.Run("PlatformIDUnique", func(t *testing.T) {
		b := newBackend(t)
		a, c := newCustomer(), newCustomer()
		c.PlatformID = a.PlatformID
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, a) })
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
		if !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("Create with a taken platform ID = %v, want ErrConflict", err)
		}
		// Taking it by Update is refused too.
		other := newCustomer()
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, other) })
		other.PlatformID = a.PlatformID
		err = b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Update(ctx, other) })
		if !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("Update to a taken platform ID = %v, want ErrConflict", err)
		}
	})

	t.Run("UpdateVersion", func(t *testing.T) {
		b := newBackend(t)
		c := newCustomer()
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
		edited := c
		edited.Name = "Renamed"
		edited.PlatformID = newSteamID()
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Update(ctx, edited) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Customers().Get(ctx, c.ID)
			if err != nil {
				return err
			}
			if got.Version != c.Version+1 || got.Name != "Renamed" {
				t.Errorf("after Update: version %d name %q, want %d %q", got.Version, got.Name, c.Version+1, "Renamed")
			}
			if _, err := tx.Customers().GetByPlatformID(ctx, c.PlatformID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("old platform ID still finds the customer: %v", err)
			}
			return nil
		})
		// The same stale version again is a conflict and changes nothing.
		stale := edited
		stale.Name = "Stale"
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Update(ctx, stale) })
		var ce *errs.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("stale Update = %v, want *errs.ConflictError", err)
		}
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Customers().Get(ctx, c.ID)
			if got.Name != "Renamed" {
				t.Errorf("stale Update changed the name to %q", got.Name)
			}
			return nil
		})
	})

	t.Run("ReturnsCopies", func(t *testing.T) {
		b := newBackend(t)
		c := newCustomer()
		c.KnownEmails = []string{"a@example.com"}
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
		c.KnownEmails[0] = "changed-by-caller@example.com"
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Customers().Get(ctx, c.ID)
			got.KnownEmails[0] = "changed-after-get@example.com"
			again, _ := tx.Customers().Get(ctx, c.ID)
			if again.KnownEmails[0] != "a@example.com" {
				t.Errorf("stored email changed through a caller's slice: %q", again.KnownEmails[0])
			}
			return nil
		})
	})
}
