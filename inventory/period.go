package inventory

import (
	"strconv"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/period"
)

// MaxPeriodCount bounds a duration's Count.
const MaxPeriodCount = 1000

// CheckDuration reports whether p is a usable product duration: any unit,
// 1 to MaxPeriodCount of it.
func CheckDuration(p period.Period) error {
	if !p.Unit.Valid() {
		return errs.Invalid("duration.unit", string(p.Unit), "want hour, day, week, month or year")
	}
	if p.Count < 1 || p.Count > MaxPeriodCount {
		return errs.Invalid("duration.count", strconv.Itoa(p.Count), "want 1 to "+strconv.Itoa(MaxPeriodCount))
	}
	return nil
}
