// Package backend opens the storage an example runs on, named by its -db
// flag: "memory" (the default: nothing kept), a PostgreSQL URL, or a file
// path for SQLite. A database is migrated before use.
package backend

import (
	"context"
	"errors"
	"flag"
	"strings"

	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/sqlite"
)

// Usage is the -db flag's help text.
const Usage = `where to keep the store: "memory" (nothing kept), a SQLite file path, or a postgres:// URL`

// Flag defines the -db flag on the command line's flag set.
func Flag() *string { return flag.String("db", "memory", Usage) }

// Open opens the backend spec names and migrates its schema.
func Open(ctx context.Context, spec string) (storage.Backend, error) {
	switch {
	case spec == "" || spec == "memory":
		return memory.New(), nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		b, err := postgres.Open(ctx, spec, nil)
		if err != nil {
			return nil, err
		}
		if err := b.Migrate(ctx); err != nil {
			return nil, errors.Join(err, b.Close())
		}
		return b, nil
	}
	b, err := sqlite.Open(ctx, spec, nil)
	if err != nil {
		return nil, err
	}
	if err := b.Migrate(ctx); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}
