// Package ids makes and checks prefixed ULIDs such as "cus_01JD3…".
//
// IDs are ULIDs stamped with the caller's clock (so one operation sees one
// "now") and drawn from a process-wide monotonic entropy source behind a
// mutex: two IDs made in the same millisecond still sort in creation order,
// and any goroutine may call New. The prefix tells a reader what a pasted
// ID is.
package ids

import (
	"crypto/rand"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/playerbase/playerbase/errs"
)

var (
	mu sync.Mutex
	// entropy steps by one within a millisecond: every ID of a
	// millisecond after its first is the one before it plus one, with no
	// entropy to read (the default random step read four bytes from
	// crypto/rand per ID: a third of an ID's cost). IDs name records;
	// nothing is guarded by guessing one (secrets are tokens, of 256
	// random bits each).
	entropy = ulid.Monotonic(rand.Reader, 1)
	// next is where ULID draws each one, under mu: ulid.New would draw
	// into one of its own, which escapes to the heap through the entropy
	// source's interface (an allocation per ID).
	next ulid.ULID
)

// New returns prefix + "_" + a new ULID stamped with now.
func New(prefix string, now time.Time) string { return Text(prefix, ULID(now)) }

// ULID returns a new ULID stamped with now, later than every one drawn
// before in the same millisecond: the bytes of an ID New would return,
// for a store that keeps IDs as 16 bytes, not 30 characters.
func ULID(now time.Time) ulid.ULID {
	mu.Lock()
	ms := ulid.Timestamp(now)
	err := next.SetTime(ms)
	if err == nil {
		err = entropy.MonotonicRead(ms, next[6:])
	}
	id := next
	mu.Unlock()
	if err != nil {
		// The monotonic source overflows only after 2^80 IDs in one
		// millisecond; fall back to a fresh random ULID.
		id = ulid.MustNew(ms, rand.Reader)
	}
	return id
}

// Text returns prefix + "_" + id, the ID New returns for id.
func Text(prefix string, id ulid.ULID) string {
	// Written into one buffer: the ID is one allocation, not the two of
	// prefix + "_" + id.String().
	var b [48]byte
	if len(prefix) > len(b)-1-ulid.EncodedSize {
		return prefix + "_" + id.String()
	}
	n := copy(b[:], prefix)
	b[n] = '_'
	_ = id.MarshalTextTo(b[n+1 : n+1+ulid.EncodedSize])
	return string(b[:n+1+ulid.EncodedSize])
}

// Parse checks that s is prefix + "_" + a ULID and returns it in canonical
// (upper-case) form. field names the input in the error.
func Parse(prefix, field, s string) (string, error) {
	body, ok := strings.CutPrefix(s, prefix+"_")
	if !ok {
		return "", errs.Invalid(field, s, "want an ID starting with "+prefix+"_")
	}
	id, err := ulid.ParseStrict(body)
	if err != nil {
		return "", errs.Invalid(field, s, "not a ULID: "+err.Error())
	}
	return prefix + "_" + id.String(), nil
}
