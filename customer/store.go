package customer

import (
	"context"
	"time"
)

// Store keeps customers. Implementations only store: the caller (the root
// package) validates input and applies the rules above.
type Store interface {
	// Get returns the customer, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id ID) (Customer, error)
	// GetByPlatformID returns the customer with that canonical platform ID,
	// or an error matching errs.ErrNotFound.
	GetByPlatformID(ctx context.Context, pid PlatformID) (Customer, error)
	// Create stores a new customer. It returns an error matching
	// errs.ErrConflict if the ID or the platform ID is taken.
	Create(ctx context.Context, c Customer) error
	// Update replaces the stored customer whose Version equals c.Version and
	// stores c with Version+1. It returns an error matching errs.ErrConflict
	// if the stored version differs or the platform ID is taken by another
	// customer, and errs.ErrNotFound if there is no such customer.
	Update(ctx context.Context, c Customer) error
	// Search returns at most q.Limit customers matching q's one key, by
	// ID, after q.After. Backends index every key (folded name prefix,
	// known email, known IP): the admin search runs on every page view.
	Search(ctx context.Context, q SearchQuery) ([]Customer, error)
}

// TokenStore keeps customer tokens (hashes only).
type TokenStore interface {
	// CreateToken stores a new token.
	CreateToken(ctx context.Context, t Token) error
	// GetToken returns the token, or an error matching errs.ErrNotFound.
	GetToken(ctx context.Context, id TokenID) (Token, error)
	// ListTokens returns the customer's tokens, newest first.
	ListTokens(ctx context.Context, c ID) ([]Token, error)
	// RevokeToken sets RevokedAt to at if the token is not revoked yet. It
	// returns errs.ErrNotFound if the token does not exist.
	RevokeToken(ctx context.Context, id TokenID, at time.Time) error
	// RevokeAllTokens revokes every unrevoked token of the customer and
	// returns how many it revoked.
	RevokeAllTokens(ctx context.Context, c ID, at time.Time) (int, error)
}
