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
// Errors match the sentinels ErrNotFound, ErrConflict, ErrInvalid and
// ErrForbidden with errors.Is; the typed errors in package errs (and the
// domain packages) carry the details for errors.As.
package playerbase
