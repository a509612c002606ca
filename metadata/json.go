package metadata

import "encoding/json"

// MarshalJSON writes the pairs as one JSON object, keys sorted: {} when
// there are none, never null.
func (m Metadata) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]string(m))
}
