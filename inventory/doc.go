// Package inventory holds what customers own: products ("packages"), the
// items granted from them, and the game-server commands each item queues.
//
// Rules (docs/RULES.md "Inventory"):
//   - A Product has a name, an optional Duration (nil: its items never
//     expire), an on-expiry action (none, or run its on_expire commands),
//     command templates per stage (on_purchase, on_expire, on_renew,
//     on_refund, on_chargeback) with a target game server and an online-only
//     flag, and a stacking policy. CheckProduct refuses an unknown template
//     variable when the product is saved, never at delivery. OnExpiry is
//     "commands" exactly when the product has on_expire commands.
//   - Prices: a product has at most one price per currency it is sold in
//     (Prices, kept sorted by currency code), each a CheckPrice price: not
//     negative and a whole number of the currency's minor unit (no 0.005
//     USD, no 0.4 JPY). A product with no price in a currency is not sold
//     in it: a purchase in that currency is a *NoPriceError, even one whose
//     price the host overrides (an override reprices a sale; it does not
//     put on sale what the catalog does not sell). A product with no
//     prices at all is only ever assigned by hand.
//   - Templates: a "{" followed by a letter or "_", then letters, digits or
//     "_", then "}" is a variable reference and must name one of Variables
//     (lower case). Anything else is literal, so Minecraft NBT and JSON
//     braces ({Unbreakable:1b}) pass through. Render runs once, when a
//     command is queued; control characters, quotes, backslashes and
//     semicolons are dropped from values, so a value (a player's display
//     name) can neither add a line nor break out of the template's quotes
//     or chain a command. Spaces stay: outside quotes, a name or product
//     name with a space is two arguments, so templates quote {name} and
//     {product} (every other variable holds no space). A variable the
//     customer has no value for (steam_id of a Minecraft player) renders
//     empty.
//   - An Item's State is a function of time: an item recorded active whose
//     ExpiresAt has passed reads expired from that instant on (StateAt),
//     before any sweep. Expire records it; the caller queues on_expire
//     commands in the same transaction, so they run exactly once.
//   - Revoke only an active item, and only if it expires or its product has
//     an on-expiry action (revoking a permanent item with nothing to run
//     would change nothing in game). An expired or already revoked item, or
//     a permanent one without an action: *RevokeError saying why. Revoking
//     runs the on-expiry action (queues on_expire commands).
//   - Grant: a grant from a subscription extends the item that subscription
//     granted while it is active (a renewal continues the same item). Other
//     grants of a timed product with Stacking "extend" extend the customer's
//     active item with the latest expiry by the product's Duration, counted
//     from its current expiry, but never an item a subscription granted (its
//     expiry follows the billing period; bought time gets an item of its
//     own); otherwise a new item is added. Permanent
//     products always add a new item. An expiry past textin.MaxTime (year
//     9999, which every backend and JSON hold) refuses the grant: a
//     product's Duration is at most 1000 units, so only stacking reaches
//     it, and a product cannot be refused for it when saved. A new item queues on_purchase commands,
//     an extension on_renew: the player already has the item in game, only
//     its time moved.
//   - A Duration is a period.Period (the calendar length subscriptions
//     bill by too) of 1 to MaxPeriodCount hours, days, weeks, months or
//     years (CheckDuration): adding months clamps to the month's last day
//     (Jan 31 + 1 month = Feb 28 or 29), and stacking counts from the
//     clamped date.
//   - Discord link: a snowflake in canonical decimal (17–20 digits, no
//     leading zero, fits uint64) whose timestamp is after the Discord epoch
//     (2015-01-01) and not later than now plus SnowflakeSkew: a mistyped
//     extra digit multiplies the timestamp by ten, years into the future.
//   - Commands: one record per rendered command, its ID the stable delivery
//     key a game server de-duplicates on. Status: pending → leased (Lease;
//     Attempts counts leases) → executed | failed (Ack, ExecutedAt is the
//     acknowledged time, failed keeps the error text, cleaned as all text
//     from game servers is: invalid UTF-8 replaced with U+FFFD, control
//     characters but newlines and tabs dropped, cut to MaxErrorLen bytes);
//     leased → pending when the lease expires (ExpireLease; a lapsed lease
//     reads pending and may be leased again directly); pending → canceled
//     (Cancel; a leased command may be running, so it is not). Ack: the
//     first result wins and a repeated ack changes nothing; a command leased
//     at least once takes a result under any lease, current or lapsed, and
//     even after a cancel that followed a lapsed lease (the server did run
//     it; the record says what happened in game); a command never leased
//     cannot have run and refuses. executed, failed and canceled are
//     otherwise final: Resend makes a new pending command, with a new key,
//     that points at the old one (ResendOf), so history is kept; OpenResend
//     refuses a second resend before the first ran, and ResendAll picks the
//     latest attempt of each command that has a result (canceled ones were
//     withdrawn on purpose).
//   - Delivery: LeaseQuery.Leasable is the rule a poll follows — the
//     server's pending commands and those whose lease ran out, online-only
//     ones only while Command.Player is online, oldest first. Players are
//     matched in canonical form (CanonicalPlayer: SteamID64, lower-case
//     dashed Java UUID, decimal Bedrock XUID), whatever form the server
//     reports; Player is recorded when the command is queued. An ack for a
//     command queued for another server is a *WrongServerError.
//
// The package is pure: ProductStore, ItemStore and CommandStore are the
// storage it needs; the root package playerbase runs the workflows.
package inventory
