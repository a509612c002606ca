package storage

import (
	"context"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// Tx is one transaction's view of every store. Its stores must not be used
// after the function given to View or Update returns.
type Tx interface {
	Customers() customer.Store
	Tokens() customer.TokenStore
	Metadata() metadata.Store
	Orders() orders.Store
	Subscriptions() subscriptions.Store
	Products() inventory.ProductStore
	Items() inventory.ItemStore
	Commands() inventory.CommandStore
	Bans() bans.Store
}

// Backend runs transactions.
type Backend interface {
	// View runs fn in a read-only transaction. A write inside it fails.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits if fn returns
	// nil; otherwise nothing fn wrote is kept and fn's error is returned.
	// A backend may run fn more than once when a serialization conflict
	// forces a retry, so fn must not have effects outside tx.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the backend's resources.
	Close() error
}
