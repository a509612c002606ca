package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// moneyCmpOpts compares amounts by value (10.0 equals 10.00: a database may
// hand back another scale) and currencies by code.
var moneyCmpOpts = append([]cmp.Option{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}, cmpOpts...)

// newPaymentRef returns a payment reference no other test uses.
func newPaymentRef() string { return fmt.Sprintf("pay_%016x", rand.Uint64()) }

// inMinor is v in currency cur rounded to its minor unit (0.79 is 1 JPY),
// so one list of test values serves every currency as valid input.
func inMinor(v, cur string) money.Amount {
	c := money.MustCurrency(cur)
	return money.Amount{Value: decimal.RequireFromString(v).Round(c.MinorUnits()), Currency: c}
}

// newOrder returns a created order of c for 2 × price in cur and a kit
// whose price the host overrode, at at.
func newOrder(t *testing.T, c customer.ID, price, cur, ref string, at time.Time) orders.Order {
	t.Helper()
	o, err := orders.New(orders.Params{
		Customer:      c,
		Lines:         []orders.Line{{ProductID: "vip", Quantity: 2, UnitPrice: money.MustParse(price, cur)}, {ProductID: "kit", Quantity: 1, UnitPrice: inMinor("0.50", cur), PriceOverridden: true}},
		PaymentRef:    ref,
		CheckoutIP:    netip.MustParseAddr("203.0.113.9"),
		CheckoutEmail: "buyer@example.com",
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// createCustomer stores a fresh customer (a backend may hold orders to
// existing customers only).
func createCustomer(t *testing.T, b storage.Backend) customer.Customer {
	t.Helper()
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(context.Background(), c) })
	return c
}

func testOrders(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("CreateGet", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		o := newOrder(t, c.ID, "4.75", "EUR", newPaymentRef(), now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().Get(ctx, o.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(o, got, moneyCmpOpts...); d != "" {
				t.Errorf("Get (-want +got):\n%s", d)
			}
			got, err = tx.Orders().GetByPaymentRef(ctx, o.PaymentRef)
			if err != nil {
				return err
			}
			if got.ID != o.ID {
				t.Errorf("GetByPaymentRef = %s, want %s", got.ID, o.ID)
			}
			return nil
		})
	})

	t.Run("NotFound", func(t *testing.T) {
		b := newBackend(t)
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Orders().Get(ctx, orders.NewID(now)); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("Get unknown = %v, want ErrNotFound", err)
			}
			if _, err := tx.Orders().GetByPaymentRef(ctx, newPaymentRef()); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("GetByPaymentRef unknown = %v, want ErrNotFound", err)
			}
			if _, err := tx.Orders().GetByPaymentRef(ctx, ""); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf(`GetByPaymentRef("") = %v, want ErrNotFound`, err)
			}
			return nil
		})
		c := createCustomer(t, b)
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Orders().Update(ctx, newOrder(t, c.ID, "1", "EUR", "", now)) })
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
	})

	t.Run("PaymentRefUnique", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		ref := newPaymentRef()
		first := newOrder(t, c.ID, "1", "EUR", ref, now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, first) })
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Orders().Create(ctx, newOrder(t, c.ID, "1", "EUR", ref, now)) })
		if !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("Create with a taken payment reference = %v, want ErrConflict", err)
		}
		// Orders without a reference do not collide with each other.
		a, z := newOrder(t, c.ID, "1", "EUR", "", now), newOrder(t, c.ID, "1", "EUR", "", now)
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Orders().Create(ctx, a); err != nil {
				return err
			}
			return tx.Orders().Create(ctx, z)
		})
		// Completing one with the taken reference is refused…
		taken, _, err := a.Complete(ref, money.Amount{}, now)
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(ctx, func(tx storage.Tx) error { return tx.Orders().Update(ctx, taken) })
		if !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("Update to a taken payment reference = %v, want ErrConflict", err)
		}
		// …and with a fresh one it is found by it.
		fresh, _, _ := a.Complete(newPaymentRef(), money.Amount{}, now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Update(ctx, fresh) })
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().GetByPaymentRef(ctx, fresh.PaymentRef)
			if err != nil {
				return err
			}
			if got.ID != a.ID || got.Status != orders.Completed {
				t.Errorf("GetByPaymentRef after completion = %s (%s), want %s completed", got.ID, got.Status, a.ID)
			}
			return nil
		})
	})

	t.Run("UpdateVersion", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		o := newOrder(t, c.ID, "10.00", "EUR", "", now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		done, _, err := o.Complete(newPaymentRef(), money.MustParse("0.79", "EUR"), now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		done.Granted = []inventory.ItemID{inventory.NewItemID(now), inventory.NewItemID(now)} // what the completion delivered
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Update(ctx, done) })
		want := done
		want.Version++
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().Get(ctx, o.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(want, got, moneyCmpOpts...); d != "" {
				t.Errorf("after Update (-want +got):\n%s", d)
			}
			return nil
		})
		// The same version again is stale: a concurrent writer lost.
		stale, err := done.Refund(money.MustParse("1.00", "EUR"), now.Add(2*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(ctx, func(tx storage.Tx) error { return tx.Orders().Update(ctx, stale) })
		var ce *errs.ConflictError
		if !errors.As(err, &ce) {
			t.Errorf("stale Update = %v, want *errs.ConflictError", err)
		}
		moved := want
		moved.Customer = createCustomer(t, b).ID
		if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Orders().Update(ctx, moved) }); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Update to another customer = %v, want ErrConflict", err)
		}
	})

	t.Run("ReturnsCopies", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		o := newOrder(t, c.ID, "1", "EUR", "", now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		o.Lines[0].ProductID = "changed-by-caller"
		view(t, b, func(tx storage.Tx) error {
			got, _ := tx.Orders().Get(ctx, o.ID)
			got.Lines[0].ProductID = "changed-after-get"
			again, _ := tx.Orders().Get(ctx, o.ID)
			if again.Lines[0].ProductID != "vip" {
				t.Errorf("stored line changed through a caller's slice: %q", again.Lines[0].ProductID)
			}
			return nil
		})
	})

	t.Run("Refunds", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		o := newOrder(t, c.ID, "10.00", "EUR", "", now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		o, _, err := o.Complete(newPaymentRef(), money.MustParse("0.79", "EUR"), now)
		if err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Update(ctx, o) })
		o.Version++
		// Two webhooks and a refund by hand, at microsecond times, one with
		// fewer digits than the currency has.
		at := now.Add(time.Minute + 123456*time.Microsecond)
		steps := []struct{ ref, amount string }{{"re_1", "3.00"}, {"", "1.5"}, {"re_2/ü", "2.12"}}
		for _, s := range steps {
			if o, _, err = o.RefundRef(s.ref, money.MustParse(s.amount, "EUR"), at); err != nil {
				t.Fatal(err)
			}
			at = at.Add(time.Second)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Update(ctx, o) })
		want := o
		want.Version++
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().Get(ctx, o.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(want, got, moneyCmpOpts...); d != "" {
				t.Errorf("Get after refunds (-want +got):\n%s", d)
			}
			// A retried webhook is recognised from the stored order.
			if again, changed, err := got.RefundRef("re_2/ü", money.MustParse("2.12", "EUR"), at); err != nil || changed || again.Version != want.Version {
				t.Errorf("retried refund on the stored order: changed %v, %v", changed, err)
			}
			got.Refunds[0].Ref = "changed-after-get"
			list, err := tx.Orders().List(ctx, orders.ListParams{Customer: c.ID})
			if err != nil {
				return err
			}
			if len(list) != 1 || len(list[0].Refunds) != len(steps) || list[0].Refunds[0].Ref != "re_1" {
				t.Errorf("List after refunds (and a caller changing a copy) = %+v, want one order refunded under re_1 first", list)
			}
			return nil
		})
	})

	t.Run("ListNewestFirst", func(t *testing.T) { testOrdersList(t, newBackend) })
	t.Run("Summary", func(t *testing.T) { testOrdersSummary(t, newBackend) })

	t.Run("FailedUpdateKeepsNothing", func(t *testing.T) {
		b := newBackend(t)
		c := createCustomer(t, b)
		kept := newOrder(t, c.ID, "10.00", "EUR", "", now)
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, kept) })
		dropped := newOrder(t, c.ID, "5.00", "EUR", newPaymentRef(), now)
		done, _, _ := kept.Complete(newPaymentRef(), money.Amount{}, now)
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Orders().Create(ctx, dropped); err != nil {
				return err
			}
			if err := tx.Orders().Update(ctx, done); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		view(t, b, func(tx storage.Tx) error {
			if _, err := tx.Orders().Get(ctx, dropped.ID); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("order created in a failed Update exists: %v", err)
			}
			for _, ref := range []string{dropped.PaymentRef, done.PaymentRef} {
				if _, err := tx.Orders().GetByPaymentRef(ctx, ref); !errors.Is(err, errs.ErrNotFound) {
					t.Errorf("payment reference of a failed Update is taken: %v", err)
				}
			}
			got, err := tx.Orders().Get(ctx, kept.ID)
			if err != nil {
				return err
			}
			if got.Status != orders.Created || got.Version != kept.Version {
				t.Errorf("failed Update changed the order: %s v%d", got.Status, got.Version)
			}
			s, err := tx.Orders().Summary(ctx, c.ID)
			if s.Payments != 0 || len(s.Sums) != 0 {
				t.Errorf("failed Update left a summary %+v", s)
			}
			list, _ := tx.Orders().List(ctx, orders.ListParams{Customer: c.ID})
			if len(list) != 1 {
				t.Errorf("List after a failed Update has %d orders, want 1", len(list))
			}
			return err
		})
	})
}

