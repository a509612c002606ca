package events

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// field is one member of a record's JSON object.
type field struct {
	key   string
	value json.RawMessage
}

// encode returns v's JSON as json.Marshal writes it, and whether it is
// plain: compact, no '<', '>', '&', U+2028 or U+2029, so json.Marshal
// would write it unchanged. A record of this module writes itself with
// encoding/json (internal/jsonx), so its MarshalJSON output is valid
// JSON: calling it directly skips json.Marshal's second pass over the
// output, which changes nothing in plain JSON; members checks the rest as
// it splits it. Any other value goes through json.Marshal.
func encode(v any) (raw []byte, own bool, err error) {
	m, ok := v.(json.Marshaler)
	if !ok {
		raw, err := json.Marshal(v)
		return raw, false, err
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer || !strings.HasPrefix(t.PkgPath(), module) {
		raw, err := json.Marshal(v)
		return raw, false, err
	}
	raw, err = m.MarshalJSON()
	return raw, err == nil, err
}

// module is the import path prefix of the records encode trusts.
const module = "github.com/playerbase/playerbase/"

// members splits raw, one valid JSON object, into its members in order,
// the values sharing raw's bytes. ok is false for anything it does not
// take as it is (not an object, whitespace, a key with escapes, a
// character json.Marshal escapes): the caller marshals and decodes it
// the slow way.
func members(raw []byte) (out []field, ok bool) {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return nil, false
	}
	i := 1
	if raw[i] == '}' {
		return []field{}, i == len(raw)-1
	}
	out = make([]field, 0, 16)
	for {
		if raw[i] != '"' {
			return nil, false
		}
		end := stringEnd(raw, i)
		if end < 0 || end+1 >= len(raw) || raw[end+1] != ':' {
			return nil, false
		}
		key := raw[i+1 : end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, false
		}
		start := end + 2
		stop := valueEnd(raw, start)
		if stop < 0 || stop >= len(raw) {
			return nil, false
		}
		out = append(out, field{string(key), raw[start:stop:stop]})
		switch raw[stop] {
		case ',':
			i = stop + 1
		case '}':
			return out, stop == len(raw)-1
		default:
			return nil, false
		}
	}
}

// stringEnd returns the index of the quote that closes the string opening
// at raw[i], or -1, also for a string holding what json.Marshal escapes.
func stringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return j
		case '<', '>', '&':
			return -1
		case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if j+2 < len(raw) && raw[j+1] == 0x80 && (raw[j+2] == 0xA8 || raw[j+2] == 0xA9) {
				return -1
			}
		}
	}
	return -1
}

// valueEnd returns the index just past the value starting at raw[i]: the
// ',' or '}' that follows it in the enclosing object, or -1.
func valueEnd(raw []byte, i int) int {
	depth := 0
	for j := i; j < len(raw); j++ {
		switch raw[j] {
		case '"':
			if j = stringEnd(raw, j); j < 0 {
				return -1
			}
		case '{', '[':
			depth++
		case ']':
			depth--
		case '}':
			if depth == 0 {
				return j
			}
			depth--
		case ',':
			if depth == 0 {
				return j
			}
		case ' ', '\t', '\n', '\r':
			return -1
		}
	}
	return -1
}
