package orders

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/money"
)

// Paid reports whether the order was paid: it reached completed, whatever
// happened after.
func (o Order) Paid() bool { return o.Status.Paid() }

// AllFees returns what the store paid to be paid: the processor's fees
// plus, after a chargeback, the bank's dispute fee.
func (o Order) AllFees() money.Amount {
	return money.Amount{Value: o.Fees.Value.Add(o.DisputeFee.Value), Currency: o.Currency()}
}

// Reversed returns what went back to the customer: the refunds, or the
// whole total once charged back (a chargeback after a partial refund takes
// the rest).
func (o Order) Reversed() money.Amount {
	if o.Status == Chargeback {
		return o.Total
	}
	return o.Refunded
}

// Net returns what the store kept from the order, unrounded:
// Total − AllFees − Reversed for a paid order, zero otherwise. It is
// negative after a chargeback with fees.
func (o Order) Net() money.Amount {
	if !o.Paid() {
		return zero(o.Currency())
	}
	return money.Amount{Value: o.Total.Value.Sub(o.AllFees().Value).Sub(o.Reversed().Value), Currency: o.Currency()}
}

// Sum is what a customer's paid orders in one currency add up to, at full
// precision.
type Sum struct {
	Currency money.Currency
	Payments int             // paid orders in this currency
	Gross    decimal.Decimal // Σ Total
	Fees     decimal.Decimal // Σ AllFees
	Reversed decimal.Decimal // Σ Reversed
}

// Summary is everything package stats needs from a customer's orders. A
// store returns it (Store.Summary) so a SQL backend can compute it with one
// GROUP BY currency instead of loading every order; Summarize is the
// reference any backend must agree with.
type Summary struct {
	Sums        []Sum // one per currency with a paid order, sorted by code
	Payments    int   // paid orders
	Refunds     int   // paid orders with a refund, partial or full
	Chargebacks int   // orders charged back
}

// Summarize adds up orders.
func Summarize(orders []Order) Summary {
	var s Summary
	for _, o := range orders {
		s = s.Add(o)
	}
	return s
}

// Clone returns a copy that shares no memory with s.
func (s Summary) Clone() Summary {
	s.Sums = slices.Clone(s.Sums)
	return s
}

// Add returns s with o counted. An unpaid order adds nothing. s is not
// modified.
func (s Summary) Add(o Order) Summary { return s.add(o, 1) }

// Remove returns s without o, which must have been added as it is now; a
// store keeping a running Summary removes the stored order and adds its
// update. s is not modified.
func (s Summary) Remove(o Order) Summary { return s.add(o, -1) }

func (s Summary) add(o Order, sign int) Summary {
	if !o.Paid() {
		return s
	}
	s = s.Clone()
	s.Payments += sign
	if o.Refunded.Value.IsPositive() {
		s.Refunds += sign
	}
	if o.Status == Chargeback {
		s.Chargebacks += sign
	}
	gross, fees, reversed := o.Total.Value, o.AllFees().Value, o.Reversed().Value
	if sign < 0 {
		gross, fees, reversed = gross.Neg(), fees.Neg(), reversed.Neg()
	}
	cur := o.Currency()
	i, found := slices.BinarySearchFunc(s.Sums, cur, func(x Sum, c money.Currency) int {
		return strings.Compare(x.Currency.Code(), c.Code())
	})
	if !found {
		s.Sums = slices.Insert(s.Sums, i, Sum{Currency: cur})
	}
	sum := &s.Sums[i]
	sum.Payments += sign
	sum.Gross = sum.Gross.Add(gross)
	sum.Fees = sum.Fees.Add(fees)
	sum.Reversed = sum.Reversed.Add(reversed)
	if sum.Payments == 0 {
		// The currency's last paid order was removed: a summary lists the
		// currencies its orders have, as Summarize would.
		s.Sums = slices.Delete(s.Sums, i, i+1)
	}
	return s
}
