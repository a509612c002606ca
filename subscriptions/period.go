package subscriptions

import (
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/errs"
)

// Unit is the unit a billing period is counted in.
type Unit string

// The units of a billing period.
const (
	Day   Unit = "day"
	Week  Unit = "week"
	Month Unit = "month"
	Year  Unit = "year"
)

// maxCount bounds each unit to ten years, so period arithmetic never
// overflows and a typo ("3000 months") is caught.
var maxCount = map[Unit]int{Day: 3660, Week: 522, Month: 120, Year: 10}

// Period is a billing period: Count × Unit, e.g. 30 days or 1 month.
type Period struct {
	Count int  `json:"count"`
	Unit  Unit `json:"unit"`
}

// Check reports whether p is a period a subscription can bill by.
func (p Period) Check() error {
	limit, ok := maxCount[p.Unit]
	if !ok {
		return errs.Invalid("period", p.String(), "unit must be day, week, month or year")
	}
	if p.Count < 1 || p.Count > limit {
		return errs.Invalid("period", p.String(), "want 1 to "+strconv.Itoa(limit)+" "+string(p.Unit)+"s")
	}
	return nil
}

// String returns the form ParsePeriod reads back: "1 month", "30 days".
func (p Period) String() string {
	s := strconv.Itoa(p.Count) + " " + string(p.Unit)
	if p.Count != 1 {
		s += "s"
	}
	return s
}

var unitNames = map[string]Unit{
	"d": Day, "day": Day, "days": Day,
	"w": Week, "wk": Week, "week": Week, "weeks": Week,
	"mo": Month, "mon": Month, "month": Month, "months": Month,
	"y": Year, "yr": Year, "year": Year, "years": Year,
}

var adverbs = map[string]Unit{
	"daily": Day, "weekly": Week, "monthly": Month, "yearly": Year, "annually": Year, "annual": Year,
}

// ParsePeriod reads a billing period as a store owner types it: a count and
// a unit ("30 days", "1 month", "2w", "1y"), a bare unit ("month"), or an
// adverb ("monthly", "annually"). Case and spaces do not matter.
func ParsePeriod(s string) (Period, error) {
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
		if digits > 4 {
			return Period{}, errs.Invalid("period", in, "count too large")
		}
		count, _ = strconv.Atoi(s[:digits])
	}
	u, ok := unitNames[strings.TrimSpace(s[digits:])]
	if !ok {
		return Period{}, errs.Invalid("period", in, `want a count and a unit, such as "30 days" or "1 month"`)
	}
	p := Period{Count: count, Unit: u}
	if err := p.Check(); err != nil {
		return Period{}, err
	}
	return p, nil
}

// AddTo returns t plus one period. Month and year arithmetic clamps to the
// last day of the month (Jan 31 + 1 month = Feb 28 or 29).
func (p Period) AddTo(t time.Time) time.Time { return p.AddN(t, 1) }

// AddN returns anchor plus n periods, clamping once at the end: the n-th
// period end of a subscription anchored on the 31st falls on the 31st
// whenever the month has one.
func (p Period) AddN(anchor time.Time, n int) time.Time {
	k := n * p.Count
	switch p.Unit {
	case Day:
		return anchor.AddDate(0, 0, k)
	case Week:
		return anchor.AddDate(0, 0, 7*k)
	case Month:
		return addMonths(anchor, k)
	case Year:
		return addMonths(anchor, 12*k)
	}
	panic("subscriptions: AddN on an unchecked period " + p.String())
}

// addMonths moves t by months calendar months, keeping its day unless the
// target month is shorter, then using the month's last day.
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
