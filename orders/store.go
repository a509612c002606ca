package orders

import (
	"context"

	"github.com/playerbase/playerbase/customer"
)

// ListParams selects one page of a customer's orders.
type ListParams struct {
	Customer customer.ID
	// Statuses keeps only orders in one of these statuses; empty keeps all.
	Statuses []Status
	// Cursor is the ID of the last order of the previous page; the page
	// holds older orders only. "" starts at the newest.
	Cursor ID
	// Limit bounds the page; 0 or less means no bound.
	Limit int
}

// Store keeps orders. Implementations only store: the caller validates
// input and applies the transitions.
type Store interface {
	// Create stores a new order. It returns an error matching
	// errs.ErrConflict if the ID is taken or the order has a payment
	// reference another order has.
	Create(ctx context.Context, o Order) error
	// Get returns the order, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id ID) (Order, error)
	// GetByPaymentRef returns the order with that payment reference, or an
	// error matching errs.ErrNotFound ("" finds nothing).
	GetByPaymentRef(ctx context.Context, ref string) (Order, error)
	// Update replaces the stored order whose Version equals o.Version and
	// stores o with Version+1. It returns an error matching
	// errs.ErrNotFound if there is no such order, and errs.ErrConflict if
	// the stored version differs, the payment reference belongs to another
	// order, or o.Customer is not the stored customer (an order never
	// moves).
	Update(ctx context.Context, o Order) error
	// List returns the customer's orders matching p, newest (highest ID)
	// first.
	List(ctx context.Context, p ListParams) ([]Order, error)
	// Summary returns Summarize over all the customer's orders (an empty
	// Summary for a customer without any).
	Summary(ctx context.Context, c customer.ID) (Summary, error)
}
