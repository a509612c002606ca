package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/errs"
)

// The headers Standard Webhooks puts on every request.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix marks a signing secret, so one pasted into the wrong field
// is recognisable.
const SecretPrefix = "whsec_"

// Secret sizes, in bytes of key: the spec asks for 24 to 64; NewSecret
// makes 32, the size of the HMAC-SHA256 block's digest.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
	newSecretBytes = 32
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock, either way, before Verify refuses it as a replay (or
// a clock gone wrong).
const DefaultTolerance = 5 * time.Minute

// NewSecret returns a new random signing secret, "whsec_" and the base64
// of 32 bytes from crypto/rand, to configure on both the relay's Endpoint
// and the receiver.
func NewSecret() string {
	key := make([]byte, newSecretBytes)
	_, _ = rand.Read(key) // never fails (crypto/rand since Go 1.24)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// Secret is a parsed signing secret. Its zero value signs nothing: use
// ParseSecret.
type Secret struct{ key []byte }

// ParseSecret reads a secret as NewSecret writes it. The "whsec_" prefix
// may be left out, as the reference libraries allow. The error never
// repeats the secret.
func ParseSecret(s string) (Secret, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil {
		return Secret{}, errs.Invalid("secret", "", `want "whsec_" and standard base64`)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, errs.Invalid("secret", "", fmt.Sprintf("the key is %d bytes, want %d to %d", len(key), MinSecretBytes, MaxSecretBytes))
	}
	return Secret{key: key}, nil
}

// Sign returns the "webhook-signature" value for a message: "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body". The timestamp is in whole
// seconds, as the header carries it.
func (s Secret) Sign(id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(s.mac(id, ts.Unix(), body))
}

func (s Secret) mac(id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// ErrUnverified is what every refusal of Verify matches: the request did
// not come, or not recently, from a sender that holds the secret. A
// receiver answers it with 401 and processes nothing.
var ErrUnverified = errors.New("webhook: request not verified")

// HeaderError says a Standard Webhooks header is missing or malformed.
type HeaderError struct {
	Header string // HeaderID, HeaderTimestamp or HeaderSignature
	Reason string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("webhook: header %s: %s", e.Header, e.Reason)
}

// Is reports ErrUnverified.
func (e *HeaderError) Is(target error) bool { return target == ErrUnverified }

// TimestampError says a request's timestamp is further from the
// receiver's clock than the tolerance: a replay of an old request, or a
// clock that is off.
type TimestampError struct {
	Sent      time.Time // the request's webhook-timestamp
	Now       time.Time // the receiver's clock
	Tolerance time.Duration
}

func (e *TimestampError) Error() string {
	return fmt.Sprintf("webhook: timestamp %s is %s from now, more than the tolerance of %s",
		e.Sent.UTC().Format(time.RFC3339), e.Now.Sub(e.Sent).Abs().Round(time.Second), e.Tolerance)
}

// Is reports ErrUnverified.
func (e *TimestampError) Is(target error) bool { return target == ErrUnverified }

// SignatureError says no signature on the request matches the secret: a
// wrong secret, or an id, timestamp or body changed on the way.
type SignatureError struct {
	ID string // the request's webhook-id
}

func (e *SignatureError) Error() string {
	return fmt.Sprintf("webhook: no v1 signature of message %q matches the secret", e.ID)
}

// Is reports ErrUnverified.
func (e *SignatureError) Is(target error) bool { return target == ErrUnverified }

// Verifier checks requests on the receiving side.
type Verifier struct {
	// Secret is the endpoint's secret, "whsec_…".
	Secret string
	// Tolerance is how far the request's timestamp may be from Now, either
	// way. ≤ 0: DefaultTolerance.
	Tolerance time.Duration
	// Now is the receiver's clock. nil: time.Now.
	Now func() time.Time
}

// Verify checks a request as Verifier{Secret: secret} does: headers
// present, timestamp within DefaultTolerance, one of the signatures made
// with secret over exactly these bytes of body. Pass the body as read,
// before any JSON decoding: a re-encoded body does not verify.
func Verify(secret string, header http.Header, body []byte) error {
	return Verifier{Secret: secret}.Verify(header, body)
}

// Verify returns nil if the request is authentic and recent. A refusal is a
// *HeaderError, *TimestampError or *SignatureError, each matching
// ErrUnverified; a malformed Secret is an *errs.InvalidError (a
// configuration mistake, not a bad request). Signatures are compared in
// constant time; of several, space-separated (a secret being rotated), one
// match is enough, and schemes other than v1 are skipped.
func (v Verifier) Verify(header http.Header, body []byte) error {
	secret, err := ParseSecret(v.Secret)
	if err != nil {
		return err
	}
	id := header.Get(HeaderID)
	if id == "" {
		return &HeaderError{Header: HeaderID, Reason: "missing"}
	}
	tsText := header.Get(HeaderTimestamp)
	if tsText == "" {
		return &HeaderError{Header: HeaderTimestamp, Reason: "missing"}
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return &HeaderError{Header: HeaderTimestamp, Reason: "not whole unix seconds"}
	}
	sigs := header.Get(HeaderSignature)
	if sigs == "" {
		return &HeaderError{Header: HeaderSignature, Reason: "missing"}
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	sent, at := time.Unix(unix, 0), now()
	if at.Sub(sent).Abs() > tol {
		return &TimestampError{Sent: sent, Now: at, Tolerance: tol}
	}
	want := secret.mac(id, unix, body)
	for sig := range strings.FieldsSeq(sigs) {
		scheme, b64, ok := strings.Cut(sig, ",")
		if !ok || scheme != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return &SignatureError{ID: id}
}
