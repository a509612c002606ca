package memory

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
)

// An order read back from its stored record equals the order written,
// whatever its lines and times, and the read shares nothing the caller can
// change with the record: writing through the read's lines, times and
// refunds leaves the next read as it was.
func TestStoredOrderRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	line := func(p string) orders.Line {
		return orders.Line{ProductID: "prd_x", Quantity: 2, UnitPrice: money.MustParse(p, "EUR")}
	}
	base := func(lines ...orders.Line) orders.Order {
		o, err := orders.New(orders.Params{Customer: "cus_1", Lines: lines}, at)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	one := base(line("4.99"))
	paid, _, err := one.Complete("pay_1", money.MustParse("0.30", "EUR"), at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	refunded, err := paid.Refund(money.MustParse("1.00", "EUR"), at.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	charged, _, err := refunded.Chargeback(money.MustParse("15.00", "EUR"), at.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := base(line("1.00"), line("2.50")).Cancel(at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	granted := paid
	granted.Granted = []inventory.ItemID{"inv_1", "inv_2"}
	granted.CheckoutIP, granted.CheckoutEmail = netip.MustParseAddr("203.0.113.7"), "p@example.com"
	// Decimals equal in value and in exponent: the record keeps them as
	// written.
	opts := cmp.Options{
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) && a.Exponent() == b.Exponent() }),
		cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	}
	var s ordersState
	s.init()
	for name, o := range map[string]orders.Order{
		"one line": one, "paid": paid, "refunded": refunded, "charged back": charged,
		"two lines, canceled": canceled, "granted": granted, "no lines": {ID: "ord_0", Customer: "cus_1"},
	} {
		t.Run(name, func(t *testing.T) {
			want := o.Clone()
			r := s.stored(o)
			got := r.order()
			if d := cmp.Diff(want, got, opts); d != "" {
				t.Fatalf("read back (-written +read):\n%s", d)
			}
			for i := range got.Lines {
				got.Lines[i].Quantity = 99
			}
			for _, p := range []*time.Time{got.CompletedAt, got.RefundedAt, got.ChargebackAt, got.CanceledAt} {
				if p != nil {
					*p = time.Time{}
				}
			}
			for i := range got.Refunds {
				got.Refunds[i].Ref = "changed"
			}
			for i := range got.Granted {
				got.Granted[i] = "inv_changed"
			}
			if d := cmp.Diff(want, r.order(), opts); d != "" {
				t.Fatalf("a change to a read reached the store (-written +read):\n%s", d)
			}
		})
	}
}
