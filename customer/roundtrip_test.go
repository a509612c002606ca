package customer_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// Properties: every form of a platform ID parses to the same canonical
// value, and the canonical value parses to itself.

func TestSteamFormsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		account := rapid.Uint64Range(1, 1<<32-1).Draw(t, "account")
		instance := rapid.Uint64Range(0, 4).Draw(t, "instance")
		want := customer.PlatformID{Platform: customer.Steam, Value: steam64(1, 1, 1, account)}
		forms := []string{
			steam64(1, 1, instance, account),
			fmt.Sprintf("STEAM_0:%d:%d", account&1, account>>1),
			fmt.Sprintf("STEAM_1:%d:%d", account&1, account>>1),
			fmt.Sprintf("[U:1:%d]", account),
			fmt.Sprintf("U:1:%d", account),
			"https://steamcommunity.com/profiles/" + want.Value,
		}
		for _, in := range forms {
			got, err := customer.ParsePlatformID(customer.Steam, in)
			if err != nil || got != want {
				t.Fatalf("ParsePlatformID(steam, %q) = %v, %v; want %v", in, got, err, want)
			}
		}
		id, _ := strconv.ParseUint(want.Value, 10, 64)
		if customer.SteamID2(id) != forms[1] || customer.SteamID3(id) != forms[3] || want.ProfileURL() != forms[5] {
			t.Fatalf("formatting %d gives %s %s %s", id, customer.SteamID2(id), customer.SteamID3(id), want.ProfileURL())
		}
	})
}

// uuidForms spells 16 bytes the ways players paste them.
func uuidForms(u [16]byte) (dashed string, forms []string) {
	h := hex.EncodeToString(u[:])
	dashed = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	return dashed, []string{dashed, h, strings.ToUpper(dashed), strings.ToUpper(h)}
}

func TestJavaUUIDFormsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var u [16]byte
		copy(u[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "bytes"))
		high := strings.Repeat("00", 8) == hex.EncodeToString(u[:8])
		dashed, forms := uuidForms(u)
		for _, in := range forms {
			got, err := customer.ParsePlatformID(customer.MinecraftJava, in)
			if high {
				if !errors.Is(err, errs.ErrInvalid) {
					t.Fatalf("Java UUID %q with high 64 bits zero accepted", in)
				}
				continue
			}
			if err != nil || got.Value != dashed {
				t.Fatalf("ParsePlatformID(java, %q) = %v, %v; want %s", in, got, err, dashed)
			}
			if got.Offline() != (u[6]>>4 == 3) {
				t.Fatalf("%s: Offline() = %v with version %d", dashed, got.Offline(), u[6]>>4)
			}
		}
	})
}

func TestXUIDFormsAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xuid := rapid.Uint64Min(1).Draw(t, "xuid")
		want := customer.PlatformID{Platform: customer.MinecraftBedrock, Value: strconv.FormatUint(xuid, 10)}
		var u [16]byte
		for i := range 8 {
			u[15-i] = byte(xuid >> (8 * i))
		}
		dashed, forms := uuidForms(u)
		if customer.FloodgateUUID(xuid) != dashed {
			t.Fatalf("FloodgateUUID(%d) = %s, want %s", xuid, customer.FloodgateUUID(xuid), dashed)
		}
		for _, in := range append(forms, want.Value) {
			got, err := customer.ParsePlatformID(customer.MinecraftBedrock, in)
			if err != nil || got != want {
				t.Fatalf("ParsePlatformID(bedrock, %q) = %v, %v; want %v", in, got, err, want)
			}
		}
	})
}

// Fuzz targets: no input panics, every refusal is ErrInvalid, and every
// canonical output parses to itself.

func mustInvalid(t *testing.T, what, in string, err error) {
	t.Helper()
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("%s(%q) = %v, want ErrInvalid", what, in, err)
	}
}

func FuzzParseSteamID(f *testing.F) {
	for _, s := range []string{garry64, garry2, "STEAM_1:1:0", garry3, "U:1:1", garryURL, garryURL + "/", "[U:1:4294967295]",
		"STEAM_0:1:2147483647", "76561197960265728", "765611980064095300", "[G:1:46143802]", "STEAM_2:0:1", "", " ", "[", "[U:1:46143802"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := customer.ParseSteamID(s)
		if err != nil {
			mustInvalid(t, "ParseSteamID", s, err)
			return
		}
		if id>>32 != 1<<24|1<<20|1 || id&(1<<32-1) == 0 {
			t.Fatalf("ParseSteamID(%q) = %d, not an individual account with instance 1", s, id)
		}
		pid := customer.PlatformID{Platform: customer.Steam, Value: strconv.FormatUint(id, 10)}
		for _, form := range []string{pid.Value, customer.SteamID2(id), customer.SteamID3(id), pid.ProfileURL()} {
			if again, err := customer.ParseSteamID(form); err != nil || again != id {
				t.Fatalf("ParseSteamID(%q) = %d, but its form %q parses to %d, %v", s, id, form, again, err)
			}
		}
	})
}

