package subscriptions

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
)

// ListParams selects one page of a customer's subscriptions.
type ListParams struct {
	Customer customer.ID
	// Statuses keeps only subscriptions whose StatusAt(Now) is one of these;
	// empty keeps all.
	Statuses []Status
	Now      time.Time
	// Cursor is the ID of the last subscription of the previous page; the
	// page holds older ones only. "" starts at the newest.
	Cursor ID
	// Limit bounds the page; 0 or less means no bound.
	Limit int
}

// Store keeps subscriptions as last written; callers read them through
// Subscription.At. Implementations only store: the caller validates input
// and applies the transitions.
type Store interface {
	// Create stores a new subscription. It returns an error matching
	// errs.ErrConflict if the ID is taken.
	Create(ctx context.Context, s Subscription) error
	// Get returns the subscription, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id ID) (Subscription, error)
	// Update replaces the stored subscription whose Version equals
	// s.Version and stores s with Version+1. It returns an error matching
	// errs.ErrNotFound if there is no such subscription, and
	// errs.ErrConflict if the stored version differs or s.Customer is not
	// the stored customer.
	Update(ctx context.Context, s Subscription) error
	// List returns the customer's subscriptions matching p, newest
	// (highest ID) first.
	List(ctx context.Context, p ListParams) ([]Subscription, error)
	// Active returns every subscription of the customer whose StatusAt(now)
	// is active, newest first: what MRR is computed from.
	Active(ctx context.Context, c customer.ID, now time.Time) ([]Subscription, error)
}
