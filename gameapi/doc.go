// Package gameapi serves the game-server API as an http.Handler the host
// mounts: command delivery, join events and join-time ban checks for
// plugins in any language, wire-compatible with PayNow's game-server API
// (paths, JSON field names and types, status codes, the PayNowError body),
// so PayNow's open-source plugins work against it. openapi.yaml (OpenAPI
// 3.1, embedded as OpenAPI) documents every operation; package gameclient
// is the Go client.
//
// Every request authenticates with "Authorization: Gameserver <token>", the
// secret shown once when the store owner created the server
// (playerbase.Client.GameServerCreate); the token alone says which server
// asks, and so which queue (the server's Name) it reads. The handler
// translates: it parses a request, calls one Client method, and renders the
// result; every rule lives in the root package or package gameserver.
//
// Operations (PayNow's):
//
//	POST   /v1/delivery/gameserver/link          record the link; previously_linked when the last was another host
//	GET    /v1/delivery/command-queue            lease due commands (not the online-only ones)
//	POST   /v1/delivery/command-queue            lease due commands, given the online players
//	DELETE /v1/delivery/command-queue            acknowledge [{attempt_id}] as executed → 204
//	POST   /v1/delivery/command-queue/acknowledge the same, for clients that cannot send a DELETE body
//	DELETE /v1/delivery/command-queue/{attemptId} acknowledge one → 204
//	POST   /v1/delivery/events                   player_join records the IP on the customer → 204
//
// Extensions, on the same handler:
//
//	POST   /v1/delivery/command-queue            also takes executed [{attempt_id}] and failed [{attempt_id, error}]:
//	                                             recorded before the queue is read, answered with Playerbase-Results-Recorded
//	POST   /v1/delivery/command-queue/fail       [{attempt_id, error}]: ran and failed → 204
//	POST   /v1/delivery/ban-check                {steam_id, minecraft_uuid, name, ip_address} → {banned, ban_ids, expires_at}
//
// A queue read leases what it returns (playerbase.Client.DeliveryPoll);
// attempt_id is the delivery key, the same on a redelivery after a lapsed
// lease. An acknowledgement means executed (playerbase.Client.DeliveryAck). Unknown, malformed or foreign (another
// server's) attempt IDs change nothing and fail nothing else. The ban check
// never carries a ban's reason, which is internal.
//
// Refusals, in the PayNowError shape with trace_id = the X-Request-Id every
// response carries: a body over Options.MaxBodyBytes → 413; malformed JSON
// or a wrong type → 400 with errors[] naming the path ("$.steam_ids",
// "$[1].player_join.ip_address"); a missing, malformed, unknown or revoked
// token → 401; a disabled server's token → 403; over the per-token rate
// limit → 429 with Retry-After; an unknown route → 404, a method the
// path does not serve → 405 with Allow. A refused request
// changes nothing: a batch is checked whole before anything is recorded.
// Logs (log/slog) carry the request ID and the server's ID, never the
// token.
//
// Where the real clients differ from PayNow's spec (read in
// paynow-gg/minecraft-plugin, PayNowLib and its DTOs, and
// paynow-gg/rust-plugin, PayNow.cs), the handler serves what they do:
//
//   - Both plugins spell the queue URL with a trailing slash
//     ("…/command-queue/") for the POST read and the DELETE
//     acknowledgement: every queue route is also served with the slash.
//   - Both read "update_available" from the link response; the spec spells
//     it "update_avaliable": both are sent, always equal.
//   - The Rust plugin reads gameserver.id and store_id into 64-bit
//     integers (Newtonsoft refuses anything else, and the plugin then never
//     starts polling): id is the record's ID as a 63-bit decimal
//     (gameserver.ID.Flake), store_id Options.StoreID; the record's own
//     "gsv_…" ID goes in an extra playerbase_id, which clients ignore.
//   - The Rust plugin sends the link's ip as "address:port"; it is stored
//     as sent, and ip or hostname changing is what previously_linked
//     reports.
//   - The Rust plugin builds JSON by hand ({"attempt_id": "…"} with a
//     space, {"steam_ids":[]} with nobody online, events with steam_id and
//     a .NET "o" timestamp with 7 fractional digits); all read as JSON.
//   - It builds bodies with Apache's StringEntity(String), which encodes
//     ISO-8859-1 under "Content-Type: application/json": a body that is not
//     valid UTF-8 is read as ISO-8859-1. The Content-Type is not checked at
//     all (the spec also lists text/json and application/*+json).
//   - Gson leaves out null fields: a link without "ip", lists without
//     "steam_ids", an event without "player_join" are all accepted. The
//     spec's LinkGameServerRequestDto requires all four fields; here none is
//     required.
//   - Its player_join carries only ip_address and minecraft_uuid (no
//     steam_id, no minecraft_name) and a timestamp without fractional
//     seconds; both read fine. Unknown event types (the spec's "invalid")
//     are ignored, not refused.
//   - Both treat any status but 200 on a queue read or a link as a
//     failure, and any 2xx on acks and events as success; 401 and 403 on a
//     link mean a bad token to both: the handler answers exactly 200 and
//     204, and 401/403 only for tokens.
//   - The Java plugin reads steam_id of a QueuedCommandDto as a nickname
//     and ignores minecraft_uuid and customer_name; the Rust plugin
//     compares steam_id with its online players. The handler fills them as
//     the spec says (steam_id only for Steam players; minecraft_uuid null
//     otherwise; a Bedrock player's XUID goes out as the Floodgate UUID).
//   - Neither reports a failed command (the Java plugin stays silent and
//     lets the lease lapse; the Rust one cannot see the console's answer
//     and acknowledges everything); the fail extension is for clients that
//     can. Both keep only the last 25 executed attempt IDs in memory, so a
//     restart between running and acknowledging runs a command again: the
//     reason gameclient keeps its journal on disk.
//
// And where this API differs from PayNow's on purpose:
//
//   - attempt_id is playerbase's delivery key ("cmd_" + a ULID), not a
//     numeric flake ID; both plugins keep it as a string, and a numeric
//     attempt_id sent back is accepted (and is unknown).
//   - The spec declares no security scheme for the Gameserver header (only
//     APIKey and Customer); openapi.yaml declares it.
//   - steam_ids and steam_id accept a number as well as a string, as the
//     spec's SteamId says; unknown JSON fields are ignored (the spec says
//     additionalProperties: false), so newer plugins keep working.
//   - customer_names are accepted but match no online-only command: names
//     are not unique, IDs are.
//   - Errors carry status, code, message, trace_id and, for 400s, errors[];
//     the codes are bad-request, unauthorized, forbidden, not-found,
//     method-not-allowed, conflict, payload-too-large, too-many-requests, internal-server-error.
//
// The OpenAPI document is 3.1 with JSON Schema type arrays
// (["string","null"]) for nullable fields, the form kin-openapi v0.153.0
// loads and validates with its JSON Schema 2020-12 mode; the tests check
// every response the handler gives against it.
package gameapi
