package period

import (
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/errs"
)

// Unit is what a Period counts.
type Unit string

// The units, shortest first.
const (
	Hour  Unit = "hour"
	Day   Unit = "day"
	Week  Unit = "week"
	Month Unit = "month"
	Year  Unit = "year"
)

// Units lists every Unit, shortest first.
var Units = []Unit{Hour, Day, Week, Month, Year}

// Valid reports whether u is one of Units.
func (u Unit) Valid() bool {
	switch u {
	case Hour, Day, Week, Month, Year:
		return true
	}
	return false
}

// Period is a calendar length: Count units, e.g. 30 days or 1 month.
type Period struct {
	Count int  `json:"count"`
	Unit  Unit `json:"unit"`
}

// For returns a *Period, for an optional field such as a product's
// Duration.
func For(count int, u Unit) *Period { return &Period{Count: count, Unit: u} }

// String returns the form Parse reads back: "1 month", "30 days".
func (p Period) String() string {
	s := strconv.Itoa(p.Count) + " " + string(p.Unit)
	if p.Count != 1 {
		s += "s"
	}
	return s
}

var unitNames = map[string]Unit{
	"h": Hour, "hr": Hour, "hrs": Hour, "hour": Hour, "hours": Hour,
	"d": Day, "day": Day, "days": Day,
	"w": Week, "wk": Week, "week": Week, "weeks": Week,
	"mo": Month, "mon": Month, "month": Month, "months": Month,
	"y": Year, "yr": Year, "year": Year, "years": Year,
}

var adverbs = map[string]Unit{
	"hourly": Hour, "daily": Day, "weekly": Week, "monthly": Month, "yearly": Year, "annually": Year, "annual": Year,
}

// maxDigits bounds a parsed count; each domain bounds it further.
const maxDigits = 4

// Parse reads a period as a store owner types it: a count and a unit
// ("30 days", "1 month", "2w", "1y"), a bare unit ("month"), or an adverb
// ("monthly", "annually"). Case and spaces do not matter. The count is 1
// to 9999; which periods a product or a subscription accepts is their
// check's to say.
func Parse(s string) (Period, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	if u, ok := adverbs[s]; ok {
		return Period{Count: 1, Unit: u}, nil
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	count := 1
	if digits > 0 {
		if digits > maxDigits {
			return Period{}, errs.Invalid("period", in, "count too large")
		}
		count, _ = strconv.Atoi(s[:digits])
	}
	u, ok := unitNames[strings.TrimSpace(s[digits:])]
	if !ok {
		return Period{}, errs.Invalid("period", in, `want a count and a unit, such as "30 days" or "1 month"`)
	}
	if count < 1 {
		return Period{}, errs.Invalid("period", in, "the count must be at least 1")
	}
	return Period{Count: count, Unit: u}, nil
}

// AddTo returns t plus one period.
func (p Period) AddTo(t time.Time) time.Time { return p.AddN(t, 1) }

// AddN returns anchor plus n periods, clamping once at the end: the n-th
// period end of a subscription anchored on the 31st falls on the 31st
// whenever the month has one. An unknown unit leaves anchor as it is;
// the domains' checks refuse such a period before it is stored.
func (p Period) AddN(anchor time.Time, n int) time.Time {
	k := n * p.Count
	switch p.Unit {
	case Hour:
		return anchor.Add(time.Duration(k) * time.Hour)
	case Day:
		return anchor.AddDate(0, 0, k)
	case Week:
		return anchor.AddDate(0, 0, 7*k)
	case Month:
		return addMonths(anchor, k)
	case Year:
		return addMonths(anchor, 12*k)
	}
	return anchor
}

// addMonths moves t by months calendar months, keeping its day unless the
// target month is shorter, then using the month's last day (time.AddDate
// would roll Jan 31 + 1 month over into March).
func addMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	first := time.Date(y, m+time.Month(months), 1, hh, mm, ss, t.Nanosecond(), t.Location())
	if last := daysIn(first.Year(), first.Month()); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, t.Nanosecond(), t.Location())
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }
