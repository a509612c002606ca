package customer_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// The docs/RULES.md vector: one Steam account in every form.
const (
	garry64  = "76561198006409530"
	garry2   = "STEAM_0:0:23071901"
	garry3   = "[U:1:46143802]"
	garryURL = "https://steamcommunity.com/profiles/76561198006409530"
)

func TestSteamVector(t *testing.T) {
	want := customer.PlatformID{Platform: customer.Steam, Value: garry64}
	for _, in := range []string{
		garry64, garry2, "STEAM_1:0:23071901", garry3, "U:1:46143802", garryURL, garryURL + "/",
		"http://steamcommunity.com/profiles/" + garry64, "steamcommunity.com/profiles/" + garry64,
		"  " + garry2 + "\n",
		"76561202301376826", // instance 2 is normalised to 1
		"76561193711442234", // instance 0 too
	} {
		got, err := customer.ParsePlatformID(customer.Steam, in)
		if err != nil {
			t.Errorf("ParsePlatformID(steam, %q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("ParsePlatformID(steam, %q) = %v, want %v", in, got, want)
		}
	}
	id, _ := strconv.ParseUint(garry64, 10, 64)
	if got := customer.SteamID2(id); got != garry2 {
		t.Errorf("SteamID2 = %q, want %q", got, garry2)
	}
	if got := customer.SteamID3(id); got != garry3 {
		t.Errorf("SteamID3 = %q, want %q", got, garry3)
	}
	if got := want.ProfileURL(); got != garryURL {
		t.Errorf("ProfileURL = %q, want %q", got, garryURL)
	}
	if want.Offline() {
		t.Error("a Steam ID reports Offline")
	}
}

// steam64 assembles a SteamID64 from its fields, independently of the parser.
func steam64(universe, typ, instance, account uint64) string {
	return strconv.FormatUint(universe<<56|typ<<52|instance<<32|account, 10)
}

func TestSteamRejects(t *testing.T) {
	for _, in := range []string{
		"",
		steam64(0, 3, 1, 46143802), // universe 0 (17 digits thanks to the type bits)
		steam64(1, 2, 1, 46143802), // multiseat account type
		steam64(1, 1, 5, 46143802), // unknown instance
		steam64(1, 1, 1, 0),        // account 0
		"STEAM_0:0:0", "[U:1:0]",
		"STEAM_2:0:23071901", "STEAM_0:2:23071901", "STEAM_0:0:", "STEAM_0:0:-1", "STEAM_0:0:2147483648", "STEAM_0:0:1:1",
		"[U:2:46143802]", "[U:0:46143802]", "[G:1:46143802]", "[U:1:46143802", "[U:1:4294967296]", "[U:1:+5]", "[A:1:46143802]",
		"7656119800640953",   // 16 digits
		"765611980064095300", // 18 digits
		"7656119800640953a", "+6561198006409530", "76561198006409530 1",
		"https://steamcommunity.com/id/garry", "https://steamcommunity.com/profiles/",
	} {
		_, err := customer.ParsePlatformID(customer.Steam, in)
		var inv *errs.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("ParsePlatformID(steam, %q) = %v, want *errs.InvalidError", in, err)
		}
	}
}

const tuxedUUID = "708f6260-183d-3912-bbde-5e279a5e739a"

func TestJavaUUIDs(t *testing.T) {
	if got := customer.OfflineUUID("tuxed"); got != tuxedUUID {
		t.Errorf(`OfflineUUID("tuxed") = %q, want %q`, got, tuxedUUID)
	}
	for _, tc := range []struct {
		in, want string
		offline  bool
	}{
		{tuxedUUID, tuxedUUID, true},
		{"708F6260183D3912BBDE5E279A5E739A", tuxedUUID, true},
		{"069a79f4-44e9-4726-a5be-fca90e38aaf5", "069a79f4-44e9-4726-a5be-fca90e38aaf5", false},
		{"069a79f444e94726a5befca90e38aaf5", "069a79f4-44e9-4726-a5be-fca90e38aaf5", false},
		{"069A79F4-44E9-4726-A5BE-FCA90E38AAF5", "069a79f4-44e9-4726-a5be-fca90e38aaf5", false},
		{" 069a79f444e94726a5befca90e38aaf5 ", "069a79f4-44e9-4726-a5be-fca90e38aaf5", false},
	} {
		got, err := customer.ParsePlatformID(customer.MinecraftJava, tc.in)
		if err != nil {
			t.Errorf("ParsePlatformID(java, %q): %v", tc.in, err)
			continue
		}
		if got.Value != tc.want || got.Platform != customer.MinecraftJava || got.Offline() != tc.offline {
			t.Errorf("ParsePlatformID(java, %q) = %v offline=%v, want %s offline=%v", tc.in, got, got.Offline(), tc.want, tc.offline)
		}
		if url := got.ProfileURL(); url != "https://namemc.com/profile/"+tc.want {
			t.Errorf("ProfileURL = %q", url)
		}
	}
}

