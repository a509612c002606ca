package customer

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
)

// TokenID identifies a customer token: "tok_" + a ULID.
type TokenID string

// NewTokenID returns a new token ID stamped with now.
func NewTokenID(now time.Time) TokenID { return TokenID(ids.New("tok", now)) }

// Token is a customer token as stored: its secret is never kept, only the
// SHA-256 hash of it.
type Token struct {
	ID        TokenID           `json:"id"`
	Customer  ID                `json:"customer_id"`
	Label     string            `json:"label"`
	Hash      [sha256.Size]byte `json:"-"`
	Created   time.Time         `json:"created_at"`
	ExpiresAt *time.Time        `json:"expires_at,omitzero"` // nil: never expires
	RevokedAt *time.Time        `json:"revoked_at,omitzero"` // nil: not revoked
}

// Clone returns a copy that shares no memory with t.
func (t Token) Clone() Token {
	t.ExpiresAt = cloneTime(t.ExpiresAt)
	t.RevokedAt = cloneTime(t.RevokedAt)
	return t
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Usable reports whether the token may authenticate at now: not revoked and,
// if it expires, now is before the expiry.
func (t Token) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// secretBytes is the random part of a secret: 256 bits from crypto/rand.
const secretBytes = 32

// maxLabel bounds a token's label.
const maxLabel = 100

// NewToken makes a token for customer c and returns it with its secret,
// which is shown once and never stored. The secret reads
// "<token ID>.<43 base64url characters>" so Authenticate can find the token
// by ID and compare hashes in constant time.
func NewToken(c ID, label string, expiresAt *time.Time, now time.Time) (Token, string, error) {
	label = strings.TrimSpace(label)
	if err := textin.CheckLine("label", label); err != nil {
		return Token{}, "", err
	}
	if utf8.RuneCountInString(label) > maxLabel {
		return Token{}, "", errs.Invalid("label", label, "at most 100 characters of UTF-8")
	}
	var expires *time.Time
	if expiresAt != nil {
		// Every backend stores microseconds; cutting here makes the expiry
		// the same instant whichever backend keeps it.
		if err := textin.CheckTime("expires_at", *expiresAt); err != nil {
			return Token{}, "", err
		}
		e := expiresAt.UTC().Truncate(time.Microsecond)
		if !e.After(now) {
			return Token{}, "", errs.Invalid("expires_at", e.Format(time.RFC3339Nano), "must be in the future")
		}
		expires = &e
	}
	var random [secretBytes]byte
	if _, err := rand.Read(random[:]); err != nil {
		return Token{}, "", err
	}
	t := Token{ID: NewTokenID(now), Customer: c, Label: label, Created: now.UTC(), ExpiresAt: expires}
	secret := string(t.ID) + "." + base64.RawURLEncoding.EncodeToString(random[:])
	t.Hash = sha256.Sum256([]byte(secret))
	return t, secret, nil
}

// SplitSecret returns the token ID a secret names, or an error if the secret
// is not of the form NewToken makes.
func SplitSecret(secret string) (TokenID, error) {
	id, rest, ok := strings.Cut(secret, ".")
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return "", errs.Invalid("token", "", "malformed secret")
	}
	canon, err := ids.Parse("tok", "token", id)
	if err != nil {
		return "", errs.Invalid("token", "", "malformed secret")
	}
	return TokenID(canon), nil
}

// Matches reports, in constant time, whether secret hashes to t.Hash.
func (t Token) Matches(secret string) bool {
	h := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(h[:], t.Hash[:]) == 1
}
