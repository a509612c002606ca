package customer_test

import (
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

var secretPattern = regexp.MustCompile(`^tok_[0-9A-HJKMNP-TV-Z]{26}\.[A-Za-z0-9_-]{43}$`)

func TestNewToken(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	tok, secret, err := customer.NewToken("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", "  CI deploy  ", &exp, now)
	if err != nil {
		t.Fatal(err)
	}
	if !secretPattern.MatchString(secret) {
		t.Errorf("secret %q does not read tok_<ULID>.<43 base64url characters>", secret)
	}
	if !strings.HasPrefix(secret, string(tok.ID)+".") {
		t.Errorf("secret %q does not name token %s", secret, tok.ID)
	}
	if tok.Hash != sha256.Sum256([]byte(secret)) {
		t.Error("stored hash is not SHA-256 of the secret")
	}
	if tok.Label != "CI deploy" || tok.Customer != "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV" || !tok.Created.Equal(now) || !tok.ExpiresAt.Equal(exp) {
		t.Errorf("token = %+v", tok)
	}
	if id, err := customer.SplitSecret(secret); err != nil || id != tok.ID {
		t.Errorf("SplitSecret = %q, %v; want %q", id, err, tok.ID)
	}
	if !tok.Matches(secret) {
		t.Error("token does not match its own secret")
	}
	_, secret2, _ := customer.NewToken(tok.Customer, "", nil, now)
	if secret2 == secret || tok.Matches(secret2) {
		t.Error("two tokens share a secret, or one matches the other's")
	}
	// Flip one character of the random part.
	tampered := []byte(secret)
	if tampered[len(tampered)-1] == 'A' {
		tampered[len(tampered)-1] = 'B'
	} else {
		tampered[len(tampered)-1] = 'A'
	}
	if tok.Matches(string(tampered)) || tok.Matches("") || tok.Matches(secret+"x") {
		t.Error("token matches a secret that is not its own")
	}
}

func TestNewTokenRejects(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	past, sub := now.Add(-time.Second), now.Add(500*time.Nanosecond)
	for name, tc := range map[string]struct {
		label string
		exp   *time.Time
	}{
		"expiry in the past":               {"", &past},
		"expiry now":                       {"", &now},
		"expiry within the same microsec.": {"", &sub},
		"label of 101 characters":          {strings.Repeat("é", 101), nil},
		"label not UTF-8":                  {"\xff", nil},
	} {
		if _, _, err := customer.NewToken("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", tc.label, tc.exp, now); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s: NewToken = %v, want ErrInvalid", name, err)
		}
	}
	if _, _, err := customer.NewToken("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", strings.Repeat("é", 100), nil, now); err != nil {
		t.Errorf("label of 100 characters refused: %v", err)
	}
}

func TestNewTokenExpiryInUTCMicroseconds(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := time.Date(2026, 3, 1, 14, 0, 0, 1999, time.FixedZone("CET", 3600))
	tok, _, err := customer.NewToken("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", "", &exp, now)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 3, 1, 13, 0, 0, 1000, time.UTC)
	if *tok.ExpiresAt != want {
		t.Errorf("ExpiresAt = %v, want %v", *tok.ExpiresAt, want)
	}
}

func TestUsable(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := at.Add(time.Hour)
	tok := customer.Token{ExpiresAt: &exp}
	if !tok.Usable(exp.Add(-time.Microsecond)) {
		t.Error("token unusable just before its expiry")
	}
	if tok.Usable(exp) {
		t.Error("token usable at the expiry instant")
	}
	if tok.Usable(exp.Add(time.Second)) {
		t.Error("token usable after its expiry")
	}
	if !(customer.Token{}).Usable(at.AddDate(100, 0, 0)) {
		t.Error("token without expiry became unusable")
	}
	revoked := customer.Token{RevokedAt: &at}
	if revoked.Usable(at.Add(-time.Hour)) || revoked.Usable(at) {
		t.Error("revoked token usable")
	}
}

func TestSplitSecretRejects(t *testing.T) {
	good := "tok_01ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 43)
	if _, err := customer.SplitSecret(good); err != nil {
		t.Fatalf("SplitSecret(%q): %v", good, err)
	}
	for _, s := range []string{
		"", ".", "tok_01ARZ3NDEKTSV4RRFFQ69G5FAV",
		"tok_01ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 42),
		"tok_01ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 44),
		"cus_01ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 43),
		"tok_01ARZ3NDEKTSV4RRFFQ69G5FA." + strings.Repeat("A", 43),
		"tok_81ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 43),
		"." + strings.Repeat("A", 43),
	} {
		if _, err := customer.SplitSecret(s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("SplitSecret(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestTokenCloneSharesNothing(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := at, at
	tok := customer.Token{ExpiresAt: &a, RevokedAt: &b}
	c := tok.Clone()
	*c.ExpiresAt = at.Add(time.Hour)
	*c.RevokedAt = at.Add(time.Hour)
	if !tok.ExpiresAt.Equal(at) || !tok.RevokedAt.Equal(at) {
		t.Error("Clone shares times with the original")
	}
}