func testOrdersList(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c, other := createCustomer(t, b), createCustomer(t, b)
	// Seven orders a second apart; every third is completed.
	var all []orders.Order // oldest first
	for i := range 7 {
		o := newOrder(t, c.ID, "1.00", "EUR", "", now.Add(time.Duration(i)*time.Second))
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		if i%3 == 0 {
			o, _, _ = o.Complete(newPaymentRef(), money.Amount{}, now)
			update(t, b, func(tx storage.Tx) error { return tx.Orders().Update(ctx, o) })
			o.Version++
		}
		all = append(all, o)
	}
	update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, newOrder(t, other.ID, "1", "EUR", "", now)) })

	list := func(p orders.ListParams) []orders.ID {
		var out []orders.ID
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().List(ctx, p)
			for _, o := range got {
				out = append(out, o.ID)
			}
			return err
		})
		return out
	}
	ids := func(is ...int) []orders.ID {
		var out []orders.ID
		for _, i := range is {
			out = append(out, all[i].ID)
		}
		return out
	}
	tests := []struct {
		name string
		p    orders.ListParams
		want []orders.ID
	}{
		{"all, newest first", orders.ListParams{Customer: c.ID}, ids(6, 5, 4, 3, 2, 1, 0)},
		{"first page", orders.ListParams{Customer: c.ID, Limit: 3}, ids(6, 5, 4)},
		{"second page", orders.ListParams{Customer: c.ID, Limit: 3, Cursor: all[4].ID}, ids(3, 2, 1)},
		{"last page", orders.ListParams{Customer: c.ID, Limit: 3, Cursor: all[1].ID}, ids(0)},
		{"past the end", orders.ListParams{Customer: c.ID, Limit: 3, Cursor: all[0].ID}, nil},
		{"completed", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Completed}}, ids(6, 3, 0)},
		{"completed, paged", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Completed}, Limit: 2, Cursor: all[6].ID}, ids(3, 0)},
		{"two statuses", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Completed, orders.Created}, Limit: 2}, ids(6, 5)},
		{"no match", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Refunded}}, nil},
		{"a status twice", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Completed, orders.Completed}}, ids(6, 3, 0)},
		{"two statuses, second page", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{orders.Created, orders.Refunded, orders.Completed}, Limit: 2, Cursor: all[4].ID}, ids(3, 2)},
		{"unknown status", orders.ListParams{Customer: c.ID, Statuses: []orders.Status{"shipped"}}, nil},
		{"unknown customer", orders.ListParams{Customer: customer.NewID(now)}, nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, list(tt.p)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func testOrdersSummary(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := createCustomer(t, b)
	summary := func() orders.Summary {
		var s orders.Summary
		view(t, b, func(tx storage.Tx) (err error) {
			s, err = tx.Orders().Summary(ctx, c.ID)
			return err
		})
		return s
	}
	if s := summary(); s.Payments != 0 || len(s.Sums) != 0 {
		t.Fatalf("Summary of a customer without orders = %+v", s)
	}
	// Orders in three currencies through every status; after each write the
	// stored summary equals orders.Summarize over the stored orders.
	var mine []orders.Order
	save := func(o orders.Order, create bool) orders.Order {
		update(t, b, func(tx storage.Tx) error {
			if create {
				return tx.Orders().Create(ctx, o)
			}
			return tx.Orders().Update(ctx, o)
		})
		if !create {
			o.Version++
		}
		for i := range mine {
			if mine[i].ID == o.ID {
				mine[i] = o
				return o
			}
		}
		mine = append(mine, o)
		return o
	}
	check := func(step string) {
		t.Helper()
		if d := cmp.Diff(orders.Summarize(mine), summary(), moneyCmpOpts...); d != "" {
			t.Fatalf("after %s: Summary (-Summarize +stored):\n%s", step, d)
		}
	}
	for _, cur := range []string{"EUR", "USD", "JPY"} {
		o := save(newOrder(t, c.ID, "10", cur, "", now), true)
		check("create " + cur)
		o, _, _ = o.Complete(newPaymentRef(), inMinor("0.79", cur), now)
		o = save(o, false)
		check("complete " + cur)
		o, _ = o.Refund(money.MustParse("3", cur), now)
		o = save(o, false)
		check("refund " + cur)
		o, _, _ = o.Chargeback(money.MustParse("15", cur), now)
		save(o, false)
		check("chargeback " + cur)
		canceled, _ := newOrder(t, c.ID, "99", cur, "", now).Cancel(now)
		save(canceled, true)
		check("cancel " + cur)
	}
	if s := summary(); s.Payments != 3 || s.Refunds != 3 || s.Chargebacks != 3 || len(s.Sums) != 3 {
		t.Errorf("Summary = %+v, want 3 payments, refunds and chargebacks in 3 currencies", s)
	}

	// The store contract holds for any update, not just the workflows'
	// transitions: a paid order moved to a currency of its own leaves no
	// empty entry behind for the one it left.
	gbp := save(newOrder(t, c.ID, "5", "GBP", "", now), true)
	gbp, _, _ = gbp.Complete(newPaymentRef(), money.MustParse("0.20", "GBP"), now)
	gbp = save(gbp, false)
	check("complete GBP")
	chf := gbp.Clone()
	for i := range chf.Lines {
		chf.Lines[i].UnitPrice = money.MustParse(chf.Lines[i].UnitPrice.Value.String(), "CHF")
	}
	chf.Total, chf.Fees = money.MustParse("5", "CHF"), money.MustParse("0.20", "CHF")
	chf.Refunded, chf.DisputeFee = money.MustParse("0", "CHF"), money.MustParse("0", "CHF")
	save(chf, false)
	check("move GBP to CHF")

	// An order stored already paid (an import), refunds by reference and
	// by hand, a write that changes nothing the summary counts, a
	// rolled-back write, and another customer's orders.
	imported := newOrder(t, c.ID, "7", "EUR", "", now)
	imported, _, _ = imported.Complete(newPaymentRef(), money.MustParse("0.50", "EUR"), now)
	imported = save(imported, true)
	check("create completed")
	imported, _, _ = imported.RefundRef("re_a", money.MustParse("1.25", "EUR"), now)
	imported = save(imported, false)
	check("refund by reference")
	imported, _ = imported.Refund(money.MustParse("0.75", "EUR"), now)
	imported = save(imported, false)
	check("refund by hand")
	imported.Granted = []inventory.ItemID{inventory.NewItemID(now)}
	imported = save(imported, false)
	check("record a grant")
	full, _ := imported.Refund(money.MustParse("12.50", "EUR"), now)
	err := b.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Orders().Update(ctx, full); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	check("a rolled-back refund")
	other := createCustomer(t, b)
	elsewhere := newOrder(t, other.ID, "3", "EUR", "", now)
	elsewhere, _, _ = elsewhere.Complete(newPaymentRef(), money.Amount{}, now)
	update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, elsewhere) })
	check("another customer's order")
	full = save(full, false)
	check("refund in full")
}
