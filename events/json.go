package events

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the event as docs/json.md shows it: changes {} when
// none, the time in UTC.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return jsonx.Marshal(plain(e))
}
