package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

func newSubscription(t *testing.T, c customer.ID, period period.Period, at time.Time) subscriptions.Subscription {
	t.Helper()
	s, err := subscriptions.New(subscriptions.Params{
		Customer: c, ProductID: "vip", Amount: money.MustParse("9.99", "EUR"), Period: period,
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var monthly = period.Period{Count: 1, Unit: period.Month}

func testSubscriptions(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		s := newSubscription(t, c.ID, period.Period{Count: 30, Unit: period.Day}, now)
		s.Trial = true
		s.PriceOverridden = true
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, s) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Subscriptions().Get(ctx, s.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(s, got, moneyCmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			if _, err := tx.Subscriptions().Get(ctx, subscriptions.NewID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, s) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Create with a taken ID = %v, want ErrConflict", err)
		}
		unknown := newSubscription(t, c.ID, monthly, now)
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Subscriptions().Update(ctx, unknown) }); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
	})

	t.Run("UpdateVersion", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		s := newSubscription(t, c.ID, monthly, now)
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, s) })
		active, err := s.Activate(now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Update(ctx, active) })
		want := active
		want.Version++
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Subscriptions().Get(ctx, s.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(want, got, moneyCmpOpts...); d != "" {
				t.Errorf("after Update (-want +got):\n%s", d)
			}
			return nil
		})
		stale, _, _ := active.Cancel(false, now.Add(2*time.Minute))
		err = b.Update(ctx, func(tx storage.Tx) error { return tx.Subscriptions().Update(ctx, stale) })
		var ce *errs.ConflictError
		if !errors.As(err, &ce) {
			t.Errorf("stale Update = %v, want *errs.ConflictError", err)
		}
		moved := want
		moved.Customer = createCustomer(t, b).ID
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Subscriptions().Update(ctx, moved) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Update to another customer = %v, want ErrConflict", err)
		}
	})

	t.Run("ReturnsCopies", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		s, _ := newSubscription(t, c.ID, monthly, now).Activate(now)
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, s) })
		*s.CurrentPeriodEnd = now.AddDate(5, 0, 0)
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Subscriptions().Get(ctx, s.ID)
			*got.CurrentPeriodEnd = now.AddDate(6, 0, 0)
			again, _ := tx.Subscriptions().Get(ctx, s.ID)
			if want := monthly.AddTo(now); !again.CurrentPeriodEnd.Equal(want) {
				t.Errorf("stored period end changed through a caller's pointer: %s, want %s", again.CurrentPeriodEnd, want)
			}
			return nil
		})
	})

	t.Run("ListAndActive", func(t *testing.T) {
		b := newBackend(t)
		c, other := createCustomer(t, b), createCustomer(t, b)
		// Oldest first: created, active, canceled, cancel at period end,
		// active.
		var all []subscriptions.Subscription
		for i := range 5 {
			at := now.Add(time.Duration(i) * time.Second)
			s := newSubscription(t, c.ID, monthly, at)
			var err error
			switch i {
			case 1, 4:
				s, err = s.Activate(at)
			case 2:
				s, _, err = s.Cancel(false, at)
			case 3:
				if s, err = s.Activate(at); err == nil {
					s, _, err = s.Cancel(true, at)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, s) })
			all = append(all, s)
		}
		o, _ := newSubscription(t, other.ID, monthly, now).Activate(now)
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, o) })

		before, after := now.Add(time.Hour), all[3].CurrentPeriodEnd.Add(time.Second)
		ids := func(is ...int) []subscriptions.ID {
			var out []subscriptions.ID
			for _, i := range is {
				out = append(out, all[i].ID)
			}
			return out
		}
		active := []subscriptions.Status{subscriptions.Active}
		canceled := []subscriptions.Status{subscriptions.Canceled}
		tests := []struct {
			name string
			p    subscriptions.ListParams
			want []subscriptions.ID
		}{
			{"all, newest first", subscriptions.ListParams{Customer: c.ID, Now: before}, ids(4, 3, 2, 1, 0)},
			{"first page", subscriptions.ListParams{Customer: c.ID, Now: before, Limit: 2}, ids(4, 3)},
			{"next page", subscriptions.ListParams{Customer: c.ID, Now: before, Limit: 2, Cursor: all[3].ID}, ids(2, 1)},
			{"active before the period end", subscriptions.ListParams{Customer: c.ID, Now: before, Statuses: active}, ids(4, 3, 1)},
			{"active after it", subscriptions.ListParams{Customer: c.ID, Now: after, Statuses: active}, ids(4, 1)},
			{"canceled after it", subscriptions.ListParams{Customer: c.ID, Now: after, Statuses: canceled}, ids(3, 2)},
			{"canceled, paged", subscriptions.ListParams{Customer: c.ID, Now: after, Statuses: canceled, Limit: 1, Cursor: all[3].ID}, ids(2)},
		}
		for _, tt := range tests {
			var got []subscriptions.ID
			view(t, b, func(tx storage.Tx) error {
				list, err := tx.Subscriptions().List(ctx, tt.p)
				for _, s := range list {
					got = append(got, s.ID)
				}
				return err
			})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", tt.name, d)
			}
		}
		for _, tt := range []struct {
			at   time.Time
			want []subscriptions.ID
		}{{before, ids(4, 3, 1)}, {after, ids(4, 1)}} {
			var got []subscriptions.ID
			view(t, b, func(tx storage.Tx) error {
				list, err := tx.Subscriptions().Active(ctx, c.ID, tt.at)
				for _, s := range list {
					got = append(got, s.ID)
				}
				return err
			})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Active at %s (-want +got):\n%s", tt.at, d)
			}
		}
	})

	t.Run("FailedUpdateKeepsNothing", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		kept := newSubscription(t, c.ID, monthly, now)
		update(t, b, func(tx storage.Tx) error { return tx.Subscriptions().Create(ctx, kept) })
		dropped := newSubscription(t, c.ID, monthly, now)
		active, _ := kept.Activate(now)
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Subscriptions().Create(ctx, dropped); err != nil {
				return err
			}
			if err := tx.Subscriptions().Update(ctx, active); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Subscriptions().Get(ctx, dropped.ID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("subscription created in a failed Update exists: %v", err)
			}
			got, err := tx.Subscriptions().Get(ctx, kept.ID)
			if err != nil {
				return err
			}
			if got.Status != subscriptions.Created || got.Version != kept.Version {
				t.Errorf("failed Update changed the subscription: %s v%d", got.Status, got.Version)
			}
			list, err := tx.Subscriptions().List(ctx, subscriptions.ListParams{Customer: c.ID, Now: now})
			if len(list) != 1 {
				t.Errorf("List after a failed Update has %d subscriptions, want 1", len(list))
			}
			return err
		})
	})
}
