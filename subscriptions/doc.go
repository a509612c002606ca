// Package subscriptions holds recurring purchases: their price, billing
// period and status.
//
// Rules (docs/RULES.md "Subscriptions"):
//   - The Amount charged each period is a price: not negative and not finer
//     than its currency's minor unit (money.Amount.CheckPrice), else an
//     *errs.InvalidError for "amount".
//   - A billing period is a period.Period of days, weeks, months or years
//     (period.Parse reads "30 days", "1 month", "monthly", "2w"), at most
//     ten years long (CheckPeriod); hours are no billing period.
//   - Statuses: created → active → canceled; created → canceled. Activate
//     starts the first period; Renew (active only) moves the period end by
//     one period; anything else is a *TransitionError matching
//     errs.ErrConflict.
//   - Period ends are counted from the activation instant, never by adding a
//     period to the previous end: the n-th period ends at activation + n
//     periods. Month arithmetic clamps to the month's last day but keeps the
//     anchor day, so a subscription activated on Jan 31 ends its periods on
//     Feb 28 (29 in leap years), Mar 31, Apr 30, … and a yearly one started
//     on Feb 29 renews on Feb 28 and again on Feb 29 when the year is leap.
//     A late renewal still moves the end by exactly one period: the billing
//     day never drifts.
//   - A period end is at most textin.MaxTime (the last microsecond of year
//     9999, which every backend and JSON hold): an Activate or Renew that
//     would pass it is an *errs.InvalidError for "current_period_end".
//   - Cancel now ends a created or active subscription at once. Cancel at
//     period end only sets CancelAtPeriodEnd (a created subscription has no
//     period, and one whose period ended unrenewed has none left, so either
//     is canceled at once); the subscription stays active, and
//     counts as active, until CurrentPeriodEnd. From that instant it reads
//     as canceled (StatusAt, At) with CanceledAt = CurrentPeriodEnd, before
//     any write records it: there is no sweep to miss. The next transition
//     stores the canceled state. A subscription set to cancel cannot renew.
//   - A period that ends with neither a renewal nor a cancellation leaves
//     the subscription active (and in MRR): the payment provider decides
//     when a late payment means the end, and says so with a cancel or a
//     late renewal. The subscription's item, granted to the period end,
//     expires on time either way.
//   - Amount is the product's catalog price in the subscription's currency
//     at checkout (the root Client takes it), unless the host set it itself,
//     which PriceOverridden records. A later catalog change does not reprice
//     a subscription taken.
//   - Trial marks a subscription in its free trial: active, but worth 0 in
//     MRR. The first renewal (the first paid period) ends the trial.
//   - Lists are per customer, newest first, cursor-paged, filtered by the
//     status a subscription reads as at the time of the query.
package subscriptions
