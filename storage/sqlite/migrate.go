package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var embedded embed.FS

// Migrations holds the schema as numbered SQL files ("0001_schema.sql",
// …), each applied once, in order. Files are never edited once released;
// changes come as new files.
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

// loadMigrations reads Migrations in version order and checks the
// numbering: each version once. Gaps are allowed, as in
// storage/postgres: work on parallel branches takes numbers apart.
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
			return nil, fmt.Errorf("sqlite: migration %s: want a name like 0001_name.sql", name)
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
			return nil, fmt.Errorf("sqlite: migrations %s and %s: one version twice", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// known is the set of schema versions this build has, and newest the
// highest.
var known, newest = func() (map[int]bool, int) {
	ms, err := loadMigrations()
	if err != nil {
		panic(err)
	}
	set := make(map[int]bool, len(ms))
	for _, m := range ms {
		set[m.version] = true
	}
	return set, ms[len(ms)-1].version
}()

const createMigrationsTable = `create table if not exists playerbase_migrations (
	version    integer primary key,
	name       text    not null,
	applied_at text    not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) strict`

// querier is what version reads from: a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// applied returns the migrations recorded in the database, in order;
// none if there is no record yet.
func applied(ctx context.Context, q querier) ([]int, error) {
	var n int
	err := q.QueryRowContext(ctx, `select count(*) from sqlite_schema where type = 'table' and name = 'playerbase_migrations'`).Scan(&n)
	if err != nil || n == 0 {
		return nil, err
	}
	var vs []int
	err = q.QueryRowContext(ctx, `select coalesce(json_group_array(version), '[]') from
		(select version from playerbase_migrations order by version)`).Scan(jsonCol{&vs})
	return vs, err
}

// checkVersion refuses a database holding a migration this build does
// not have: a newer build wrote it.
func (b *Backend) checkVersion(ctx context.Context, q querier) error {
	vs, err := applied(ctx, q)
	if err != nil {
		return b.fileError(err)
	}
	for _, v := range vs {
		if !known[v] {
			return &SchemaError{Path: b.path, Found: v, Known: newest}
		}
	}
	return nil
}

// Migrate brings the schema up to date: it applies every migration not
// yet recorded in the playerbase_migrations table, all in one write
// transaction, so a process that crashes or fails halfway leaves the
// schema as it was, and two processes starting together apply each
// migration once (the second waits for the write lock and then finds
// nothing to do). A database already at a newer version than this build
// knows is refused with a *SchemaError and left alone.
func (b *Backend) Migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	t, err := b.writer.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return b.translateTx(err)
	}
	// After Commit this is a no-op; before, it is the failure path, and
	// the error that led there is the one to return.
	defer func() { _ = t.Rollback() }()
	if err := b.checkVersion(ctx, t); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, createMigrationsTable); err != nil {
		return b.wrap(err)
	}
	done, err := applied(ctx, t)
	if err != nil {
		return b.wrap(err)
	}
	for _, m := range ms {
		// By set, not by the highest version: a migration merged with a
		// lower number than one already applied still runs.
		if slices.Contains(done, m.version) {
			continue
		}
		if _, err := t.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
		if _, err := t.ExecContext(ctx, `insert into playerbase_migrations (version, name) values (?1, ?2)`, m.version, m.name); err != nil {
			return b.wrap(err)
		}
	}
	// Keys SQL cannot compute: see refold.
	if err := b.refold(ctx, t); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return b.translateTx(err)
	}
	return nil
}

// Version returns the highest migration applied to the database, 0 if
// none.
func (b *Backend) Version(ctx context.Context) (int, error) {
	vs, err := applied(ctx, b.readers)
	if err != nil {
		return 0, b.wrap(err)
	}
	if len(vs) == 0 {
		return 0, nil
	}
	return vs[len(vs)-1], nil
}
