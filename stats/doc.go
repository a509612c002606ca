// Package stats computes the figures of the Customer Details Page from a
// customer's orders and subscriptions. Everything here is a pure function.
//
// Rules (docs/RULES.md "Stats"):
//   - Net spent, per currency, over paid orders (completed, refunded,
//     chargeback): Total − fees − refunded, where a chargeback reverses the
//     whole total and its dispute fee adds to the fees (orders.Order.Net).
//     Net spent can be negative. Gross spent is Σ Total over the same
//     orders.
//   - Total payments counts orders that were paid, whatever happened after;
//     Refunds counts paid orders with a refund (partial or full);
//     Chargebacks counts charged-back orders.
//   - Active subscriptions: StatusAt(now) is active, so one set to cancel at
//     its period end counts until that instant.
//   - MRR, per currency, over active subscriptions: a month period adds
//     Amount ÷ Count, a year period Amount ÷ (12 × Count), day and week
//     periods Amount × MonthLength ÷ (Count × 1 day or 7 days). MonthLength
//     defaults to an average month of 365/12 days (730 hours), so a 30-day
//     10.00 plan adds 10.14. Trials add 0.
//   - Amounts of different currencies are never added. Sums keep full
//     precision; each total is rounded once, at the end, to the currency's
//     minor unit.
//
// The order figures come from orders.Summary, which a store computes (a SQL
// backend with one GROUP BY) and orders.Summarize defines.
package stats