var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func FuzzParseUUID(f *testing.F) {
	for _, s := range []string{tuxedUUID, "708F6260183D3912BBDE5E279A5E739A", "00000000-0000-0000-0009-01f57c139c35",
		"708f6260-183d-3912-bbde-5e279a5e739g", "708f6260+183d+3912+bbde+5e279a5e739a", "", strings.Repeat("-", 36)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := customer.ParseUUID(s); err != nil {
			mustInvalid(t, "ParseUUID", s, err)
		} else if again, err := customer.ParseUUID(customer.FormatUUID(u)); err != nil || again != u {
			t.Fatalf("ParseUUID(%q) = %x; its format parses to %x, %v", s, u, again, err)
		}
		pid, err := customer.ParsePlatformID(customer.MinecraftJava, s)
		if err != nil {
			mustInvalid(t, "ParsePlatformID(java)", s, err)
			return
		}
		if !canonicalUUID.MatchString(pid.Value) || strings.HasPrefix(pid.Value, "00000000-0000-0000-") {
			t.Fatalf("ParsePlatformID(java, %q) = %q, not a lower-case dashed Java UUID", s, pid.Value)
		}
		if again, err := customer.ParsePlatformID(customer.MinecraftJava, pid.Value); err != nil || again != pid {
			t.Fatalf("canonical %q parses to %v, %v", pid.Value, again, err)
		}
	})
}

func FuzzParseXUID(f *testing.F) {
	for _, s := range []string{"2535428650671157", "00000000-0000-0000-0009-01f57c139c35", "0000000000000000000901F57C139C35",
		"18446744073709551615", "18446744073709551616", "0", "", tuxedUUID, "00000000000000000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pid, err := customer.ParsePlatformID(customer.MinecraftBedrock, s)
		if err != nil {
			mustInvalid(t, "ParsePlatformID(bedrock)", s, err)
			return
		}
		xuid, err := strconv.ParseUint(pid.Value, 10, 64)
		if err != nil || xuid == 0 || strconv.FormatUint(xuid, 10) != pid.Value {
			t.Fatalf("ParsePlatformID(bedrock, %q) = %q, not a canonical XUID", s, pid.Value)
		}
		for _, form := range []string{pid.Value, customer.FloodgateUUID(xuid)} {
			if again, err := customer.ParsePlatformID(customer.MinecraftBedrock, form); err != nil || again != pid {
				t.Fatalf("canonical %q: form %q parses to %v, %v", pid.Value, form, again, err)
			}
		}
	})
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Notch", " jeb_ ", "ab", "A2345678901234567", "Garry Newman", "ガリー", "\x00", "\xff", "\u00a0x\u00a0", "",
		"Garry\u034F", "Garry\uFE0F", "Garry\u3164", "Ｇａｒｒｙ", "Jose\u0301", "ΣΟΦΟΣ", "STRASSE", "\u3164", "\u034F\u200B"} {
		for i := range customer.Platforms {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, pi uint8, s string) {
		p := customer.Platforms[int(pi)%len(customer.Platforms)]
		name, err := customer.CheckName(p, s)
		if err != nil {
			mustInvalid(t, "CheckName", s, err)
			return
		}
		n := utf8.RuneCountInString(name)
		if n < 1 || n > 32 || !utf8.ValidString(name) || (p == customer.MinecraftJava && (n < 3 || n > 16 || len(name) != n)) {
			t.Fatalf("CheckName(%s, %q) = %q, breaks the name rules", p, s, name)
		}
		if customer.FoldName(name) == "" {
			t.Fatalf("CheckName(%s, %q) = %q, which folds to nothing", p, s, name)
		}
		if again, err := customer.CheckName(p, name); err != nil || again != name {
			t.Fatalf("CheckName(%s, %q) = %q, which checks to %q, %v", p, s, name, again, err)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"name@example.com", " Name@Example.COM ", "a@b@c", "a\xff@b.c", "a\x00@b.c", "İ@x.y", "@", "",
		"bob@example.com.", "ｂｏｂ@example.com", "bob@.", "a@b. .", "bob\u200B@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := customer.ParseEmail(s)
		if err != nil {
			mustInvalid(t, "ParseEmail", s, err)
			return
		}
		if again, err := customer.ParseEmail(e); err != nil || again != e {
			t.Fatalf("ParseEmail(%q) = %q, which parses to %q, %v", s, e, again, err)
		}
		if customer.NormalizeEmail(e) != e {
			t.Fatalf("ParseEmail(%q) = %q, not normalized", s, e)
		}
	})
}

func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "::ffff:203.0.113.7", "fe80::1%eth0", "::ffff:1.2.3.4%x", "2001:db8::1", "1.2.3", "", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, err := customer.ParseIP(s)
		if err != nil {
			mustInvalid(t, "ParseIP", s, err)
			return
		}
		if ip.Is4In6() || ip.Zone() != "" || customer.NormalizeIP(ip) != ip {
			t.Fatalf("ParseIP(%q) = %v, not normalized", s, ip)
		}
		if again, err := customer.ParseIP(ip.String()); err != nil || again != ip {
			t.Fatalf("ParseIP(%q) = %v, which parses to %v, %v", s, ip, again, err)
		}
		if netip.MustParseAddr(ip.String()) != ip {
			t.Fatalf("%v does not survive its String", ip)
		}
	})
}

func FuzzSplitSecret(f *testing.F) {
	f.Add("tok_01ARZ3NDEKTSV4RRFFQ69G5FAV." + strings.Repeat("A", 43))
	f.Add("tok_01arz3ndektsv4rrffq69g5fav." + strings.Repeat("-", 43))
	f.Add(".")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := customer.SplitSecret(s)
		if err != nil {
			mustInvalid(t, "SplitSecret", s, err)
			return
		}
		if !strings.HasPrefix(string(id), "tok_") || len(id) != len("tok_")+26 {
			t.Fatalf("SplitSecret(%q) = %q, not a token ID", s, id)
		}
	})
}
