package gameserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
)

// ID identifies a game server: "gsv_" + a ULID.
type ID string

// NewID returns a new game-server ID stamped with now.
func NewID(now time.Time) ID { return ID(ids.New("gsv", now)) }

// ParseID checks a pasted game-server ID.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("gsv", "gameserver_id", s)
	return ID(id), err
}

// Flake returns the server's ID in the form PayNow's plugins read a game
// server's ID (its FlakeId, which the Rust plugin parses into a 64-bit
// integer and refuses otherwise): a decimal string of 63 bits, the ULID's
// 48-bit millisecond time followed by its first 15 random bits. It is for
// display; two servers created in the same millisecond share one with odds
// of 1 in 32768.
func (id ID) Flake() string {
	u, err := ulid.ParseStrict(strings.TrimPrefix(string(id), "gsv_"))
	if err != nil {
		return "0"
	}
	n := u.Time()<<15 | uint64(u[6])<<7 | uint64(u[7])>>1
	return strconv.FormatUint(n, 10)
}

// MaxNameLen bounds a server's name, as inventory bounds the server a
// command is queued for.
const MaxNameLen = 100

// Server is a game server as stored.
type Server struct {
	ID ID `json:"id"`
	// Name is the server name commands are queued for
	// (inventory.Command.Server); unique per store.
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	// TokenHash is the SHA-256 of the current secret; zero when the token
	// was revoked and not rotated since.
	TokenHash     [sha256.Size]byte `json:"-"`
	TokenIssuedAt time.Time         `json:"token_issued_at"`
	// TokenRevokedAt is when the token was revoked; nil while it is live.
	TokenRevokedAt *time.Time `json:"token_revoked_at,omitzero"`
	// LastLink is the last link a plugin reported, nil if none yet.
	LastLink *Link     `json:"last_link,omitzero"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
	// Version counts stored changes; Store.Update takes the version read.
	Version int64 `json:"version"`
}

// Link is where a plugin said it runs when it linked its token.
type Link struct {
	IP       string    `json:"ip"` // as reported; may be empty or not an address
	Hostname string    `json:"hostname"`
	Platform string    `json:"platform"`
	Version  string    `json:"version"` // the plugin's version
	At       time.Time `json:"linked_at"`
}

// Clone returns a copy that shares no memory with s.
func (s Server) Clone() Server {
	if s.TokenRevokedAt != nil {
		t := *s.TokenRevokedAt
		s.TokenRevokedAt = &t
	}
	if s.LastLink != nil {
		l := *s.LastLink
		s.LastLink = &l
	}
	return s
}

// secretBytes is the random part of a secret: 256 bits.
const secretBytes = 32

// ErrBadToken refuses a secret that is malformed, unknown or revoked; it
// says no more, so a caller learns nothing about why.
var ErrBadToken = errors.New("gameserver: token is malformed, unknown or revoked")

// DisabledError refuses a valid token of a disabled server. It matches
// errs.ErrForbidden.
type DisabledError struct{ Server ID }

func (e *DisabledError) Error() string { return "game server " + string(e.Server) + " is disabled" }

// Is reports errs.ErrForbidden.
func (e *DisabledError) Is(target error) bool { return target == errs.ErrForbidden }

// CheckName validates a server name and returns it trimmed.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen || !utf8.ValidString(name) {
		return "", errs.Invalid("name", name, "want the game server's name, as products name it, 1 to 100 bytes")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", errs.Invalid("name", name, "names must be printable")
		}
	}
	return name, nil
}

// New returns a new, enabled server and its token secret, shown once.
func New(name string, now time.Time) (Server, string, error) {
	name, err := CheckName(name)
	if err != nil {
		return Server{}, "", err
	}
	now = now.UTC()
	s := Server{ID: NewID(now), Name: name, Enabled: true, Created: now, Updated: now}
	return s.RotateToken(now)
}

// RotateToken issues a new secret for s, replacing (and so invalidating)
// the old one, revoked or not. It returns the changed server and the
// secret, shown once.
func (s Server) RotateToken(now time.Time) (Server, string, error) {
	var random [secretBytes]byte
	if _, err := rand.Read(random[:]); err != nil {
		return Server{}, "", err
	}
	secret := string(s.ID) + "." + base64.RawURLEncoding.EncodeToString(random[:])
	s = s.Clone()
	s.TokenHash = sha256.Sum256([]byte(secret))
	s.TokenIssuedAt, s.TokenRevokedAt, s.Updated = now.UTC(), nil, now.UTC()
	return s, secret, nil
}

// RevokeToken revokes s's token; it reports false, changing nothing, if
// it was revoked already.
func (s Server) RevokeToken(now time.Time) (Server, bool) {
	if s.TokenRevokedAt != nil {
		return s.Clone(), false
	}
	s = s.Clone()
	at := now.UTC()
	s.TokenHash, s.TokenRevokedAt, s.Updated = [sha256.Size]byte{}, &at, at
	return s, true
}

// SetEnabled enables or disables s; it reports whether s changed.
func (s Server) SetEnabled(enabled bool, now time.Time) (Server, bool) {
	if s.Enabled == enabled {
		return s.Clone(), false
	}
	s = s.Clone()
	s.Enabled, s.Updated = enabled, now.UTC()
	return s, true
}

// SplitSecret returns the server a secret names, or ErrBadToken if it is
// not of the form New makes.
func SplitSecret(secret string) (ID, error) {
	id, rest, ok := strings.Cut(secret, ".")
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return "", ErrBadToken
	}
	canon, err := ids.Parse("gsv", "token", id)
	if err != nil {
		return "", ErrBadToken
	}
	return ID(canon), nil
}

// Authenticate checks secret against s in constant time: ErrBadToken for
// a wrong or revoked secret, a *DisabledError for a disabled server.
func (s Server) Authenticate(secret string) error {
	h := sha256.Sum256([]byte(secret))
	match := subtle.ConstantTimeCompare(h[:], s.TokenHash[:]) == 1
	if !match || s.TokenRevokedAt != nil {
		return ErrBadToken
	}
	if !s.Enabled {
		return &DisabledError{Server: s.ID}
	}
	return nil
}

// Limits on what a plugin reports at link.
const (
	MaxHostnameLen = 256
	maxLinkField   = 64
)

// LinkParams is what a plugin reports when it links its token.
type LinkParams struct {
	IP       string
	Hostname string
	Platform string
	Version  string
}

// Link records a link at now and returns the changed server and, if the
// token was last linked from another host (another IP or hostname), that
// earlier link.
func (s Server) Link(p LinkParams, now time.Time) (Server, *Link) {
	l := Link{
		IP:       CleanText(p.IP, maxLinkField),
		Hostname: CleanText(p.Hostname, MaxHostnameLen),
		Platform: CleanText(p.Platform, maxLinkField),
		Version:  CleanText(p.Version, maxLinkField),
		At:       now.UTC(),
	}
	if ip, err := netip.ParseAddr(l.IP); err == nil {
		l.IP = ip.Unmap().WithZone("").String()
	}
	var prev *Link
	if old := s.LastLink; old != nil && (old.IP != l.IP || old.Hostname != l.Hostname) {
		p := *old
		prev = &p
	}
	s = s.Clone()
	s.LastLink, s.Updated = &l, now.UTC()
	return s, prev
}

// CleanText returns s with invalid UTF-8 replaced, control characters
// dropped, surrounding space trimmed, and cut to at most max bytes on a
// character boundary.
func CleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "")
	}
	return s
}
