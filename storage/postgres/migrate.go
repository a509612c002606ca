package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var embedded embed.FS

// Migrations holds the schema as numbered SQL files ("0001_customers.sql",
// …), each applied once, in order, for a host that runs migrations with its
// own tool. Files are never edited once released; changes come as new
// files.
var Migrations fs.FS = mustSub(embedded, "migrations")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// migration is one numbered file.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads Migrations in version order and checks the numbering:
// each version once. Gaps are allowed: work on parallel branches takes
// numbers apart, and the branches merge in any order.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(Migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration %s: want a name like 0001_name.sql", name)
		}
		body, err := fs.ReadFile(Migrations, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(path.Base(name), ".sql"), sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %s and %s: one version twice", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// Migrate brings the schema up to date: it creates Options.Schema if it is
// missing and applies every migration not yet recorded in the
// playerbase_migrations table, all in one transaction under an advisory
// lock, so nodes that start together apply each migration once and none of
// them sees half a schema. A database already at a newer version is left
// alone.
func (b *Backend) Migrate(ctx context.Context) error {
	if err := checkSchema(b.schema); err != nil {
		return err
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return wrap(err)
	}
	defer conn.Release()
	// READ COMMITTED: after waiting for the lock, each statement sees what
	// the node that held it committed.
	t, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return wrap(err)
	}
	// After Commit this is a no-op; on an early return the error being
	// returned is the one that matters, not the rollback's.
	defer func() { _ = t.Rollback(context.WithoutCancel(ctx)) }()

	schema := b.schema
	if schema == "" {
		if err := t.QueryRow(ctx, "select current_schema()").Scan(&schema); err != nil {
			return fmt.Errorf("postgres: no schema on the search_path to migrate: %w", err)
		}
	}
	if _, err := t.Exec(ctx, "select pg_advisory_xact_lock(hashtextextended($1, 0))", "playerbase.migrate."+schema); err != nil {
		return wrap(err)
	}
	qs := pgx.Identifier{schema}.Sanitize()
	if _, err := t.Exec(ctx, "create schema if not exists "+qs); err != nil {
		return wrap(err)
	}
	if _, err := t.Exec(ctx, `create table if not exists `+qs+`.playerbase_migrations (
		version    integer     primary key,
		name       text        not null,
		applied_at timestamptz not null default now()
	)`); err != nil {
		return wrap(err)
	}
	rows, err := t.Query(ctx, "select version from "+qs+".playerbase_migrations")
	if err != nil {
		return wrap(err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return wrap(err)
	}
	// Migrations name tables without a schema: put ours first for them.
	if _, err := t.Exec(ctx, "select set_config('search_path', $1, true)", qs); err != nil {
		return wrap(err)
	}
	for _, m := range ms {
		// By set, not by the highest version: a migration merged with a
		// lower number than one already applied still runs.
		if slices.Contains(applied, m.version) {
			continue
		}
		if _, err := t.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := t.Exec(ctx, "insert into "+qs+".playerbase_migrations (version, name) values ($1, $2)", m.version, m.name); err != nil {
			return wrap(err)
		}
	}
	// Keys SQL cannot compute: see Refold.
	if err := refold(ctx, t); err != nil {
		return err
	}
	return wrap(t.Commit(ctx))
}

// Version returns the highest migration applied to the schema, 0 if none.
func (b *Backend) Version(ctx context.Context) (int, error) {
	var v int
	err := b.pool.QueryRow(ctx, `select coalesce(max(version), 0) from playerbase_migrations`).Scan(&v)
	return v, wrap(err)
}
