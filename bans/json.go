package bans

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the ban as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (b Ban) MarshalJSON() ([]byte, error) {
	type plain Ban
	return jsonx.Marshal(plain(b))
}
