package subscriptions

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the subscription as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (s Subscription) MarshalJSON() ([]byte, error) {
	type plain Subscription
	return jsonx.Marshal(plain(s))
}
