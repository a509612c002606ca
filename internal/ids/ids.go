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
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
	// next is where New draws each ULID, under mu: ulid.New would
	// draw into one of its own, which escapes to the heap through the
	// entropy source's interface (an allocation per ID).
	next ulid.ULID
)

// New returns prefix + "_" + a new ULID stamped with now.
func New(prefix string, now time.Time) string {
	mu.Lock()
	ms := ulid.Timestamp(now)
	err := next.SetTime(ms)
	if err == nil {
		err = entropy.MonotonicRead(ms, next[6:])
	}
	id := next
	if err != nil {
		// The monotonic source overflows only after 2^80 IDs in one
		// millisecond; fall back to a fresh random ULID.
		id = ulid.MustNew(ulid.Timestamp(now), rand.Reader)
	}
	mu.Unlock()
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
