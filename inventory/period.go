package inventory

import (
	"strconv"
	"time"

	"github.com/playerbase/playerbase/errs"
)

// Unit is the unit of a Period.
type Unit string

// The units a product's duration is counted in.
const (
	Hour  Unit = "hour"
	Day   Unit = "day"
	Week  Unit = "week"
	Month Unit = "month"
	Year  Unit = "year"
)

// MaxPeriodCount bounds Period.Count.
const MaxPeriodCount = 1000

// Period is a calendar length: Count units. Months and years follow the
// calendar, clamping to the last day of a shorter month.
type Period struct {
	Count int  `json:"count"`
	Unit  Unit `json:"unit"`
}

// For returns a *Period, for Product.Duration.
func For(count int, u Unit) *Period { return &Period{Count: count, Unit: u} }

// Check reports whether p is a usable duration.
func (p Period) Check() error {
	switch p.Unit {
	case Hour, Day, Week, Month, Year:
	default:
		return errs.Invalid("duration.unit", string(p.Unit), "want hour, day, week, month or year")
	}
	if p.Count < 1 || p.Count > MaxPeriodCount {
		return errs.Invalid("duration.count", strconv.Itoa(p.Count), "want 1 to 1000")
	}
	return nil
}

// AddTo returns t moved forward by p. p must pass Check.
func (p Period) AddTo(t time.Time) time.Time {
	switch p.Unit {
	case Hour:
		return t.Add(time.Duration(p.Count) * time.Hour)
	case Day:
		return t.AddDate(0, 0, p.Count)
	case Week:
		return t.AddDate(0, 0, 7*p.Count)
	case Month:
		return addMonths(t, p.Count)
	case Year:
		return addMonths(t, 12*p.Count)
	}
	return t
}

// addMonths adds n months, clamping the day to the target month's last day
// (time.AddDate would roll Jan 31 + 1 month over into March).
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	y += total / 12
	m = time.Month(total%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String returns e.g. "30 days" or "1 month".
func (p Period) String() string {
	s := strconv.Itoa(p.Count) + " " + string(p.Unit)
	if p.Count != 1 {
		s += "s"
	}
	return s
}
