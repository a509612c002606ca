// Package orders holds a store's orders: their lines, money and status.
//
// Rules (docs/RULES.md "Orders"):
//   - An order has one or more lines (product, quantity ≥ 1, unit price ≥ 0),
//     at most MaxUnits units in all (the quantities added up: paying grants
//     each unit in one transaction), all in one currency. Its Total is computed from the lines — never taken
//     from input — and rounded once to the currency's minor unit. Fees,
//     Refunded and DisputeFee are kept in the same currency.
//   - Money that comes in — unit prices, fees, refund amounts, dispute fees —
//     is never finer than the currency's minor unit (money.Amount.Check): a
//     refund of 0.004 USD or fees of 0.4 JPY is an *errs.InvalidError
//     naming the field ("lines[0].unit_price", "fees", "amount",
//     "dispute_fee"), whatever the order's status, even on a retried
//     webhook, and changes nothing. Line errors name their line
//     ("lines[1].quantity").
//   - A line's UnitPrice is what was charged. The root Client's checkout
//     takes it from the product's catalog price in the order's currency;
//     a checkout names no price, so a browser cannot set one. A price the
//     host set itself (a sale, a coupon) is marked PriceOverridden on the
//     line, for good.
//   - Statuses follow PayNow's: created → completed → refunded (full) |
//     chargeback; created → canceled. A partial refund keeps the order
//     completed and raises Refunded; a refund above what is left to refund
//     is refused. Any other move is a *TransitionError matching
//     errs.ErrConflict.
//   - Complete is idempotent on the payment reference: a retried payment
//     webhook (same reference) on an order that was already completed —
//     even if it was refunded or charged back since — is a success that
//     changes nothing (changed == false), so a workflow grants items once.
//     A different reference is a *TransitionError. The fees of the first
//     completion stand.
//   - Refunds are idempotent on the provider's refund reference: RefundRef
//     records each refund (reference, amount, time) in Refunds, and a refund
//     whose reference the order already lists — a retried refund webhook —
//     is a success that changes nothing (changed == false), with the same
//     amount, whatever the order's status now; with another amount it is a
//     *RefundRefError matching errs.ErrConflict. A refund reference is
//     checked like a payment reference and is unique per order only. A
//     refund without one (Refund, by hand) is never matched: each counts.
//   - A chargeback is idempotent too: a retried dispute webhook on an order
//     already charged back with the same dispute fee is a success that
//     changes nothing (changed == false); another fee is a
//     *TransitionError.
//   - A payment reference, once set, is unique per store: GetByPaymentRef
//     finds the one order a webhook is about. References come from a
//     payment provider and are cleaned, not refused (CheckPaymentRef):
//     cleaning is deterministic, so a retried webhook finds its order;
//     two references that differ only in control characters, invalid
//     bytes or past MaxPaymentRefLen bytes are the same reference.
//   - Lists are per customer, newest first (IDs are ULIDs, so ID order is
//     creation order), cursor-paged by the last ID seen, filtered by status.
//
// Money flow, as the stats read it: an order that was paid (reached
// completed) brings in its Total; its fees are Fees + DisputeFee; it gives
// back Refunded, or its whole Total once charged back (a chargeback after a
// partial refund reverses the rest, so the total is reversed once, not
// more). Summary adds these up per currency; package stats derives net
// spent from it.
//
// Transitions are pure methods on Order that return the new value; the
// root package playerbase runs them inside a transaction and stores the
// result through Store.
package orders
