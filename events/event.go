package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/flatjson"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
)

// Seq is an event's position in the feed, given at commit. 0 is before the
// first event: a follower that has read nothing starts after 0.
type Seq int64

// ParseSeq reads a cursor as a client sends it back: a decimal Seq ≥ 0.
func ParseSeq(s string) (Seq, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Invalid("cursor", s, "want a whole number ≥ 0, the seq of the last event read")
	}
	return Seq(n), nil
}

// ID identifies an event: "evt_" and a ULID. A follower that sees the same
// ID twice (a webhook redelivered) has seen the same event.
type ID string

// NewID returns a new event ID stamped with now.
func NewID(now time.Time) ID { return NewRawID(now).ID() }

// RawID is an event ID as its ULID's 16 bytes, for a store that keeps
// IDs in fewer bytes than their text (see RecordAppender).
type RawID [16]byte

// NewRawID returns the bytes of a new event ID stamped with now.
func NewRawID(now time.Time) RawID { return RawID(ids.ULID(now)) }

// ID returns the ID r holds, as NewID would have returned it.
func (r RawID) ID() ID { return ID(ids.Text("evt", ulid.ULID(r))) }

// ParseID checks a pasted event ID and returns it in canonical form.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("evt", "event_id", s)
	return ID(id), err
}

// Actor names who made a change. Default is the actor of a change whose
// caller named no one.
const (
	Default     = "system"
	ActorExpiry = "system:expiry" // the expiry sweep
	MaxActorLen = 200
)

// CheckActor returns s trimmed, or an *errs.InvalidError for "actor" if it
// is not one printable line of at most MaxActorLen characters. "" is
// Default.
func CheckActor(s string) (string, error) {
	if s == "" {
		return Default, nil
	}
	if err := textin.CheckLine("actor", s); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > MaxActorLen {
		return "", errs.Invalid("actor", s, fmt.Sprintf("at most %d characters", MaxActorLen))
	}
	return s, nil
}

// Event is one change.
type Event struct {
	Seq      Seq         `json:"seq"`
	ID       ID          `json:"id"`
	Type     Type        `json:"type"`
	Time     time.Time   `json:"time"`
	Actor    string      `json:"actor"`
	Customer customer.ID `json:"customer_id,omitempty"` // "" for a change that concerns no one customer (a product, a ban)
	Subject  string      `json:"subject"`               // the ID of the record changed: "ord_…", "ban_…", "itm_…"
	Changes  Changes     `json:"changes"`
}

// Changes maps each changed field, by its JSON name in the record, to its
// value before and after.
type Changes map[string]Change

// Change is one field's value before and after, as the record's JSON writes
// it. Before is absent when the record was created, After when it was
// removed.
type Change struct {
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// MarshalJSON writes {} for no changes, never null.
func (c Changes) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("{}"), nil
	}
	if b, ok := c.appendPlain(); ok {
		return b, nil
	}
	return json.Marshal(map[string]Change(c))
}

// appendPlain writes c as json.Marshal writes the map (its fields sorted,
// each change's values compacted, HTML-escaped), when that is the bytes
// as they are: names and values with nothing to escape or compact, as a
// record's diff writes them. It is every event's encoding on the SQL
// backends and for webhooks, and encoding/json, which sorts through
// reflection and scans every value twice, cost as much as the diff. False
// for anything else, which json.Marshal then writes, or refuses.
func (c Changes) appendPlain() ([]byte, bool) {
	var names [32]string
	keys := names[:0]
	n := 2
	for k, ch := range c {
		if !flatjson.Plain(k) || !plainValue(ch.Before) || !plainValue(ch.After) {
			return nil, false
		}
		keys = append(keys, k)
		n += len(k) + len(ch.Before) + len(ch.After) + len(`"":{"before":,"after":},`)
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '"'), k...), `":{`...)
		ch := c[k]
		if len(ch.Before) > 0 {
			b = append(append(b, `"before":`...), ch.Before...)
		}
		if len(ch.After) > 0 {
			if len(ch.Before) > 0 {
				b = append(b, ',')
			}
			b = append(append(b, `"after":`...), ch.After...)
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

// plainValue reports whether encoding/json writes v, a json.RawMessage,
// as it is: valid, with no byte it would remove (white space) or escape
// (<, >, &, and U+2028 and U+2029, which start with 0xE2).
func plainValue(v json.RawMessage) bool {
	for _, c := range v {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		}
	}
	return len(v) == 0 || json.Valid(v)
}

