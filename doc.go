// Package playerbase holds everything behind a game-server web store's
// Customer Details Page: customers and their platform IDs, tokens, metadata,
// bans, orders, subscriptions, inventory and the stats a store owner reads.
//
// A host app constructs one Client over a storage backend:
//
//	pb := playerbase.New(memory.New(), nil)
//
// The Client owns argument checks and the workflows that cross domains; the
// domain packages (customer, metadata, …) hold the types and rules, and the
// backends (storage/memory, storage/postgres) only store. Every workflow
// runs in one backend transaction: it happens whole or not at all.
//
// Commerce crosses domains here (see each method for the details):
//   - Order lines and subscriptions name stored inventory products;
//     checkout refuses any other with an error naming the line.
//   - Prices live in the catalog (inventory.Product.Prices): a checkout
//     line names a product and a quantity and is charged the product's
//     price in the order's currency, a subscription its product's price in
//     its currency; a product without one is refused
//     (*inventory.NoPriceError). A checkout carries no price of its own,
//     so what a browser posts cannot change what is charged; only the
//     host's explicit PriceOverride does, and the order line or
//     subscription records that it did (PriceOverridden).
//   - Completing an order (a payment webhook) grants each line's product
//     Quantity times, with the product's stacking and commands, and records
//     the items on the order (orders.Order.Granted); a retried webhook
//     grants nothing more. A grant first records the customer's lapsed,
//     unswept items of the product expired (their on_expire would otherwise
//     run after, and undo, the new item's on_purchase) and reads only the
//     item it may extend, so an order costs O(units), whatever the customer
//     holds; checkout caps the units at orders.MaxUnits.
//   - A subscription's item lasts its billing period: activation grants it
//     until the period end, a renewal extends it to the next one; canceled
//     at the period end it expires then, canceled now it ends now.
//   - A refund or chargeback queues the order's items' on_refund or
//     on_chargeback commands and revokes them by store policy
//     (Config.Reversals, see ReversalPolicy). A refund webhook names the
//     provider's refund reference (OrderRefund): a retried one refunds
//     and reverses nothing more.
//   - CustomerDetails reads the whole Customer Details Page in one read
//     transaction.
//
// Game servers get their commands through Poll and Ack (delivery.go),
// in-process or over the host's own transport, with exactly-once effect: a
// command is leased to one poll at a time (Config.LeaseDuration, default
// 30s) and comes back under the same delivery key only once its lease ran
// out; the plugin remembers the keys it ran, so a crash between running and
// acknowledging does not run a command twice; the first ack wins.
// CommandList, CommandCancel, CommandResend and CommandResendItem are the
// store owner's side.
//
// A game server checks joins against an in-memory bans.Index kept by
// BanWatch, the one way to get an index that stays current: it follows the
// change feed's ban events and reads each changed ban again, so a ban made
// through any Client on the same store reaches it with no host code in
// between — before the call returns on memory, within a second elsewhere —
// and bans leave it as they expire. BanCheck asks the store instead.
//
// Every workflow appends the events of what it changed (package events) in
// its own transaction, so a change and its events commit or vanish
// together, and a refused workflow appends nothing. Each event names its
// actor: the ctx's (WithActor; "system" if none), or the call's own Actor
// param where it has one (BanCreate, ItemAssign, ItemRevoke, …), which
// wins. Time is the expiry sweep's actor (events.ActorExpiry), also when
// a grant finds lapsed items; a refund's or chargeback's revocations are
// the webhook's, their revoked_by says "payment:refund". An actor events
// cannot carry fails every write before it starts (*errs.InvalidError for
// "actor"). A change that changes nothing (a retried webhook, a
// duplicate ack, an edit that keeps the name) is no event, and neither is
// a poll's lease: it is delivery bookkeeping, and the ack that follows is
// the event. A resend is one command.resent event (not also
// command.queued). Metadata's subject is the customer; a product's
// events concern no customer. EventList follows the feed, CustomerHistory
// reads one customer's, newest first.
//
// Every record a host sends on (customers, tokens, orders, subscriptions,
// items, commands, deliveries, bans, stats, Details and the list pages)
// marshals to JSON with snake_case names, [] for empty lists, absent times
// left out and times in UTC, and unmarshals back to an equal record; money
// is {"amount": "9.40", "currency": "EUR"}. docs/json.md describes each
// shape; testdata/json holds one example of each.
//
// Errors match the sentinels ErrNotFound, ErrConflict, ErrInvalid and
// ErrForbidden with errors.Is; the typed errors in package errs (and the
// domain packages) carry the details for errors.As. An HTTP host writes
// any of them with problem.Write: one mapping to statuses and RFC 9457
// bodies for every surface.
package playerbase
