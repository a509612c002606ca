// Package gameserver holds the game servers a store delivers commands to,
// as records: each has a name (the server name products queue commands
// for, inventory.CommandTemplate.Server), an enabled flag, one token, and
// the last link a plugin reported.
//
// Rules:
//   - A server's name is unique per store: two records with one name would
//     share one command queue.
//   - The token secret is shown once, when it is issued (New, RotateToken);
//     only its SHA-256 hash is stored. A secret reads
//     "<server ID>.<43 base64url characters>" (256 random bits), so it
//     alone says which server is asking; it is compared in constant time.
//   - Revoking the token leaves the server without one until it is rotated;
//     rotating replaces the hash at once, so the old secret stops working.
//   - A disabled server's token is valid but refused (ErrDisabled, matching
//     errs.ErrForbidden); an unknown, malformed or revoked one is
//     ErrBadToken, with no hint which.
//   - A link (the plugin saying where it runs) is recorded; Link reports the
//     previous link when it came from another host (IP or hostname), so the
//     plugin can warn that one token is used in two places.
//   - JSON (the json tags) never carries the token hash.
//   - Text a plugin reports (hostname, platform, version) is cleaned before
//     it is stored: invalid UTF-8 replaced, control characters dropped,
//     length capped.
package gameserver
