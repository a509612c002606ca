package stats

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the stats as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (s Stats) MarshalJSON() ([]byte, error) {
	type plain Stats
	return jsonx.Marshal(plain(s))
}
