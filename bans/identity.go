package bans

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// IdentityType says what an identity's value names.
type IdentityType string

// The identity types a ban can name.
const (
	Customer      IdentityType = "customer"       // a customer ID, cus_…
	Name          IdentityType = "name"           // a player name, folded
	Steam         IdentityType = "steam"          // a SteamID64
	MinecraftUUID IdentityType = "minecraft_uuid" // a lower-case dashed UUID
	IP            IdentityType = "ip"             // an IPv4 or IPv6 address
	IPRange       IdentityType = "ip_range"       // a masked CIDR prefix
	Email         IdentityType = "email"          // an address, folded
)

// IdentityTypes lists every identity type, for tests and UIs.
var IdentityTypes = []IdentityType{Customer, Name, Steam, MinecraftUUID, IP, IPRange, Email}

// Identity is one thing a ban names, in canonical form: equal identities
// have equal values, so Identity is compared with ==. Make one with
// ParseIdentity (or a constructor such as SteamIdentity), never by hand from
// user input.
type Identity struct {
	Type  IdentityType `json:"type"`
	Value string       `json:"value"`
}

func (id Identity) String() string { return string(id.Type) + ":" + id.Value }

// maxNameLen bounds a banned name as entered: the longest display name a
// customer may have (Steam's 32). maxNameKeyLen bounds its folded form,
// which folding may lengthen (ß → ss, ﬃ → ffi).
const (
	maxNameLen    = 32
	maxNameKeyLen = 2 * maxNameLen
)

// ParseIdentity reads raw as an identity of type t and returns its canonical
// form:
//   - customer: a customer ID;
//   - name: folded (customer.FoldName: NFKC, full case folding, invisible
//     code points removed, trimmed), so look-alikes such as "Ｇａｒｒｙ" or
//     "Garry\u3164" are "garry"; at most 32 characters as entered (64 once
//     folded); a name that folds to nothing is refused;
//   - steam: any form customer.ParseSteamID accepts → SteamID64;
//   - minecraft_uuid: a UUID dashed or not, any case → lower-case dashed
//     (Floodgate UUIDs of Bedrock players included);
//   - ip: IPv4 or IPv6; an IPv4-mapped IPv6 address becomes the IPv4 one and
//     a zone is dropped;
//   - ip_range: a CIDR prefix, masked (10.1.2.3/8 → 10.0.0.0/8); a prefix
//     inside ::ffff:0:0/96 becomes the IPv4 prefix; /0 is refused;
//   - email: folded like a name, with no trailing dot on the domain
//     (customer.ParseEmail): "ｂｏｂ@example.com." is "bob@example.com".
//
// A canonical value parses to itself. An invalid raw value is an
// *errs.InvalidError whose Field is the type name.
func ParseIdentity(t IdentityType, raw string) (Identity, error) {
	v, err := parseValue(t, raw)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Type: t, Value: v}, nil
}

func parseValue(t IdentityType, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	bad := func(reason string) (string, error) { return "", errs.Invalid(string(t), raw, reason) }
	switch t {
	case Customer:
		id, err := customer.ParseID(s)
		if err != nil {
			return bad("want a customer ID such as cus_01…")
		}
		return string(id), nil
	case Name:
		// Checked before folding, which would turn invalid bytes into
		// U+FFFD and so accept them.
		if !utf8.ValidString(s) {
			return bad("want a name of 1 to 32 characters")
		}
		// At most 32 characters as entered, as customer names. Folding
		// may lengthen them (ß → ss) and a folded name must parse to
		// itself, so one already folded may have up to 64.
		n := customer.FoldName(s)
		if n == "" || utf8.RuneCountInString(n) > maxNameKeyLen || utf8.RuneCountInString(s) > maxNameLen && n != s {
			return bad("want a name of 1 to 32 characters")
		}
		for _, r := range n {
			if !unicode.IsPrint(r) {
				return bad("names must be printable")
			}
		}
		return n, nil
	case Steam:
		id, err := customer.ParseSteamID(s)
		if err != nil {
			return bad(reasonOf(err))
		}
		return strconv.FormatUint(id, 10), nil
	case MinecraftUUID:
		u, err := customer.ParseUUID(s)
		if err != nil {
			return bad(reasonOf(err))
		}
		return customer.FormatUUID(u), nil
	case IP:
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return bad("want an IPv4 or IPv6 address")
		}
		return customer.NormalizeIP(ip).String(), nil
	case IPRange:
		p, err := ParseRange(s)
		if err != nil {
			return bad(reasonOf(err))
		}
		return p.String(), nil
	case Email:
		e, err := customer.ParseEmail(s)
		if err != nil {
			return bad(reasonOf(err))
		}
		return e, nil
	}
	return "", errs.Invalid("type", string(t), "want one of customer, name, steam, minecraft_uuid, ip, ip_range, email")
}

