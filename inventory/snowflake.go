package inventory

import (
	"strconv"
	"time"

	"github.com/playerbase/playerbase/errs"
)

// Snowflake is a Discord ID: a uint64 whose top 42 bits are milliseconds
// since the Discord epoch.
type Snowflake uint64

// DiscordEpoch is 2015-01-01T00:00:00Z, the zero of snowflake timestamps.
var DiscordEpoch = time.UnixMilli(1420070400000).UTC()

// SnowflakeSkew is how far past now a snowflake's timestamp may lie, for
// clocks that differ from Discord's.
const SnowflakeSkew = 5 * time.Minute

// ParseSnowflake reads a Discord user ID: 17 to 20 decimal digits without a
// leading zero, fitting a uint64, with a timestamp after the Discord epoch
// and no later than now+SnowflakeSkew. The digit count is what Discord
// gives IDs made since 2015 until past 2090; the future bound catches a
// mistyped extra digit, which multiplies the time since 2015 by ten.
func ParseSnowflake(s string, now time.Time) (Snowflake, error) {
	if len(s) < 17 || len(s) > 20 {
		return 0, errs.Invalid("discord_id", s, "want a Discord ID of 17 to 20 digits")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errs.Invalid("discord_id", s, "want decimal digits only")
		}
	}
	if s[0] == '0' {
		return 0, errs.Invalid("discord_id", s, "a Discord ID has no leading zero")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errs.Invalid("discord_id", s, "larger than a Discord ID can be")
	}
	// 17 digits without a leading zero is at least 10^16, whose timestamp
	// is 2015-01-28: the digit rules already keep IDs after 2015-01-01.
	id := Snowflake(n)
	if id.Time().After(now.Add(SnowflakeSkew)) {
		return 0, errs.Invalid("discord_id", s, "timestamp "+id.Time().Format(time.RFC3339)+" is in the future")
	}
	return id, nil
}

// Time returns when the snowflake was made, to the millisecond.
func (s Snowflake) Time() time.Time {
	return DiscordEpoch.Add(time.Duration(s>>22) * time.Millisecond)
}

// String returns the canonical decimal form.
func (s Snowflake) String() string { return strconv.FormatUint(uint64(s), 10) }
