package playerbase_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

func mustIssue(t *testing.T, pb *playerbase.Client, id customer.ID, p playerbase.TokenIssueParams) (customer.Token, string) {
	t.Helper()
	tok, secret, err := pb.TokenIssue(context.Background(), id, p)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	return tok, secret
}

// authRefused asserts that secret does not authenticate, with the one
// ErrForbidden answer.
func authRefused(t *testing.T, pb *playerbase.Client, what, secret string) {
	t.Helper()
	id, err := pb.TokenAuthenticate(context.Background(), secret)
	var fe *errs.ForbiddenError
	if !errors.Is(err, playerbase.ErrForbidden) || !errors.As(err, &fe) || id != "" {
		t.Errorf("%s: Authenticate = %q, %v; want *errs.ForbiddenError", what, id, err)
	}
}

func TestTokenIssueListAuthenticate(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	other := mustIdentify(t, pb, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "[U:1:3]", Name: "Other"})

	tok1, secret1 := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{Label: "website"})
	clock.Advance(time.Second)
	tok2, secret2 := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{})
	_, otherSecret := mustIssue(t, pb, other.ID, playerbase.TokenIssueParams{})
	if secret1 == secret2 || tok1.ID == tok2.ID {
		t.Fatal("two tokens share a secret or ID")
	}

	list, err := pb.TokenList(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]customer.Token{tok2, tok1}, list); diff != "" {
		t.Errorf("Tokens, newest first (-want +got):\n%s", diff)
	}
	// The list holds no secret: only its hash, and nothing that spells it.
	for _, tok := range list {
		dump := fmt.Sprintf("%+v %#v", tok, tok)
		for _, s := range []string{secret1, secret2} {
			_, random, _ := strings.Cut(s, ".")
			if strings.Contains(dump, random) {
				t.Errorf("listed token %s shows a secret", tok.ID)
			}
		}
	}
	if tok1.Hash != sha256.Sum256([]byte(secret1)) {
		t.Error("stored hash is not SHA-256 of the secret")
	}
	tokType := reflect.TypeFor[customer.Token]()
	for i := range tokType.NumField() {
		if name := strings.ToLower(tokType.Field(i).Name); strings.Contains(name, "secret") {
			t.Errorf("customer.Token has a field %s", tokType.Field(i).Name)
		}
	}

	for secret, want := range map[string]customer.ID{secret1: c.ID, secret2: c.ID, otherSecret: other.ID} {
		if got, err := pb.TokenAuthenticate(ctx, secret); err != nil || got != want {
			t.Errorf("Authenticate = %q, %v; want %q", got, err, want)
		}
	}
}

func TestTokenExpiresAtTheInstant(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	expires := clock.Now().Add(time.Hour)
	tok, secret := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{ExpiresAt: &expires})
	if !tok.ExpiresAt.Equal(expires.Truncate(time.Microsecond)) {
		t.Errorf("ExpiresAt = %v, want %v", tok.ExpiresAt, expires)
	}

	clock.Set(expires.Add(-time.Microsecond))
	if got, err := pb.TokenAuthenticate(ctx, secret); err != nil || got != c.ID {
		t.Errorf("just before expiry: Authenticate = %q, %v", got, err)
	}
	clock.Set(expires)
	authRefused(t, pb, "at the expiry instant", secret)
	clock.Set(expires.Add(time.Hour))
	authRefused(t, pb, "after expiry", secret)
}

