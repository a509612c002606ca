package customer

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/playerbase/playerbase/errs"
)

// Platform is the game platform a customer plays on.
type Platform string

// The platforms a store sells to.
const (
	Steam            Platform = "steam"             // Rust and other Steam games: SteamID64
	MinecraftJava    Platform = "minecraft_java"    // Java edition: UUID
	MinecraftBedrock Platform = "minecraft_bedrock" // Bedrock edition: XUID
)

// Platforms lists every platform, for tests and UIs.
var Platforms = []Platform{Steam, MinecraftJava, MinecraftBedrock}

// ParsePlatform checks a platform name.
func ParsePlatform(s string) (Platform, error) {
	for _, p := range Platforms {
		if string(p) == s {
			return p, nil
		}
	}
	return "", errs.Invalid("platform", s, "want steam, minecraft_java or minecraft_bedrock")
}

// PlatformID is a platform account in its one canonical form: a SteamID64, a
// lower-case dashed UUID, or a decimal XUID. It is comparable.
type PlatformID struct {
	Platform Platform `json:"platform"`
	Value    string   `json:"value"`
}

// String returns "platform:value".
func (p PlatformID) String() string { return string(p.Platform) + ":" + p.Value }

// IsZero reports whether p was never set.
func (p PlatformID) IsZero() bool { return p == PlatformID{} }

// ParsePlatformID reads any common form of an account ID on platform p and
// returns its canonical form:
//   - Steam: 17-digit SteamID64, STEAM_X:Y:Z (X 0 or 1), [U:1:W], or a
//     steamcommunity.com/profiles/ link. Individual accounts only.
//   - Minecraft Java: a UUID, dashed or not, any case.
//   - Minecraft Bedrock: a decimal XUID or its Floodgate UUID.
func ParsePlatformID(p Platform, s string) (PlatformID, error) {
	s = strings.TrimSpace(s)
	var v string
	var err error
	switch p {
	case Steam:
		var id uint64
		id, err = ParseSteamID(s)
		v = strconv.FormatUint(id, 10)
	case MinecraftJava:
		v, err = parseJavaUUID(s)
	case MinecraftBedrock:
		var xuid uint64
		xuid, err = ParseXUID(s)
		v = strconv.FormatUint(xuid, 10)
	default:
		_, err = ParsePlatform(string(p))
	}
	if err != nil {
		return PlatformID{}, err
	}
	return PlatformID{Platform: p, Value: v}, nil
}

// MustPlatformID is ParsePlatformID for constants in tests and examples.
func MustPlatformID(p Platform, s string) PlatformID {
	id, err := ParsePlatformID(p, s)
	if err != nil {
		panic(err)
	}
	return id
}

// ProfileURL links to the account's public profile, or "" for Bedrock, which
// has none.
func (p PlatformID) ProfileURL() string {
	switch p.Platform {
	case Steam:
		return "https://steamcommunity.com/profiles/" + p.Value
	case MinecraftJava:
		return "https://namemc.com/profile/" + p.Value
	}
	return ""
}

// Offline reports whether a Minecraft Java UUID is an offline-mode one
// (version 3, made from the player name, not from Mojang's account service).
// Such a UUID is kept, but a store should know another server may give the
// same name a different UUID.
func (p PlatformID) Offline() bool {
	return p.Platform == MinecraftJava && len(p.Value) == 36 && p.Value[14] == '3'
}

// SteamID64 layout: universe (8 bits), account type (4), instance (20),
// account number (32). Individual accounts are universe 1, type 1, and
// instance 1 once normalised.
const (
	steamIndividualBase = uint64(1)<<56 | uint64(1)<<52 | uint64(1)<<32
	steamAccountMask    = uint64(1)<<32 - 1
	steamInstanceMask   = uint64(1)<<20 - 1
)

// ParseSteamID reads a SteamID64, STEAM_X:Y:Z, [U:1:W] (brackets optional) or
// a steamcommunity.com/profiles/ link and returns the SteamID64 of an
// individual account with instance 1.
func ParseSteamID(s string) (uint64, error) {
	in := s
	s = strings.TrimSpace(s)
	bad := func(reason string) (uint64, error) { return 0, errs.Invalid("steam_id", in, reason) }

	if rest, ok := cutProfileURL(s); ok {
		s = rest
	}
	switch {
	case strings.HasPrefix(s, "STEAM_"):
		parts := strings.Split(s[len("STEAM_"):], ":")
		if len(parts) != 3 {
			return bad("want STEAM_X:Y:Z")
		}
		x, err1 := parseDigits(parts[0], 1)
		y, err2 := parseDigits(parts[1], 1)
		z, err3 := parseDigits(parts[2], 10)
		if err1 != nil || err2 != nil || err3 != nil || x > 1 || y > 1 || z > steamAccountMask>>1 {
			return bad("want STEAM_X:Y:Z with X 0 or 1, Y 0 or 1")
		}
		return steamFromAccount(2*z+y, in)
	case strings.HasPrefix(s, "[U:") || strings.HasPrefix(s, "U:"):
		body := strings.TrimPrefix(s, "[")
		if strings.HasPrefix(s, "[") {
			var ok bool
			if body, ok = strings.CutSuffix(body, "]"); !ok {
				return bad("want [U:1:W]")
			}
		}
		parts := strings.Split(body, ":")
		if len(parts) != 3 || parts[0] != "U" || parts[1] != "1" {
			return bad("want [U:1:W] (individual account, universe 1)")
		}
		w, err := parseDigits(parts[2], 10)
		if err != nil || w > steamAccountMask {
			return bad("want [U:1:W] with W a 32-bit account number")
		}
		return steamFromAccount(w, in)
	}
	if len(s) != 17 {
		return bad("want a 17-digit SteamID64, STEAM_X:Y:Z or [U:1:W]")
	}
	id, err := parseDigits(s, 17)
	if err != nil {
		return bad("want a 17-digit SteamID64, STEAM_X:Y:Z or [U:1:W]")
	}
	if id>>56 != 1 {
		return bad("not in the public universe")
	}
	if (id>>52)&0xF != 1 {
		return bad("not an individual account")
	}
	if inst := (id >> 32) & steamInstanceMask; inst > 4 {
		return bad("unknown instance")
	}
	return steamFromAccount(id&steamAccountMask, in)
}