func TestJavaUUIDRejects(t *testing.T) {
	for _, in := range []string{
		"", "708f6260-183d-3912-bbde-5e279a5e739", "708f6260-183d-3912-bbde-5e279a5e739aa",
		"708f6260-183d-3912-bbde-5e279a5e739g", // bad hex
		"708f6260183d-3912-bbde-5e279a5e739a-", // dashes in the wrong places
		"708f6260_183d_3912_bbde_5e279a5e739a",
		"{708f6260-183d-3912-bbde-5e279a5e739a}",
		"00000000-0000-0000-0009-01f2a3b4c5d6", // high 64 bits zero: a Floodgate XUID
		"00000000000000000000000000000000",
		"708f6260-183d-3912-bbde-5e279a5e739\u00e4",
	} {
		_, err := customer.ParsePlatformID(customer.MinecraftJava, in)
		var inv *errs.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("ParsePlatformID(java, %q) = %v, want *errs.InvalidError", in, err)
		}
	}
}

// floodgate formats a XUID as Floodgate does, independently of the package.
func floodgate(xuid uint64) string {
	return fmt.Sprintf("00000000-0000-0000-%04x-%012x", xuid>>48, xuid&(1<<48-1))
}

func TestBedrockXUIDs(t *testing.T) {
	const xuid = 2535428650671157
	want := customer.PlatformID{Platform: customer.MinecraftBedrock, Value: "2535428650671157"}
	fg := floodgate(xuid)
	if got := customer.FloodgateUUID(xuid); got != fg {
		t.Errorf("FloodgateUUID = %q, want %q", got, fg)
	}
	for _, in := range []string{"2535428650671157", fg, strings.ReplaceAll(fg, "-", ""), strings.ToUpper(fg)} {
		got, err := customer.ParsePlatformID(customer.MinecraftBedrock, in)
		if err != nil || got != want {
			t.Errorf("ParsePlatformID(bedrock, %q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if want.ProfileURL() != "" || want.Offline() {
		t.Errorf("Bedrock ID has ProfileURL %q, Offline %v", want.ProfileURL(), want.Offline())
	}
	for _, in := range []string{"", "0", "00", floodgate(0), "-1", "18446744073709551616", "12a",
		tuxedUUID, // high bits set: a Java UUID, not a XUID
	} {
		_, err := customer.ParsePlatformID(customer.MinecraftBedrock, in)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParsePlatformID(bedrock, %q) = %v, want ErrInvalid", in, err)
		}
	}
}

func TestPlatforms(t *testing.T) {
	for _, p := range customer.Platforms {
		got, err := customer.ParsePlatform(string(p))
		if err != nil || got != p {
			t.Errorf("ParsePlatform(%q) = %q, %v", p, got, err)
		}
	}
	for _, s := range []string{"", "Steam", "xbox"} {
		if _, err := customer.ParsePlatform(s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParsePlatform(%q) = %v, want ErrInvalid", s, err)
		}
		if _, err := customer.ParsePlatformID(customer.Platform(s), garry64); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParsePlatformID(%q, …) = %v, want ErrInvalid", s, err)
		}
	}
	pid := customer.MustPlatformID(customer.Steam, garry2)
	if diff := cmp.Diff("steam:"+garry64, pid.String()); diff != "" {
		t.Error(diff)
	}
	if pid.IsZero() || !(customer.PlatformID{}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		p    customer.Platform
		in   string
		want string // "" means refused
	}{
		{customer.MinecraftJava, "Notch", "Notch"},
		{customer.MinecraftJava, " jeb_ ", "jeb_"},
		{customer.MinecraftJava, "abc", "abc"},
		{customer.MinecraftJava, "A234567890123456", "A234567890123456"},
		{customer.MinecraftJava, "ab", ""},
		{customer.MinecraftJava, "A2345678901234567", ""},
		{customer.MinecraftJava, "no space", ""},
		{customer.MinecraftJava, "Dash-er", ""},
		{customer.MinecraftJava, "Ünicode", ""},
		{customer.MinecraftJava, "", ""},
		{customer.Steam, "x", "x"},
		{customer.Steam, "Garry Newman", "Garry Newman"},
		{customer.Steam, "ガリー", "ガリー"},
		{customer.Steam, strings.Repeat("é", 32), strings.Repeat("é", 32)},
		{customer.Steam, strings.Repeat("é", 33), ""},
		{customer.Steam, "   ", ""},
		{customer.Steam, "tab\there", ""},
		{customer.Steam, "nul\x00", ""},
		{customer.Steam, "bad\xffutf8", ""},
		{customer.MinecraftBedrock, "Steve Gamer 42", "Steve Gamer 42"},
		{customer.MinecraftBedrock, "", ""},
	} {
		got, err := customer.CheckName(tc.p, tc.in)
		if tc.want == "" {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("CheckName(%s, %q) = %q, %v; want ErrInvalid", tc.p, tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CheckName(%s, %q) = %q, %v; want %q", tc.p, tc.in, got, err, tc.want)
		}
	}
	if customer.FoldName(" Notch ") != customer.FoldName("nOTCH") {
		t.Error("FoldName does not compare names case-insensitively")
	}
}
