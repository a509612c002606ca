package inventory

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the product as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (p Product) MarshalJSON() ([]byte, error) {
	type plain Product
	return jsonx.Marshal(plain(p))
}

// MarshalJSON writes the item as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (it Item) MarshalJSON() ([]byte, error) {
	type plain Item
	return jsonx.Marshal(plain(it))
}

// MarshalJSON writes the command as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (c Command) MarshalJSON() ([]byte, error) {
	type plain Command
	return jsonx.Marshal(plain(c))
}
