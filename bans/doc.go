// Package bans holds bans: who is banned, why, until when, and the rules
// for matching, changing and lifting them.
//
// Rules (docs/RULES.md "Bans"):
//   - A ban has a reason (internal, required), an optional expiry (none:
//     permanent), one or more identities, and who created, last changed and
//     lifted it, and when. Unban never deletes: the ban stays, removed.
//   - Identities are parsed once, at the edge, into one canonical form
//     (ParseIdentity): customer IDs; names and emails folded (customer.
//     FoldName and NormalizeEmail: NFKC, full case folding, invisible code
//     points removed, an email's trailing domain dot dropped), so
//     look-alikes such as "Ｇａｒｒｙ", "Garry\u034F" or "bob@example.com."
//     match the ban on the plain form; Steam IDs in any form as SteamID64 (STEAM_0 and
//     STEAM_1 are the same account); Minecraft UUIDs lower-case dashed; IPs
//     with IPv4-mapped IPv6 turned into IPv4 and zones dropped; IP ranges as
//     masked CIDR prefixes, an IPv4-mapped IPv6 prefix turned into the IPv4
//     one. An invalid identity is an *errs.InvalidError naming its place,
//     e.g. "identities[2].ip".
//   - Active ⇔ not removed ∧ (no expiry ∨ now < expires at): at the expiry
//     instant the ban is over, with no sweep needed.
//   - A ban matches an identity equal to one of its own, or an IP inside one
//     of its ranges. An IPv6 range matches IPv6 addresses only; a range in a
//     query matches only an equal range.
//
// Choices where the rules are silent:
//   - The actor (who bans, changes or lifts) is required, for the history.
//     The reason may span lines; neither holds another control character
//     (NUL included) or invalid UTF-8 (*errs.InvalidError naming the
//     field), so every backend stores the same text.
//   - An expiry is at most textin.MaxTime, the last microsecond of year
//     9999: every backend and encoding/json hold it.
//   - An expiry must be after now, when creating and when changing: a ban
//     that never applies is a mistake. To end a ban early, unban it. An
//     expired ban may still be changed (a new expiry revives it) or lifted.
//   - A removed ban cannot be changed or lifted again (*RemovedError,
//     matching errs.ErrConflict).
//   - Adding an identity already on the ban, or removing one that is not,
//     does nothing; removing the last one is refused (unban instead).
//     Duplicates in the input are dropped. A ban holds at most
//     MaxIdentities.
//   - A /0 range is refused: it would ban every address.
//   - A customer is known by their ID, name, platform ID (Steam → steam,
//     Minecraft Java → minecraft_uuid, Bedrock → the Floodgate UUID its
//     players have on Java servers) and the IPs and emails seen at their
//     checkouts (IdentitiesOf).
//   - Listing is newest first by ID (ULIDs stamped at creation).
//
// Index is a read-optimised snapshot of bans for game-server plugins. A
// plugin turns a player's identities into Keys once (KeyOf, SteamKey,
// IPKey, …; names and emails are folded then, never at lookup);
// FirstMatch/Banned then answer with one map lookup per key plus, for an
// IP, one binary search among the ranges in use (they nest or are
// disjoint, so they cut the address space into segments), whatever their
// prefix lengths, allocating nothing. Reads take no lock
// while Put/Remove/Prune publish new snapshots; expiry is judged at lookup.
// Prune(now) frees the bans expired at now at the cost of those it drops
// (the index keeps its expiring bans in expiry order), and NextExpiry says
// when to call it next: Client.BanWatch prunes that way as bans expire.
// Client.BanWatch is the way to get an index that stays current: it loads
// one from a store and follows the change feed, putting each changed ban
// in (or taking it out) by itself. Full loads stream bans into a Builder,
// which keeps only each ban's keys and expiry, and build the maps in one
// pass (Builder.Index, or Index.PutAll for an index in use; a Put as large
// as a quarter of the index rebuilds it the same way).
//
// The package is pure: Store is the storage it needs; the root package
// playerbase runs the workflows (a banned customer cannot check out, with a
// *BannedError carrying the ban IDs, but keeps every item).
package bans
