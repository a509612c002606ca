package inventory

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
)

// ProductStore keeps products. Implementations only store: the caller (the
// root package) validates with CheckProduct first.
type ProductStore interface {
	// Create stores a new product. It returns an error matching
	// errs.ErrConflict if the ID is taken.
	Create(ctx context.Context, p Product) error
	// Get returns the product, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id ProductID) (Product, error)
	// Update replaces the stored product whose Version equals p.Version and
	// stores p with Version+1. It returns an error matching
	// errs.ErrConflict if the stored version differs and errs.ErrNotFound
	// if there is no such product.
	Update(ctx context.Context, p Product) error
	// List returns every product, oldest first.
	List(ctx context.Context) ([]Product, error)
}

// ItemQuery selects a page of one customer's items.
type ItemQuery struct {
	Customer customer.ID
	// State, if set, keeps items whose state at Now (Item.StateAt) is
	// State: an item recorded active but past its expiry counts as expired.
	State State
	Now   time.Time
	// Before, if set, keeps items whose ID sorts before it: the next page
	// after an item.
	Before ItemID
	// Limit caps the page; it is at least 1.
	Limit int
}

// ItemStore keeps items.
type ItemStore interface {
	// Create stores a new item. It returns an error matching
	// errs.ErrConflict if the ID is taken.
	Create(ctx context.Context, it Item) error
	// Get returns the item (with its recorded State), or an error matching
	// errs.ErrNotFound.
	Get(ctx context.Context, id ItemID) (Item, error)
	// Update replaces the stored item whose Version equals it.Version and
	// stores it with Version+1. It returns an error matching
	// errs.ErrConflict if the stored version differs and errs.ErrNotFound
	// if there is no such item. Customer and ProductID never change.
	Update(ctx context.Context, it Item) error
	// ListByCustomer returns the items q selects, newest (highest ID)
	// first, at most q.Limit.
	ListByCustomer(ctx context.Context, q ItemQuery) ([]Item, error)
	// Lapsed returns the customer's items of the product recorded Active
	// whose ExpiresAt is at or before now (lapsed, not swept yet), oldest
	// (lowest ID) first; none is not an error. It reads an index by
	// customer, product and expiry: a grant calls it for every unit bought,
	// so it must cost the same whatever else the customer holds.
	Lapsed(ctx context.Context, c customer.ID, p ProductID, now time.Time) ([]Item, error)
	// Extendable returns the item a purchase of the product extends (see
	// Grant): of the customer's items of the product recorded Active whose
	// ExpiresAt is after now and whose Source is not a subscription, the
	// one with the latest ExpiresAt, the oldest (lowest ID) of those that
	// share it; ok is false if there is none. It reads that one item from
	// the same index as Lapsed.
	Extendable(ctx context.Context, c customer.ID, p ProductID, now time.Time) (it Item, ok bool, err error)
	// DueForExpiry returns up to limit items recorded Active whose
	// ExpiresAt is at or before now, earliest expiry first.
	DueForExpiry(ctx context.Context, now time.Time, limit int) ([]Item, error)
	// ListBySource returns the items src granted, whatever their state,
	// oldest (lowest ID) first: for an order source the items whose Source
	// names that order, for a subscription source those naming that
	// subscription (src.Actor is not compared). None is not an error. A
	// manual source, or one without its ID, is an error matching
	// errs.ErrInvalid: it would name every hand-assigned item.
	ListBySource(ctx context.Context, src Source) ([]Item, error)
}

// CommandStore keeps command records.
type CommandStore interface {
	// Create stores a new command. It returns an error matching
	// errs.ErrConflict if the ID is taken.
	Create(ctx context.Context, c Command) error
	// Get returns the command, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id CommandID) (Command, error)
	// Update replaces the stored command whose Version equals c.Version and
	// stores c with Version+1. It returns an error matching
	// errs.ErrConflict if the stored version differs and errs.ErrNotFound
	// if there is no such command.
	Update(ctx context.Context, c Command) error
	// GetMany returns the stored commands among ids, in ID order, each
	// once; IDs it does not know are left out (none is not an error). It
	// is Get for a batch, as a game server's ack reads one, in one call.
	GetMany(ctx context.Context, ids []CommandID) ([]Command, error)
	// UpdateMany is Update for a batch of distinct commands, in one call:
	// each command whose stored Version equals its Version (and whose
	// ItemID is the stored one) is stored with Version+1. The others are
	// left as they are and their IDs returned, in the order of cs: stale,
	// gone or moved to another item; Update, or a Get, tells which. The
	// error is for a storage failure, a write in View, or an ID twice.
	UpdateMany(ctx context.Context, cs []Command) (unchanged []CommandID, err error)
	// ListByItem returns the item's commands in the order they were
	// queued (ID order); none is not an error.
	ListByItem(ctx context.Context, item ItemID) ([]Command, error)
	// Leasable returns up to q.Limit commands q.Leasable accepts: queued
	// for q.Server, pending or leased under a lease that ran out at q.Now,
	// online-only ones only if their Player is in q.Players; oldest (lowest
	// ID) first. None is not an error. It reads an index of the server's
	// open commands, never every command.
	//
	// It is a locking read, for Update (or storage.Claimer's Claim): a
	// backend with row locks locks the commands it returns until the
	// transaction ends and skips, without waiting, commands another
	// transaction has locked (FOR UPDATE SKIP LOCKED), so concurrent polls
	// of one server get disjoint batches; the caller leases them with
	// Command.Lease and UpdateMany (or Update). Inside View it fails.
	Leasable(ctx context.Context, q LeaseQuery) ([]Command, error)
}
