// Package period is the one calendar length of playerbase: Count × Unit
// (hour, day, week, month, year). A product's duration (package inventory)
// and a subscription's billing period (package subscriptions) are both a
// Period; each domain states which periods it accepts (CheckDuration,
// CheckPeriod there).
//
// The rules (docs/RULES.md, Subscriptions):
//   - Months and years follow the calendar and clamp to the last day of a
//     shorter month: Jan 31 + 1 month is Feb 28 (or 29).
//   - The n-th period from an anchor is computed from the anchor, clamping
//     once (AddN), so a period anchored on the 31st ends on the 31st
//     whenever the month has one, not on the 28th for ever after February.
//   - Days and weeks are calendar days (time.AddDate), hours are elapsed
//     time.
//   - Parse reads what a store owner types: "30 days", "1 month", "2w",
//     "monthly"; String writes the form Parse reads back.
package period
