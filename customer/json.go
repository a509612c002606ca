package customer

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the customer as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (c Customer) MarshalJSON() ([]byte, error) {
	type plain Customer
	return jsonx.Marshal(plain(c))
}

// MarshalJSON writes the token as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (t Token) MarshalJSON() ([]byte, error) {
	type plain Token
	return jsonx.Marshal(plain(t))
}
