package storage

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/gameserver"
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
	GameServers() gameserver.Store
	Events() events.Store
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

// Claimer is an optional Backend method for transactions that claim queued
// rows, as a game server's poll claims commands (CommandStore.Leasable) and
// its acknowledgement records their results.
type Claimer interface {
	// Claim runs fn like Update, for a function that decides row by row:
	// each write is guarded by the version it read, or by the row lock of
	// a locking read, so other transactions' predicates cannot change its
	// outcome. A backend whose Update is serializable may run it at a
	// weaker isolation where a locking read skips rows other transactions
	// hold instead of aborting one of them (PostgreSQL: READ COMMITTED with
	// FOR UPDATE SKIP LOCKED), so concurrent pollers take disjoint batches
	// and none starves. A stale version still fails the write with an
	// error matching errs.ErrConflict.
	Claim(ctx context.Context, fn func(Tx) error) error
}

// BanChecker is an optional Backend method for the question a game server
// asks on every join, answered outside any transaction in as few round
// trips as the backend can (PostgreSQL: one statement over covering
// indexes).
type BanChecker interface {
	// CheckBans returns the IDs of the bans active at now that match any of
	// ids (canonical, as bans.ParseIdentities returns them), newest first,
	// each once; none is nil.
	CheckBans(ctx context.Context, ids []bans.Identity, now time.Time) ([]bans.ID, error)
}

// BanLoader is an optional Backend method for a full load of the ban index
// (Client.BanWatch): every active ban read in one pass and handed over one
// at a time, so the load holds none of them and pays for no paging
// (PostgreSQL: one statement, its rows streamed).
type BanLoader interface {
	// LoadActiveBans calls fn with every ban active at now, once each, in
	// no particular order, all as of one instant. It stops at fn's first
	// error and returns it.
	LoadActiveBans(ctx context.Context, now time.Time, fn func(bans.Ban) error) error
}

// EventWaiter is an optional Backend method for followers of the feed
// (Client.EventWait, a ban index, the webhook relay). A backend without it
// is polled.
type EventWaiter interface {
	// WaitEvents returns nil once an event with a Seq greater than after
	// may have committed, or ctx's error when ctx ends first. It may return
	// early: the caller reads the feed and waits again if nothing is new.
	WaitEvents(ctx context.Context, after events.Seq) error
}

// EventSubscriber is an optional Backend method for followers that must
// see a change before the call that made it returns (a ban index on the
// memory backend, consulted right after a ban).
type EventSubscriber interface {
	// SubscribeEvents calls fn with each committed transaction's events
	// after the commit and before the Update that committed them returns:
	// each one's Seq, ID, type, time, actor, customer and subject, and its
	// changes only if the store has them at hand (the feed has them).
	// fn may read the backend; it must be safe for concurrent use, since
	// transactions that commit one after the other may call it at the same
	// time and in either order (a follower that re-reads the records it is
	// told about converges anyway). Calling cancel stops the calls.
	SubscribeEvents(fn func([]events.Event)) (cancel func())
}