func reasonOf(err error) string {
	var ie *errs.InvalidError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return err.Error()
}

// ParseRange reads a CIDR prefix and returns it masked, an IPv4-mapped IPv6
// prefix turned into the IPv4 prefix (so it matches the unmapped addresses
// IP identities hold). A zero-length prefix, which would ban every address,
// is refused.
func ParseRange(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, errs.Invalid(string(IPRange), s, "want a CIDR prefix such as 203.0.113.0/24 or 2001:db8::/32")
	}
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, errs.Invalid(string(IPRange), s, "a /0 range would ban every address")
	}
	return p, nil
}

// ParseIdentities parses every identity (a canonical one parses to itself)
// and drops duplicates, keeping the first. An error names the entry, as in
// "identities[2].ip".
func ParseIdentities(in []Identity) ([]Identity, error) {
	return parseList("identities", in)
}

func parseList(field string, in []Identity) ([]Identity, error) {
	out := make([]Identity, 0, len(in))
	for i, raw := range in {
		id, err := ParseIdentity(raw.Type, raw.Value)
		if err != nil {
			return nil, renameField(err, fmt.Sprintf("%s[%d].", field, i))
		}
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func renameField(err error, prefix string) error {
	var ie *errs.InvalidError
	if errors.As(err, &ie) {
		return &errs.InvalidError{Field: prefix + ie.Field, Value: ie.Value, Reason: ie.Reason}
	}
	return err
}

func contains(s []Identity, id Identity) bool {
	for _, x := range s {
		if x == id {
			return true
		}
	}
	return false
}

// MustIdentity is ParseIdentity for constants in tests and examples.
func MustIdentity(t IdentityType, raw string) Identity {
	id, err := ParseIdentity(t, raw)
	if err != nil {
		panic(err)
	}
	return id
}

// Constructors for values a game server already holds in parsed form; they
// skip the text parsers.

// CustomerIdentity names a customer.
func CustomerIdentity(id customer.ID) Identity { return Identity{Customer, string(id)} }

// NameIdentity names a player name (folded here).
func NameIdentity(name string) Identity { return Identity{Name, customer.FoldName(name)} }

// SteamIdentity names a SteamID64 (as customer.ParseSteamID returns it).
func SteamIdentity(id uint64) Identity { return Identity{Steam, strconv.FormatUint(id, 10)} }

// UUIDIdentity names a Minecraft UUID.
func UUIDIdentity(u [16]byte) Identity { return Identity{MinecraftUUID, customer.FormatUUID(u)} }

// IPIdentity names an address (unmapped, zone dropped here).
func IPIdentity(ip netip.Addr) Identity { return Identity{IP, customer.NormalizeIP(ip).String()} }

// EmailIdentity names an email address (normalised here, not validated).
func EmailIdentity(email string) Identity { return Identity{Email, customer.NormalizeEmail(email)} }

// IdentitiesOf returns the identities a customer is known by: their ID,
// name, platform ID (Steam → steam; Minecraft Java → minecraft_uuid; Bedrock
// → the Floodgate UUID its players have on Java servers), and the IPs and
// emails seen at their checkouts.
func IdentitiesOf(c customer.Customer) []Identity {
	out := make([]Identity, 0, 3+len(c.KnownIPs)+len(c.KnownEmails))
	out = append(out, CustomerIdentity(c.ID))
	if n := customer.FoldName(c.Name); n != "" {
		out = append(out, Identity{Name, n})
	}
	switch c.PlatformID.Platform {
	case customer.Steam:
		out = append(out, Identity{Steam, c.PlatformID.Value})
	case customer.MinecraftJava:
		out = append(out, Identity{MinecraftUUID, c.PlatformID.Value})
	case customer.MinecraftBedrock:
		if xuid, err := strconv.ParseUint(c.PlatformID.Value, 10, 64); err == nil {
			out = append(out, Identity{MinecraftUUID, customer.FloodgateUUID(xuid)})
		}
	}
	for _, ip := range c.KnownIPs {
		out = append(out, IPIdentity(ip))
	}
	for _, e := range c.KnownEmails {
		out = append(out, EmailIdentity(e))
	}
	return out
}

// ParseIdentityType checks an identity type name.
func ParseIdentityType(s string) (IdentityType, error) {
	for _, t := range IdentityTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", errs.Invalid("type", s, "want one of customer, name, steam, minecraft_uuid, ip, ip_range, email")
}
