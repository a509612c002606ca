package gameserver_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
)

var now = time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)

func TestTokenLifecycle(t *testing.T) {
	s, secret, err := gameserver.New("  rust-eu-1 ", now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "rust-eu-1" || !s.Enabled {
		t.Errorf("New = %+v", s)
	}
	if id, err := gameserver.SplitSecret(secret); err != nil || id != s.ID {
		t.Errorf("SplitSecret = %s, %v; want %s", id, err, s.ID)
	}
	if strings.Contains(string(s.TokenHash[:]), secret) {
		t.Error("the secret is stored")
	}
	if err := s.Authenticate(secret); err != nil {
		t.Errorf("Authenticate = %v", err)
	}
	if err := s.Authenticate(secret + "x"); !errors.Is(err, gameserver.ErrBadToken) {
		t.Errorf("a wrong secret = %v, want ErrBadToken", err)
	}

	rotated, next, err := s.RotateToken(now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := rotated.Authenticate(secret); !errors.Is(err, gameserver.ErrBadToken) {
		t.Errorf("the old secret after rotation = %v, want ErrBadToken", err)
	}
	if err := rotated.Authenticate(next); err != nil {
		t.Errorf("the new secret = %v", err)
	}

	disabled, changed := rotated.SetEnabled(false, now)
	var de *gameserver.DisabledError
	if err := disabled.Authenticate(next); !changed || !errors.As(err, &de) || !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("a disabled server = %v, want a *DisabledError matching ErrForbidden", err)
	}

	revoked, changed := rotated.RevokeToken(now)
	if err := revoked.Authenticate(next); !changed || !errors.Is(err, gameserver.ErrBadToken) {
		t.Errorf("a revoked token = %v, want ErrBadToken", err)
	}
	if _, again := revoked.RevokeToken(now.Add(time.Minute)); again {
		t.Error("revoking twice changed the server")
	}
	// The zero hash of a revoked token matches no secret, not even "".
	if err := revoked.Authenticate(""); !errors.Is(err, gameserver.ErrBadToken) {
		t.Errorf("empty secret = %v", err)
	}
}

func TestSplitSecretRefusesMalformed(t *testing.T) {
	for _, s := range []string{"", "gsv_x.y", "tok_01JPAV8Q3M0000000000000009.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "gsv_01JPAV8Q3M0000000000000009"} {
		if _, err := gameserver.SplitSecret(s); !errors.Is(err, gameserver.ErrBadToken) {
			t.Errorf("SplitSecret(%q) = %v, want ErrBadToken", s, err)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, bad := range []string{"", "   ", strings.Repeat("x", gameserver.MaxNameLen+1), "eu\x001"} {
		if _, err := gameserver.CheckName(bad); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("CheckName(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestLinkReportsAnotherHost(t *testing.T) {
	s, _, _ := gameserver.New("eu-1", now)
	s, prev := s.Link(gameserver.LinkParams{IP: "::ffff:203.0.113.7", Hostname: "EU\x07 1", Platform: "rust", Version: "1"}, now)
	if prev != nil || s.LastLink.IP != "203.0.113.7" || s.LastLink.Hostname != "EU 1" {
		t.Errorf("first link: %+v, previous %+v", s.LastLink, prev)
	}
	s, prev = s.Link(gameserver.LinkParams{IP: "203.0.113.7", Hostname: "EU 1", Version: "2"}, now.Add(time.Hour))
	if prev != nil {
		t.Errorf("same host, new version: previous %+v, want none", prev)
	}
	_, prev = s.Link(gameserver.LinkParams{IP: "198.51.100.1", Hostname: "EU 1"}, now.Add(2*time.Hour))
	if prev == nil || prev.IP != "203.0.113.7" || !prev.At.Equal(now.Add(time.Hour)) {
		t.Errorf("another host: previous %+v", prev)
	}
}

func TestCleanText(t *testing.T) {
	if got := gameserver.CleanText("a\xffb\x00c\n", 100); got != "a\uFFFDbc" {
		t.Errorf("CleanText = %q", got)
	}
	if got := gameserver.CleanText(strings.Repeat("é", 10), 5); got != "éé" {
		t.Errorf("CleanText cut = %q, want a whole character boundary", got)
	}
}
