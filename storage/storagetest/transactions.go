package storagetest

import (
	"context"
	"errors"
	"testing"

	"net/netip"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage"
)

// cmpOpts compares stored values: netip.Addr and friends have unexported
// fields but are comparable with ==.
var cmpOpts = []cmp.Option{cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})}

func testTransactions(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("FailedUpdateKeepsNothing", func(t *testing.T) {
		b := newBackend(t)
		kept := newCustomer()
		update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, kept) })
		dropped := newCustomer()
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Customers().Create(ctx, dropped); err != nil {
				return err
			}
			renamed := kept
			renamed.Name = "Renamed"
			if err := tx.Customers().Update(ctx, renamed); err != nil {
				return err
			}
			if err := tx.Metadata().PutMetadata(ctx, kept.ID, metadata.Metadata{"k": "v"}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Customers().Get(ctx, dropped.ID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("customer created in a failed Update exists: %v", err)
			}
			if _, err := tx.Customers().GetByPlatformID(ctx, dropped.PlatformID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("platform ID of a failed Update is taken: %v", err)
			}
			got, err := tx.Customers().Get(ctx, kept.ID)
			if err != nil {
				return err
			}
			if got.Name != kept.Name || got.Version != kept.Version {
				t.Errorf("failed Update changed the customer: %+v", got)
			}
			m, err := tx.Metadata().GetMetadata(ctx, kept.ID)
			if len(m) != 0 {
				t.Errorf("failed Update left metadata %v", m)
			}
			return err
		})
	})

	t.Run("ViewIsReadOnly", func(t *testing.T) {
		b := newBackend(t)
		c := newCustomer()
		err := b.View(ctx, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
		if err == nil {
			t.Fatal("Create inside View succeeded")
		}
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Customers().Get(ctx, c.ID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Create inside View stored the customer: %v", err)
			}
			return nil
		})
	})

	t.Run("CanceledContext", func(t *testing.T) {
		b := newBackend(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := b.Update(cctx, func(tx storage.Tx) error { return tx.Customers().Create(cctx, newCustomer()) })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Update with a canceled context = %v, want context.Canceled", err)
		}
	})
}
