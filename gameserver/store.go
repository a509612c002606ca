package gameserver

import "context"

// Store keeps game servers. Implementations only store: the caller (the
// root package) applies the rules.
type Store interface {
	// Create stores a new server. It returns an error matching
	// errs.ErrConflict if the ID or the name is taken.
	Create(ctx context.Context, s Server) error
	// Get returns the server, or an error matching errs.ErrNotFound.
	Get(ctx context.Context, id ID) (Server, error)
	// List returns every server, by name.
	List(ctx context.Context) ([]Server, error)
	// Update replaces the stored server whose Version equals s.Version and
	// stores s with Version+1. It returns an error matching
	// errs.ErrConflict if the stored version differs or the name is taken
	// by another server, and errs.ErrNotFound if there is no such server.
	Update(ctx context.Context, s Server) error
}
