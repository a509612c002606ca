package subscriptions

import (
	"strconv"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/period"
)

// maxCount bounds each unit to ten years, so period arithmetic never
// overflows and a typo ("3000 months") is caught. Hours are no billing
// period: MRR has no sensible monthly value for them.
var maxCount = map[period.Unit]int{period.Day: 3660, period.Week: 522, period.Month: 120, period.Year: 10}

// CheckPeriod reports whether p is a period a subscription can bill by.
func CheckPeriod(p period.Period) error {
	limit, ok := maxCount[p.Unit]
	if !ok {
		return errs.Invalid("period", p.String(), "unit must be day, week, month or year")
	}
	if p.Count < 1 || p.Count > limit {
		return errs.Invalid("period", p.String(), "want 1 to "+strconv.Itoa(limit)+" "+string(p.Unit)+"s")
	}
	return nil
}
