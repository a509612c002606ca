// Package pgtest opens PostgreSQL backends for tests, each on a schema of
// its own that is dropped when the test ends, so tests neither see each
// other's rows nor leave tables behind, and may run in parallel.
//
// The database comes from PLAYERBASE_TEST_POSTGRES (a postgres:// URL; the
// role needs CREATE on the database). Without it a test is skipped, unless
// PLAYERBASE_REQUIRE_POSTGRES is set, in which case it fails: CI sets both
// so it cannot pass by skipping. .ci/pg-setup.sh prepares a local server and
// prints a DSN.
//
// Any test that takes a storage.Backend can run on PostgreSQL too, a rapid
// state machine included (rapid.T qualifies as a TB):
//
//	pb := playerbase.New(pgtest.NewBackend(t), nil)
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/storage/postgres"
)

// Environment variables the package reads.
const (
	EnvDSN     = "PLAYERBASE_TEST_POSTGRES"
	EnvRequire = "PLAYERBASE_REQUIRE_POSTGRES"
)

// TB is the part of testing.TB (and of *rapid.T) the package uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Skip(args ...any)
	Cleanup(func())
}

// DSN returns the test database's DSN, or skips the test (fails it if
// PLAYERBASE_REQUIRE_POSTGRES is set).
func DSN(t TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(EnvRequire + " is set but " + EnvDSN + " is empty")
		}
		t.Skip("set " + EnvDSN + "=postgres://user:password@host:5432/db?sslmode=disable to run the PostgreSQL tests")
	}
	return dsn
}

// NewSchema returns a fresh schema name, and drops that schema when the
// test ends.
func NewSchema(t TB, dsn string) string {
	t.Helper()
	schema := SchemaName()
	t.Cleanup(func() {
		if err := DropSchema(dsn, schema); err != nil {
			t.Fatal(err)
		}
	})
	return schema
}

// SchemaName returns a new random schema name.
func SchemaName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "playerbase_test_" + hex.EncodeToString(b[:])
}

// DropSchema drops schema and everything in it.
func DropSchema(dsn, schema string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	defer func() { _ = conn.Close(ctx) }() // the drop's outcome is what counts
	if _, err := conn.Exec(ctx, "drop schema if exists "+pgx.Identifier{schema}.Sanitize()+" cascade"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	return nil
}

// Open opens a backend on schema and migrates it; the caller closes it.
func Open(dsn, schema string) (*postgres.Backend, error) {
	ctx := context.Background()
	b, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	if err != nil {
		return nil, err
	}
	if err := b.Migrate(ctx); err != nil {
		_ = b.Close() // Migrate's error is the one to report
		return nil, err
	}
	return b, nil
}

// NewBackend returns a migrated backend on a fresh schema, closed and
// dropped when the test ends.
func NewBackend(t TB) *postgres.Backend {
	t.Helper()
	dsn := DSN(t)
	schema := NewSchema(t, dsn)
	b, err := Open(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after NewSchema's cleanup, so it runs first.
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
	return b
}

// Truncate empties every table of b's schema but the migrations' record,
// so one schema can serve many test cases (the iterations of a rapid
// state machine, which would otherwise spend their time on migrations).
func Truncate(t TB, b *postgres.Backend) {
	t.Helper()
	ctx := context.Background()
	rows, err := b.Pool().Query(ctx, `select quote_ident(tablename) from pg_tables
		where schemaname = current_schema() and tablename <> 'playerbase_migrations'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		return
	}
	if _, err := b.Pool().Exec(ctx, "truncate "+strings.Join(tables, ", ")); err != nil {
		t.Fatal(err)
	}
}