func steamFromAccount(account uint64, in string) (uint64, error) {
	if account == 0 {
		return 0, errs.Invalid("steam_id", in, "account number 0 is not an account")
	}
	return steamIndividualBase | account, nil
}

func cutProfileURL(s string) (string, bool) {
	for _, prefix := range []string{"https://steamcommunity.com/profiles/", "http://steamcommunity.com/profiles/", "steamcommunity.com/profiles/"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			return strings.TrimSuffix(rest, "/"), true
		}
	}
	return s, false
}

// parseDigits parses 1..maxLen ASCII digits (no sign, no spaces).
func parseDigits(s string, maxLen int) (uint64, error) {
	if s == "" || len(s) > maxLen {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// SteamID2 formats a SteamID64 as STEAM_0:Y:Z (universe written as 0, as
// Source games do).
func SteamID2(id uint64) string {
	account := id & steamAccountMask
	return "STEAM_0:" + strconv.FormatUint(account&1, 10) + ":" + strconv.FormatUint(account>>1, 10)
}

// SteamID3 formats a SteamID64 as [U:1:W].
func SteamID3(id uint64) string {
	return "[U:1:" + strconv.FormatUint(id&steamAccountMask, 10) + "]"
}

// ParseUUID reads a UUID, dashed or not, any case, and returns its 16 bytes.
func ParseUUID(s string) ([16]byte, error) {
	var u [16]byte
	in := s
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, errs.Invalid("uuid", in, "want 32 hex digits, dashed 8-4-4-4-12 or not")
		}
		s = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(s) != 32 {
		return u, errs.Invalid("uuid", in, "want 32 hex digits, dashed 8-4-4-4-12 or not")
	}
	if _, err := hex.Decode(u[:], []byte(s)); err != nil {
		return u, errs.Invalid("uuid", in, "want 32 hex digits, dashed 8-4-4-4-12 or not")
	}
	return u, nil
}

// FormatUUID returns the lower-case dashed form.
func FormatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func parseJavaUUID(s string) (string, error) {
	u, err := ParseUUID(s)
	if err != nil {
		return "", err
	}
	if highZero(u) {
		return "", errs.Invalid("uuid", s, "a UUID with the high 64 bits zero is a Bedrock (Floodgate) XUID")
	}
	return FormatUUID(u), nil
}

func highZero(u [16]byte) bool {
	for _, b := range u[:8] {
		if b != 0 {
			return false
		}
	}
	return true
}

// OfflineUUID returns the UUID an offline-mode Minecraft server gives name:
// version 3 of MD5("OfflinePlayer:"+name).
func OfflineUUID(name string) string {
	u := md5.Sum([]byte("OfflinePlayer:" + name))
	u[6] = u[6]&0x0f | 0x30
	u[8] = u[8]&0x3f | 0x80
	return FormatUUID(u)
}

// ParseXUID reads a Bedrock XUID as a decimal number or as the Floodgate UUID
// that carries it in its low 64 bits (the high 64 bits zero).
func ParseXUID(s string) (uint64, error) {
	in := s
	var xuid uint64
	if len(s) == 32 || len(s) == 36 {
		u, err := ParseUUID(s)
		if err != nil {
			return 0, err
		}
		if !highZero(u) {
			return 0, errs.Invalid("xuid", in, "a Floodgate UUID has its high 64 bits zero")
		}
		for _, b := range u[8:] {
			xuid = xuid<<8 | uint64(b)
		}
	} else {
		var err error
		if xuid, err = parseDigits(s, 20); err != nil {
			return 0, errs.Invalid("xuid", in, "want a decimal XUID or a Floodgate UUID")
		}
	}
	if xuid == 0 {
		return 0, errs.Invalid("xuid", in, "XUID 0 is not an account")
	}
	return xuid, nil
}

// FloodgateUUID returns the UUID Floodgate gives a Bedrock player.
func FloodgateUUID(xuid uint64) string {
	var u [16]byte
	for i := 15; i >= 8; i-- {
		u[i] = byte(xuid)
		xuid >>= 8
	}
	return FormatUUID(u)
}
