package customer

import (
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/fold"
	"github.com/playerbase/playerbase/internal/ids"
)

// ID identifies a customer: "cus_" + a ULID.
type ID string

// NewID returns a new customer ID stamped with now.
func NewID(now time.Time) ID { return ID(ids.New("cus", now)) }

// ParseID checks a pasted customer ID.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("cus", "customer_id", s)
	return ID(id), err
}

// Customer is a store's customer as the Customer Details Page shows them.
type Customer struct {
	ID         ID         `json:"id"`
	Name       string     `json:"name"`          // as entered; compared folded (FoldName)
	PlatformID PlatformID `json:"platform_id"`   // canonical; (Platform, Value) is unique per store
	FirstSeen  time.Time  `json:"first_seen_at"` // set by Identify once, never moved
	Updated    time.Time  `json:"updated_at"`
	// Version counts stored changes. Edit takes the version the caller read
	// and fails with a conflict if the stored one has moved on.
	Version int64 `json:"version"`
	// KnownIPs and KnownEmails were seen at checkout; the ban banner matches
	// them. Both are sets kept in first-seen order, at most MaxKnown each.
	KnownIPs    []netip.Addr `json:"known_ips"`
	KnownEmails []string     `json:"known_emails"`
}

// MaxKnown bounds KnownIPs and KnownEmails; the oldest entries make room.
const MaxKnown = 50

// Clone returns a copy that shares no memory with c.
func (c Customer) Clone() Customer {
	c.KnownIPs = append([]netip.Addr(nil), c.KnownIPs...)
	c.KnownEmails = append([]string(nil), c.KnownEmails...)
	return c
}

// RecordCheckout adds the IP and email seen at a checkout to the known sets.
// A zero ip or empty email is skipped. It reports whether c changed.
func (c *Customer) RecordCheckout(ip netip.Addr, email string) bool {
	changed := false
	if ip.IsValid() {
		ip = NormalizeIP(ip)
		if !containsIP(c.KnownIPs, ip) {
			c.KnownIPs = appendBounded(c.KnownIPs, ip)
			changed = true
		}
	}
	if email != "" {
		email = NormalizeEmail(email)
		if !containsString(c.KnownEmails, email) {
			c.KnownEmails = appendBounded(c.KnownEmails, email)
			changed = true
		}
	}
	return changed
}

func appendBounded[T any](s []T, v T) []T {
	if len(s) >= MaxKnown {
		s = append(s[:0:0], s[len(s)-MaxKnown+1:]...)
	}
	return append(s, v)
}

func containsIP(s []netip.Addr, v netip.Addr) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// NormalizeIP drops a zone and turns an IPv4-mapped IPv6 address into IPv4,
// so one address has one form.
func NormalizeIP(ip netip.Addr) netip.Addr { return ip.Unmap().WithZone("") }

// NormalizeEmail returns the form emails are stored and compared in, the
// canonical folding of package fold: NFKC, full case folding, invisible
// code points removed, no trailing dot on the domain. Fullwidth
// "ｂｏｂ@example.com" and "bob@example.com." are "bob@example.com".
func NormalizeEmail(s string) string { return fold.Email(s) }

// ParseEmail checks that s looks like an address (one @, non-empty parts,
// no spaces or control characters) and returns it normalized.
func ParseEmail(s string) (string, error) {
	bad := errs.Invalid("email", s, "want an address such as name@example.com")
	// Checked before normalizing: folding would turn invalid bytes into
	// U+FFFD and so accept them.
	if !utf8.ValidString(s) {
		return "", bad
	}
	e := NormalizeEmail(s)
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(e, "<>") || strings.Contains(domain, "@") || len(e) > 254 {
		return "", bad
	}
	for _, r := range e {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "", bad
		}
	}
	return e, nil
}

// ParseIP accepts an IPv4 or IPv6 address and returns it normalized.
func ParseIP(s string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, errs.Invalid("ip", s, "want an IPv4 or IPv6 address")
	}
	return NormalizeIP(ip), nil
}

// maxNameLen bounds display names on platforms without a rule of their own
// (Steam allows 32 characters).
const maxNameLen = 32

// CheckName validates a display name for the platform and returns it trimmed,
// as entered otherwise. Minecraft Java names are 3–16 of [A-Za-z0-9_]; other
// names are 1–32 printable characters.
func CheckName(p Platform, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errs.Invalid("name", name, "must not be empty")
	}
	if p == MinecraftJava {
		if len(name) < 3 || len(name) > 16 {
			return "", errs.Invalid("name", name, "Minecraft names are 3 to 16 characters")
		}
		for _, r := range name {
			if r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
				return "", errs.Invalid("name", name, "Minecraft names use only letters, digits and _")
			}
		}
		return name, nil
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameLen {
		return "", errs.Invalid("name", name, "names are 1 to 32 characters")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", errs.Invalid("name", name, "names must be printable")
		}
	}
	// A name of fillers and joiners alone ("\u3164") shows as nothing
	// and folds to nothing: no name to find or ban.
	if FoldName(name) == "" {
		return "", errs.Invalid("name", name, "names need a visible character")
	}
	return name, nil
}

// FoldName returns the form names are compared in (Minecraft's, the bans'),
// the canonical folding of package fold: NFKC, full case folding, invisible
// code points removed, so "Ｇａｒｒｙ" and "Garry\u034F" are "garry".
func FoldName(name string) string { return fold.Name(name) }
