package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/webhook"
)

// The Standard Webhooks reference libraries' test vector.
const (
	vecSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vecID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vecTimestamp = 1614265330
	vecBody      = `{"test": 2432232314}`
	vecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vecHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, vecID)
	h.Set(webhook.HeaderTimestamp, strconv.Itoa(vecTimestamp))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

// vecVerifier verifies at the vector's own time, off by offset.
func vecVerifier(offset time.Duration) webhook.Verifier {
	return webhook.Verifier{Secret: vecSecret, Now: func() time.Time { return time.Unix(vecTimestamp, 0).Add(offset) }}
}

// TestSignVector: Sign reproduces the spec's published signature, with or
// without the "whsec_" prefix.
func TestSignVector(t *testing.T) {
	for _, s := range []string{vecSecret, strings.TrimPrefix(vecSecret, webhook.SecretPrefix)} {
		secret, err := webhook.ParseSecret(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := secret.Sign(vecID, time.Unix(vecTimestamp, 0), []byte(vecBody)); got != vecSignature {
			t.Errorf("Sign = %s, want %s", got, vecSignature)
		}
	}
}

// TestVerify: the vector verifies within the tolerance, alone or among
// other signatures (a secret being rotated); every kind of tampering or
// replay is refused with its typed error, all matching ErrUnverified.
func TestVerify(t *testing.T) {
	other := webhook.NewSecret()
	otherSecret, err := webhook.ParseSecret(other)
	if err != nil {
		t.Fatal(err)
	}
	otherSig := otherSecret.Sign(vecID, time.Unix(vecTimestamp, 0), []byte(vecBody))
	fine := []struct {
		name   string
		v      webhook.Verifier
		header http.Header
	}{
		{"the vector", vecVerifier(0), vecHeader(vecSignature)},
		{"4m59s late", vecVerifier(5*time.Minute - time.Second), vecHeader(vecSignature)},
		{"4m59s early", vecVerifier(-5*time.Minute + time.Second), vecHeader(vecSignature)},
		{"among others", vecVerifier(0), vecHeader("v1a,AAAA v2," + vecSignature[3:] + " " + otherSig + " " + vecSignature + " v1,!!")},
		{"a wider tolerance", webhook.Verifier{Secret: vecSecret, Tolerance: time.Hour, Now: func() time.Time { return time.Unix(vecTimestamp, 0).Add(59 * time.Minute) }}, vecHeader(vecSignature)},
	}
	for _, c := range fine {
		if err := c.v.Verify(c.header, []byte(vecBody)); err != nil {
			t.Errorf("%s: Verify = %v, want nil", c.name, err)
		}
	}

	without := func(name string) http.Header { h := vecHeader(vecSignature); h.Del(name); return h }
	with := func(name, value string) http.Header { h := vecHeader(vecSignature); h.Set(name, value); return h }
	refused := []struct {
		name   string
		v      webhook.Verifier
		header http.Header
		body   string
		check  func(error) bool
	}{
		{"a tampered body", vecVerifier(0), vecHeader(vecSignature), `{"test": 2432232315}`, isSig},
		{"a body re-encoded", vecVerifier(0), vecHeader(vecSignature), `{"test":2432232314}`, isSig},
		{"another id", vecVerifier(0), with(webhook.HeaderID, "msg_other"), vecBody, isSig},
		{"another timestamp", vecVerifier(0), with(webhook.HeaderTimestamp, strconv.Itoa(vecTimestamp+1)), vecBody, isSig},
		{"another secret", webhook.Verifier{Secret: other, Now: vecVerifier(0).Now}, vecHeader(vecSignature), vecBody, isSig},
		{"a bad signature", vecVerifier(0), vecHeader("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), vecBody, isSig},
		{"the right MAC under another scheme", vecVerifier(0), vecHeader("v1a," + vecSignature[3:]), vecBody, isSig},
		{"an old timestamp", vecVerifier(5*time.Minute + time.Second), vecHeader(vecSignature), vecBody, isTimestamp},
		{"a future timestamp", vecVerifier(-5*time.Minute - time.Second), vecHeader(vecSignature), vecBody, isTimestamp},
		{"no id", vecVerifier(0), without(webhook.HeaderID), vecBody, isHeader(webhook.HeaderID)},
		{"no timestamp", vecVerifier(0), without(webhook.HeaderTimestamp), vecBody, isHeader(webhook.HeaderTimestamp)},
		{"a timestamp in ms", vecVerifier(0), with(webhook.HeaderTimestamp, "1614265330.000"), vecBody, isHeader(webhook.HeaderTimestamp)},
		{"no signature", vecVerifier(0), without(webhook.HeaderSignature), vecBody, isHeader(webhook.HeaderSignature)},
	}
	for _, c := range refused {
		err := c.v.Verify(c.header, []byte(c.body))
		if !c.check(err) || !errors.Is(err, webhook.ErrUnverified) {
			t.Errorf("%s: Verify = %v (%T)", c.name, err, err)
		}
	}
}

func isSig(err error) bool {
	var e *webhook.SignatureError
	return errors.As(err, &e) && e.ID != ""
}

func isTimestamp(err error) bool {
	var e *webhook.TimestampError
	return errors.As(err, &e) && e.Sent.Unix() == vecTimestamp && e.Tolerance == webhook.DefaultTolerance
}

func isHeader(name string) func(error) bool {
	return func(err error) bool {
		var e *webhook.HeaderError
		return errors.As(err, &e) && e.Header == name
	}
}

// TestSecret: NewSecret makes distinct secrets that parse and sign; a
// secret that is not base64 or of the wrong size is invalid input whose
// error does not repeat it, and Verify with it is a configuration error,
// not a refused request.
func TestSecret(t *testing.T) {
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b || !strings.HasPrefix(a, webhook.SecretPrefix) {
		t.Errorf("NewSecret = %q, %q; want two different whsec_ secrets", a, b)
	}
	if _, err := webhook.ParseSecret(a); err != nil {
		t.Errorf("ParseSecret(NewSecret()) = %v", err)
	}
	for _, bad := range []string{"", "whsec_", "whsec_not base64!", "whsec_" + strings.Repeat("A", 28), "whsec_" + strings.Repeat("A", 88)} {
		_, err := webhook.ParseSecret(bad)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseSecret(%q) = %v, want ErrInvalid", bad, err)
		}
		if err != nil && len(bad) > len(webhook.SecretPrefix) && strings.Contains(err.Error(), bad[len(webhook.SecretPrefix):]) {
			t.Errorf("ParseSecret's error %q repeats the secret", err)
		}
		if err := webhook.Verify(bad, vecHeader(vecSignature), []byte(vecBody)); !errors.Is(err, errs.ErrInvalid) || errors.Is(err, webhook.ErrUnverified) {
			t.Errorf("Verify with secret %q = %v, want ErrInvalid only", bad, err)
		}
	}
}