// Diff returns the fields that differ between two versions of a record, by
// their JSON. A nil before is a record created (every field of after); a nil
// after a record removed (every field of before). Both must marshal to JSON
// objects.
func Diff(before, after any) (Changes, error) {
	b, err := fields(before)
	if err != nil {
		return nil, err
	}
	a, err := fields(after)
	if err != nil {
		return nil, err
	}
	var out Changes
	switch {
	case b == nil:
		// Every field is kept: the record's encoding is the event's.
		out = make(Changes, len(a))
		for _, f := range a {
			out[f.key] = Change{After: f.value}
		}
		return out, nil
	case a == nil:
		out = make(Changes, len(b))
		for _, f := range b {
			out[f.key] = Change{Before: f.value}
		}
		return out, nil
	case sameKeys(b, a):
		// Two versions of one record: the same fields in the same order.
		out = Changes{}
		for i := range b {
			if !bytes.Equal(b[i].value, a[i].value) {
				out[b[i].key] = Change{Before: b[i].value, After: a[i].value}
			}
		}
		return own(out), nil
	}
	out = Changes{}
	am := make(map[string]json.RawMessage, len(a))
	for _, f := range a {
		am[f.key] = f.value
	}
	bm := make(map[string]json.RawMessage, len(b))
	for _, f := range b {
		bm[f.key] = f.value
	}
	for k, bv := range bm {
		if av, ok := am[k]; !ok || !bytes.Equal(av, bv) {
			out[k] = Change{Before: bv, After: av}
		}
	}
	for k, av := range am {
		if _, ok := bm[k]; !ok {
			out[k] = Change{After: av}
		}
	}
	return own(out), nil
}

// own copies the changed values out of the records' encodings into one
// buffer, so an event kept for months holds its changes, not two whole
// records.
func own(c Changes) Changes {
	n := 0
	for _, ch := range c {
		n += len(ch.Before) + len(ch.After)
	}
	buf := make([]byte, 0, n)
	keep := func(v json.RawMessage) json.RawMessage {
		if v == nil {
			return nil
		}
		buf = append(buf, v...)
		return buf[len(buf)-len(v) : len(buf) : len(buf)]
	}
	for k, ch := range c {
		c[k] = Change{Before: keep(ch.Before), After: keep(ch.After)}
	}
	return c
}

func sameKeys(b, a []field) bool {
	if len(b) != len(a) {
		return false
	}
	for i := range b {
		if b[i].key != a[i].key {
			return false
		}
	}
	return true
}

// fields returns the members of v's JSON object in the order it writes
// them, nil for a nil v or a JSON null.
func fields(v any) ([]field, error) {
	if v == nil {
		return nil, nil
	}
	raw, trusted, err := encode(v)
	if err != nil {
		return nil, fmt.Errorf("events: diff: %w", err)
	}
	if fs, ok := members(raw); ok {
		return fs, nil
	}
	if trusted {
		// Not plain: as json.Marshal writes it.
		if raw, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("events: diff: %w", err)
		}
	}
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("events: diff: %T is not a JSON object: %w", v, err)
	}
	out := make([]field, 0, len(m))
	for k, v := range m {
		out = append(out, field{k, v})
	}
	slices.SortFunc(out, func(x, y field) int { return strings.Compare(x.key, y.key) })
	return out, nil
}

// Fields returns the names of the changed fields, sorted.
func (c Changes) Fields() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
