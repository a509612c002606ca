package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
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
func NewID(now time.Time) ID { return ID(ids.New("evt", now)) }

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
	return json.Marshal(map[string]Change(c))
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
	out := Changes{}
	for k, bv := range b {
		if av, ok := a[k]; !ok || !bytes.Equal(av, bv) {
			out[k] = Change{Before: bv, After: av}
		}
	}
	for k, av := range a {
		if _, ok := b[k]; !ok {
			out[k] = Change{After: av}
		}
	}
	return out, nil
}

func fields(v any) (map[string]json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("events: diff: %w", err)
	}
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("events: diff: %T is not a JSON object: %w", v, err)
	}
	return m, nil
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
