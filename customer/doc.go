// Package customer holds a store's customers, their platform IDs and their
// tokens.
//
// Rules (docs/RULES.md "Customers"):
//   - Platform IDs are parsed from every common form and kept in one
//     canonical form (ParsePlatformID): SteamID64 for Steam (from SteamID64,
//     STEAM_X:Y:Z with X 0 or 1, [U:1:W], or a profile link; individual
//     accounts only, instance normalised to 1); a lower-case dashed UUID for
//     Minecraft Java (offline-mode version-3 UUIDs are kept and reported by
//     PlatformID.Offline); a decimal XUID for Minecraft Bedrock (from the
//     number or its Floodgate UUID).
//   - Minecraft Java names are 3–16 of [A-Za-z0-9_]; other names are 1–32
//     printable characters, at least one of them visible. Names are shown
//     as entered and compared folded (FoldName: NFKC, full case folding,
//     invisible code points removed), so "Ｇａｒｒｙ" and "Garry\u3164"
//     compare equal to "Garry" (docs/RULES.md "Text, numbers and times from outside").
//   - (Platform, platform ID) is unique per store. FirstSeen is set once by
//     Identify. Edits carry the Version the caller read; a stale one is a
//     conflict.
//   - KnownIPs and KnownEmails (seen at checkout, for the ban banner) are
//     normalised sets of at most MaxKnown entries each; emails are kept
//     folded like names, with no trailing dot on the domain
//     (NormalizeEmail).
//   - Tokens: the secret (256 bits from crypto/rand) is returned once; only
//     its SHA-256 hash is stored and it is compared in constant time. A
//     revoked or expired token is refused at once. A token's JSON never
//     carries the hash. A label is one line without control characters;
//     an expiry is at most textin.MaxTime (year 9999).
//
// The package is pure: Store and TokenStore are the storage it needs; the
// root package playerbase runs the workflows.
package customer
