package metadata

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/playerbase/playerbase/errs"
)

// Version names one content of a customer's metadata: equal metadata has
// equal versions, whatever changes led to it. A form carries the Version of
// the metadata it was loaded with, so Replace can tell a stale form.
type Version string

// versionLen is the hex length of a Version: 128 bits of SHA-256, far past
// any chance of two contents of one customer colliding.
const versionLen = 32

// Version returns m's version.
func (m Metadata) Version() Version {
	h := sha256.New()
	// Lengths first, so no two contents encode alike ({"ab": "c"} and
	// {"a": "bc"} are different bytes).
	var n [binary.MaxVarintLen64]byte
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, s := range []string{k, m[k]} {
			h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
			h.Write([]byte(s))
		}
	}
	return Version(hex.EncodeToString(h.Sum(nil)[:versionLen/2]))
}

// ParseVersion returns s as a Version if it is one Version could return, or
// an *errs.InvalidError: a form that lost its version is bad input, not a
// stale form.
func ParseVersion(s string) (Version, error) {
	if len(s) != versionLen {
		return "", errs.Invalid("metadata.version", s, fmt.Sprintf("want the %d hex digits the form was loaded with", versionLen))
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", errs.Invalid("metadata.version", s, "want lower-case hex digits")
		}
	}
	return Version(s), nil
}

// Replace returns the metadata a submitted form makes: rows are the whole
// set, a row whose key and value are both empty is dropped, a key given an
// empty value is left out (as Apply removes it), and a key not in rows is
// gone. loaded is the Version of the metadata the form was loaded with; if
// current has another version, someone changed it since, and Replace
// returns an *errs.ConflictError rather than overwrite that change. A row
// that breaks a rule, or a key in two rows, gives an *errs.InvalidError
// naming the row ("metadata.rows[2].key", rows counted from 0). On any
// error it returns current, and it never modifies current.
func Replace(current Metadata, rows []Field, loaded Version) (Metadata, error) {
	if _, err := ParseVersion(string(loaded)); err != nil {
		return current, err
	}
	// Staleness first: a stale form is reloaded whatever its rows say.
	if current.Version() != loaded {
		return current, errs.Conflict("metadata version", string(loaded), "the metadata changed since the form was loaded")
	}
	next := Metadata{}
	rowOf := map[string]int{}
	for i, r := range rows {
		if r.Key == "" && r.Value == "" {
			continue
		}
		if err := CheckKey(r.Key); err != nil {
			return current, rowError(i, "key", err)
		}
		if j, dup := rowOf[r.Key]; dup {
			return current, errs.Invalid(fmt.Sprintf("metadata.rows[%d].key", i), r.Key, fmt.Sprintf("also in row %d", j))
		}
		rowOf[r.Key] = i
		if r.Value == "" {
			continue
		}
		if err := CheckValue(r.Key, r.Value); err != nil {
			return current, rowError(i, "value", err)
		}
		next[r.Key] = r.Value
	}
	if len(next) > MaxKeys {
		return current, errs.Invalid("metadata", fmt.Sprint(len(next), " keys"), fmt.Sprintf("at most %d keys", MaxKeys))
	}
	return next, nil
}

// rowError renames the field of a CheckKey or CheckValue refusal to the
// form row it came from.
func rowError(i int, part string, err error) error {
	var inv *errs.InvalidError
	if !errors.As(err, &inv) {
		return err
	}
	return &errs.InvalidError{Field: fmt.Sprintf("metadata.rows[%d].%s", i, part), Value: inv.Value, Reason: inv.Reason}
}
