package bans

import (
	"context"
	"github.com/playerbase/playerbase/errs"
	"time"
)

// State filters a listing by what a ban is at ListParams.Now.
type State string

// The states a listing may ask for.
const (
	StateAny     State = ""        // every ban
	StateActive  State = "active"  // not removed, not expired at Now
	StateExpired State = "expired" // not removed, expired at Now
	StateRemoved State = "removed" // lifted
)

// ListParams selects bans for List.
type ListParams struct {
	// Type, if set, keeps bans holding an identity of that type; with Value,
	// one equal to Identity{Type, Value} (a canonical value).
	Type  IdentityType
	Value string
	State State
	Now   time.Time // the instant State is judged at
	// Cursor, if set, keeps bans whose ID sorts before it: the last ID of
	// the previous page.
	Cursor ID
	Limit  int // at most this many; ≤ 0 means no limit
}

// Store keeps bans. Implementations only store: the caller validates input
// and applies the rules of this package. Every ban read is a copy.
type Store interface {
	// Create stores a new ban. It returns an error matching errs.ErrConflict
	// if the ID is taken.
	Create(ctx context.Context, b Ban) error
	// Get returns the ban, removed or not, or an error matching
	// errs.ErrNotFound.
	Get(ctx context.Context, id ID) (Ban, error)
	// Update replaces the stored ban with the same ID, or returns an error
	// matching errs.ErrNotFound.
	Update(ctx context.Context, b Ban) error
	// List returns the bans p selects, newest first (by ID descending: IDs
	// are ULIDs stamped at creation).
	List(ctx context.Context, p ListParams) ([]Ban, error)
	// Matching returns every ban not removed that holds an identity equal to
	// one of ids, or an ip_range containing one of the ip identities, newest
	// first, each once. It does not look at expiry: the caller judges
	// Active(now). ids are canonical.
	Matching(ctx context.Context, ids []Identity) ([]Ban, error)
}

// ParseState checks a listing state ("" means every ban).
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case StateAny, StateActive, StateExpired, StateRemoved:
		return st, nil
	}
	return "", errs.Invalid("state", s, "want active, expired, removed or nothing")
}
