package bans_test

import (
	"errors"
	"testing"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

func TestParseIdentity(t *testing.T) {
	const steam64 = "76561198006409530"
	const uuid = "708f6260-183d-3912-bbde-5e279a5e739a"
	for _, c := range []struct {
		typ  bans.IdentityType
		raw  string
		want string
	}{
		// Steam: every form, STEAM_0 and STEAM_1 alike.
		{bans.Steam, steam64, steam64},
		{bans.Steam, "STEAM_0:0:23071901", steam64},
		{bans.Steam, "STEAM_1:0:23071901", steam64},
		{bans.Steam, "[U:1:46143802]", steam64},
		{bans.Steam, "https://steamcommunity.com/profiles/76561198006409530/", steam64},
		// UUIDs: dashed or not, any case.
		{bans.MinecraftUUID, uuid, uuid},
		{bans.MinecraftUUID, "708F6260183D3912BBDE5E279A5E739A", uuid},
		{bans.MinecraftUUID, customer.FloodgateUUID(2535400000000000), customer.FloodgateUUID(2535400000000000)},
		// IPs: IPv4-mapped IPv6 is the IPv4; zones dropped; IPv6 compressed.
		{bans.IP, "203.0.113.7", "203.0.113.7"},
		{bans.IP, "::ffff:203.0.113.7", "203.0.113.7"},
		{bans.IP, " ::FFFF:cb00:7107 ", "203.0.113.7"},
		{bans.IP, "fe80::1%eth0", "fe80::1"},
		{bans.IP, "2001:DB8:0:0::1", "2001:db8::1"},
		// Ranges: masked; an IPv4-mapped prefix is the IPv4 prefix.
		{bans.IPRange, "203.0.113.77/24", "203.0.113.0/24"},
		{bans.IPRange, "2001:db8::1/32", "2001:db8::/32"},
		{bans.IPRange, "::ffff:10.1.2.3/104", "10.0.0.0/8"},
		{bans.IPRange, "10.0.0.1/32", "10.0.0.1/32"},
		// Names and emails: case-folded.
		{bans.Name, "  Notch ", "notch"},
		{bans.Name, "NOTCH", "notch"},
		{bans.Email, "Player@Example.COM", "player@example.com"},
		// Customer IDs: canonical upper-case ULID.
		{bans.Customer, "cus_01jd3xk5g7m3q2w8e9r4t6y1za", "cus_01JD3XK5G7M3Q2W8E9R4T6Y1ZA"},
	} {
		got, err := bans.ParseIdentity(c.typ, c.raw)
		if err != nil {
			t.Errorf("ParseIdentity(%s, %q): %v", c.typ, c.raw, err)
			continue
		}
		if got != (bans.Identity{Type: c.typ, Value: c.want}) {
			t.Errorf("ParseIdentity(%s, %q) = %v, want %s", c.typ, c.raw, got, c.want)
		}
		again, err := bans.ParseIdentity(c.typ, got.Value)
		if err != nil || again != got {
			t.Errorf("canonical %v does not parse to itself: %v, %v", got, again, err)
		}
	}
}

func TestParseIdentityInvalid(t *testing.T) {
	for _, c := range []struct {
		typ   bans.IdentityType
		raw   string
		field string
	}{
		{bans.Steam, "STEAM_2:0:1", "steam"},
		{bans.Steam, "[U:1:0]", "steam"},
		{bans.MinecraftUUID, "not-a-uuid", "minecraft_uuid"},
		{bans.IP, "203.0.113.300", "ip"},
		{bans.IP, "203.0.113.0/24", "ip"},
		{bans.IPRange, "203.0.113.7", "ip_range"},
		{bans.IPRange, "0.0.0.0/0", "ip_range"},
		{bans.IPRange, "::/0", "ip_range"},
		{bans.IPRange, "::ffff:0:0/96", "ip_range"}, // the IPv4 /0
		{bans.Name, "   ", "name"},
		{bans.Name, "a\x00b", "name"},
		{bans.Email, "no-at-sign", "email"},
		{bans.Customer, "ord_01JD3XK5G7M3Q2W8E9R4T6Y1ZA", "customer"},
		{"discord", "123", "type"},
	} {
		_, err := bans.ParseIdentity(c.typ, c.raw)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("ParseIdentity(%s, %q) = %v, want an InvalidError on %q", c.typ, c.raw, err, c.field)
		}
	}
}

func TestParseIdentitiesNamesTheEntry(t *testing.T) {
	_, err := bans.ParseIdentities([]bans.Identity{
		{bans.Steam, "STEAM_0:0:1"}, {bans.Email, "a@example.com"}, {bans.IP, "nope"},
	})
	var ie *errs.InvalidError
	if !errors.As(err, &ie) || ie.Field != "identities[2].ip" {
		t.Fatalf("err = %v, want field identities[2].ip", err)
	}
	got, err := bans.ParseIdentities([]bans.Identity{
		{bans.Steam, "STEAM_0:0:1"}, {bans.Steam, "STEAM_1:0:1"}, {bans.Name, "Bob"}, {bans.Name, "bob"},
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("duplicates after canonicalising are dropped: got %v, %v", got, err)
	}
}

func TestIdentitiesOf(t *testing.T) {
	c := customer.Customer{
		ID:         customer.NewID(now),
		Name:       "Tuxed",
		PlatformID: customer.MustPlatformID(customer.MinecraftBedrock, "2535400000000000"),
		KnownIPs:   nil,
	}
	c.RecordCheckout(mustAddr("::ffff:203.0.113.7"), "Tux@Example.com")
	got := bans.IdentitiesOf(c)
	want := []bans.Identity{
		bans.CustomerIdentity(c.ID),
		{bans.Name, "tuxed"},
		{bans.MinecraftUUID, customer.FloodgateUUID(2535400000000000)},
		{bans.IP, "203.0.113.7"},
		{bans.Email, "tux@example.com"},
	}
	if len(got) != len(want) {
		t.Fatalf("IdentitiesOf = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("IdentitiesOf[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func FuzzParseIdentity(f *testing.F) {
	for _, s := range []string{
		"76561198006409530", "STEAM_1:1:1", "[U:1:46143802]", "708f6260183d3912bbde5e279a5e739a",
		"::ffff:1.2.3.4", "fe80::1%eth0", "10.0.0.0/8", "::ffff:10.0.0.0/104", "2001:db8::/129",
		"Notch", "A@B.C", "cus_01JD3XK5G7M3Q2W8E9R4T6Y1ZA", "", " ", "\xff",
		"Garry\u034F", "Garry\uFE0F", "Garry\u3164", "Ｇａｒｒｙ", "Jose\u0301", "ΣΟΦΟΣ", "STRASSE",
		"bob@example.com.", "ｂｏｂ@example.com", "\u3164",
	} {
		for i := range bans.IdentityTypes {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, raw string) {
		tp := bans.IdentityTypes[int(typ)%len(bans.IdentityTypes)]
		id, err := bans.ParseIdentity(tp, raw)
		if err != nil {
			var ie *errs.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error is not an InvalidError: %v", err)
			}
			return
		}
		if id.Type != tp {
			t.Fatalf("type changed: %v", id)
		}
		again, err := bans.ParseIdentity(tp, id.Value)
		if err != nil || again != id {
			t.Fatalf("canonical %v does not parse to itself: %v, %v", id, again, err)
		}
		ban := bans.Ban{Identities: []bans.Identity{id}}
		if !ban.Matches(id) {
			t.Fatalf("a ban does not match its own identity %v", id)
		}
	})
}