func TestTokenRevoke(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	tok1, secret1 := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{})
	_, secret2 := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{})
	_, secret3 := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{})

	// Revoking works at once, at the same clock instant.
	if err := pb.TokenRevoke(ctx, tok1.ID); err != nil {
		t.Fatal(err)
	}
	authRefused(t, pb, "revoked", secret1)
	if got, err := pb.TokenAuthenticate(ctx, secret2); err != nil || got != c.ID {
		t.Errorf("revoking one token refused another: %q, %v", got, err)
	}
	// Revoking again is a no-op that keeps the first revocation time.
	revokedAt := clock.Now().UTC().Truncate(time.Microsecond)
	clock.Advance(time.Minute)
	if err := pb.TokenRevoke(ctx, tok1.ID); err != nil {
		t.Errorf("revoking a revoked token: %v", err)
	}

	n, err := pb.TokenRevokeAll(ctx, c.ID)
	if err != nil || n != 2 {
		t.Errorf("RevokeAllTokens = %d, %v; want 2", n, err)
	}
	authRefused(t, pb, "revoked by revoke-all", secret2)
	authRefused(t, pb, "revoked by revoke-all", secret3)
	if n, err := pb.TokenRevokeAll(ctx, c.ID); err != nil || n != 0 {
		t.Errorf("second RevokeAllTokens = %d, %v; want 0", n, err)
	}

	list, err := pb.TokenList(ctx, c.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("Tokens = %d tokens, %v; revoked tokens stay listed", len(list), err)
	}
	allAt := revokedAt.Add(time.Minute)
	for _, tok := range list {
		want := allAt
		if tok.ID == tok1.ID {
			want = revokedAt
		}
		if tok.RevokedAt == nil || !tok.RevokedAt.Equal(want) {
			t.Errorf("token %s RevokedAt = %v, want %v", tok.ID, tok.RevokedAt, want)
		}
	}
}

func TestTokenRefusals(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	_, secret := mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{})

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	unknown, _, err := customer.NewToken(c.ID, "", nil, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(secret, ".")
	for what, s := range map[string]string{
		"tampered random part":       flip(secret, len(secret)-1),
		"tampered ID":                flip(secret, len("tok_")+20),
		"lower-case ID":              strings.ToLower(secret[:30]) + secret[30:],
		"unknown token":              string(unknown.ID) + "." + rest,
		"empty":                      "",
		"ID only":                    secret[:strings.Index(secret, ".")],
		"extra character":            secret + "A",
		"missing character":          secret[:len(secret)-1],
		"customer ID in place of ID": string(c.ID) + "." + rest,
	} {
		authRefused(t, pb, what, s)
	}
	if got, err := pb.TokenAuthenticate(ctx, secret); err != nil || got != c.ID {
		t.Errorf("the real secret: Authenticate = %q, %v", got, err)
	}
}

func TestTokenBadInput(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	before := customerSnapshot(t, pb, c.ID)

	past := clock.Now().Add(-time.Second)
	now := clock.Now()
	for what, p := range map[string]playerbase.TokenIssueParams{
		"expiry in the past": {ExpiresAt: &past},
		"expiry now":         {ExpiresAt: &now},
		"label too long":     {Label: strings.Repeat("x", 101)},
	} {
		if _, secret, err := pb.TokenIssue(ctx, c.ID, p); !errors.Is(err, playerbase.ErrInvalid) || secret != "" {
			t.Errorf("%s: IssueToken = %q, %v; want ErrInvalid", what, secret, err)
		}
	}
	if diff := cmp.Diff(before, customerSnapshot(t, pb, c.ID), customerCmp); diff != "" {
		t.Errorf("refused IssueToken changed state (-before +after):\n%s", diff)
	}

	stranger := customer.NewID(clock.Now())
	if _, secret, err := pb.TokenIssue(ctx, stranger, playerbase.TokenIssueParams{}); !errors.Is(err, playerbase.ErrNotFound) || secret != "" {
		t.Errorf("IssueToken(unknown customer) = %q, %v; want ErrNotFound", secret, err)
	}
	if _, err := pb.TokenList(ctx, stranger); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("Tokens(unknown customer) = %v, want ErrNotFound", err)
	}
	if _, err := pb.TokenRevokeAll(ctx, stranger); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("RevokeAllTokens(unknown customer) = %v, want ErrNotFound", err)
	}
	if err := pb.TokenRevoke(ctx, customer.NewTokenID(clock.Now())); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("RevokeToken(unknown) = %v, want ErrNotFound", err)
	}
}
