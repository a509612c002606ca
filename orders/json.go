package orders

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the order as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (o Order) MarshalJSON() ([]byte, error) {
	type plain Order
	return jsonx.Marshal(plain(o))
}
