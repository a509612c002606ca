package metadata

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/textin"
)

// Limits, Stripe's.
const (
	MaxKeys     = 50
	MaxKeyLen   = 40
	MaxValueLen = 500
)

// Metadata is a customer's key/value pairs. A nil Metadata is empty.
type Metadata map[string]string

// Field is one row of an update: a key and its new value ("" removes it).
type Field struct {
	Key   string
	Value string
}

// Apply returns current with fields applied, or an error and current
// untouched. current is never modified.
func Apply(current Metadata, fields []Field) (Metadata, error) {
	next := maps.Clone(current)
	if next == nil {
		next = Metadata{}
	}
	for _, f := range fields {
		if f.Key == "" && f.Value == "" {
			continue
		}
		if err := CheckKey(f.Key); err != nil {
			return current, err
		}
		if f.Value == "" {
			delete(next, f.Key)
			continue
		}
		if err := CheckValue(f.Key, f.Value); err != nil {
			return current, err
		}
		next[f.Key] = f.Value
	}
	if len(next) > MaxKeys {
		return current, errs.Invalid("metadata", fmt.Sprint(len(next), " keys"), fmt.Sprintf("at most %d keys", MaxKeys))
	}
	return next, nil
}

// CheckKey reports whether k is a valid key.
func CheckKey(k string) error {
	if k == "" {
		return errs.Invalid("metadata.key", k, "a value needs a key")
	}
	if !utf8.ValidString(k) {
		return errs.Invalid("metadata.key", k, "not valid UTF-8")
	}
	if utf8.RuneCountInString(k) > MaxKeyLen {
		return errs.Invalid("metadata.key", k, fmt.Sprintf("at most %d characters", MaxKeyLen))
	}
	if strings.ContainsAny(k, "[]") {
		return errs.Invalid("metadata.key", k, "must not contain [ or ]")
	}
	for _, r := range k {
		if !unicode.IsPrint(r) {
			return errs.Invalid("metadata.key", k, "must be printable")
		}
	}
	return nil
}

// CheckValue reports whether v is a valid value for key k.
func CheckValue(k, v string) error {
	if err := textin.CheckText("metadata."+k, v); err != nil {
		return err
	}
	if utf8.RuneCountInString(v) > MaxValueLen {
		return errs.Invalid("metadata."+k, v, fmt.Sprintf("at most %d characters", MaxValueLen))
	}
	return nil
}

// Check reports whether m is metadata Apply could have made: at most
// MaxKeys keys, each valid, each with a valid, non-empty value (Apply
// removes a key set to "", so a stored empty value is a bug). Keys are
// checked in order, so the error is the same every time.
func Check(m Metadata) error {
	if len(m) > MaxKeys {
		return errs.Invalid("metadata", fmt.Sprint(len(m), " keys"), fmt.Sprintf("at most %d keys", MaxKeys))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := CheckKey(k); err != nil {
			return err
		}
		if m[k] == "" {
			return errs.Invalid("metadata."+k, "", "empty value")
		}
		if err := CheckValue(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// Store keeps each customer's metadata.
type Store interface {
	// GetMetadata returns the customer's metadata (empty, not an error, if
	// none was set).
	GetMetadata(ctx context.Context, c customer.ID) (Metadata, error)
	// PutMetadata replaces the customer's metadata.
	PutMetadata(ctx context.Context, c customer.ID, m Metadata) error
}
