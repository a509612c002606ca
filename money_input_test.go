package playerbase_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
)

// hostAmount builds an Amount as a host may, without Parse, so nothing but
// the workflow stands between it and the store.
func hostAmount(v, code string) money.Amount {
	return money.Amount{Value: decimal.RequireFromString(v), Currency: money.MustCurrency(code)}
}

// wantInvalidField fails unless err is an *errs.InvalidError for field.
func wantInvalidField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var inv *errs.InvalidError
	if !errors.As(err, &inv) || inv.Field != field {
		t.Errorf("%s = %v, want an *errs.InvalidError for %s", what, err, field)
	}
}

// Money finer than the currency's minor unit is refused wherever it enters
// a workflow, and changes nothing: a refund of 0.004 USD would be shown as
// 0.00 and leave an order that can never be refunded in full.
func TestFinerThanMinorUnitRefused(t *testing.T) {
	for _, tc := range []struct {
		code, price, fine string
	}{
		{"USD", "10.00", "0.004"},
		{"JPY", "1000", "0.4"},
		{"KWD", "10.000", "0.0005"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			forBackends(t, func(t *testing.T, b storage.Backend) {
				ctx := context.Background()
				pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
				fine := hostAmount(tc.fine, tc.code)
				checkout := func(price money.Amount) playerbase.OrderCreateParams {
					return playerbase.OrderCreateParams{Currency: price.Currency, Lines: []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1, PriceOverride: &price}}}
				}

				_, err := pb.OrderCreate(ctx, cust.ID, checkout(hostAmount("1"+tc.fine[1:], tc.code)))
				wantInvalidField(t, "CreateOrder with a unit price of "+tc.fine, err, "lines[0].price_override")
				if page, err := pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{}); err != nil || len(page.Orders) != 0 {
					t.Errorf("orders after the refused checkout: %v, %v; want none", page.Orders, err)
				}
				_, err = pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{
					ProductID: vipID, Currency: fine.Currency, PriceOverride: &fine, Period: period.Period{Count: 1, Unit: period.Month},
				})
				wantInvalidField(t, "CreateSubscription for "+tc.fine, err, "price_override")
				if page, err := pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{}); err != nil || len(page.Subscriptions) != 0 {
					t.Errorf("subscriptions after the refused one: %v, %v; want none", page.Subscriptions, err)
				}

				price := hostAmount(tc.price, tc.code)
				o, err := pb.OrderCreate(ctx, cust.ID, checkout(price))
				if err != nil {
					t.Fatal(err)
				}
				_, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_fine", Fees: fine})
				wantInvalidField(t, "CompleteOrder with fees of "+tc.fine, err, "fees")
				unchanged(t, pb, o, "the refused completion")
				if o, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_fine"}); err != nil {
					t.Fatal(err)
				}
				// A retried webhook with a fine fee is refused as input too.
				_, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_fine", Fees: fine})
				wantInvalidField(t, "a retried completion with fees of "+tc.fine, err, "fees")

				_, err = pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: fine})
				wantInvalidField(t, "RefundOrder of "+tc.fine, err, "amount")
				_, err = pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_fine", Amount: fine})
				wantInvalidField(t, "RefundOrderRef of "+tc.fine, err, "amount")
				_, err = pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: fine})
				wantInvalidField(t, "ChargebackOrder with a dispute fee of "+tc.fine, err, "dispute_fee")
				unchanged(t, pb, o, "the refused refunds and chargeback")

				// So the order can still be refunded in full.
				full, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: price})
				if err != nil || full.Status != orders.Refunded || !full.Refunded.Equal(price) {
					t.Errorf("refund of the whole %s = %s, refunded %v, %v; want refunded", price, full.Status, full.Refunded, err)
				}
			})
		})
	}
}

// unchanged fails unless the stored order is still want.
func unchanged(t *testing.T, pb *playerbase.Client, want orders.Order, after string) {
	t.Helper()
	got, err := pb.OrderGet(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	opts := cmp.Options{
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	}
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Errorf("order after %s (-want +got):\n%s", after, d)
	}
}
