package playerbase

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the details as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (d Details) MarshalJSON() ([]byte, error) {
	type plain Details
	return jsonx.Marshal(plain(d))
}

// MarshalJSON writes the delivery as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery
	return jsonx.Marshal(plain(d))
}

// MarshalJSON writes the page as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (p OrderPage) MarshalJSON() ([]byte, error) {
	type plain OrderPage
	return jsonx.Marshal(plain(p))
}

// MarshalJSON writes the page as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (p ItemPage) MarshalJSON() ([]byte, error) {
	type plain ItemPage
	return jsonx.Marshal(plain(p))
}

// MarshalJSON writes the page as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (p SubscriptionPage) MarshalJSON() ([]byte, error) {
	type plain SubscriptionPage
	return jsonx.Marshal(plain(p))
}

// MarshalJSON writes the page as docs/json.md shows it: lists [] when
// empty, absent times left out, times in UTC.
func (p BanPage) MarshalJSON() ([]byte, error) {
	type plain BanPage
	return jsonx.Marshal(plain(p))
}
