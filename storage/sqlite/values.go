package sqlite

import (
	"encoding/json"
	"fmt"
	"time"
)

// timeLayout is how times are stored: UTC, fixed width, microseconds (the
// precision every backend keeps), so text order is time order and a
// comparison with a parameter in the same form uses the indexes.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts is the column value for t.
func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

// tsPtr is the column value for an optional time: NULL if unset.
func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// timeCol scans a non-null time column.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*c.p = t
	return nil
}

// timePtrCol scans a nullable time column.
type timePtrCol struct{ p **time.Time }

func (c timePtrCol) Scan(src any) error {
	if src == nil {
		*c.p = nil
		return nil
	}
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*c.p = &t
	return nil
}

func parseTime(src any) (time.Time, error) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return time.Time{}, fmt.Errorf("sqlite: time column holds %T", src)
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: time column: %w", err)
	}
	return t, nil
}

// jsonCol scans a JSON text column into p.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("sqlite: JSON column holds %T", src)
	}
	return json.Unmarshal(b, c.p)
}

// jsonText is the column value for v, which must encode.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: encoding %T: %v", v, err))
	}
	return string(b)
}
