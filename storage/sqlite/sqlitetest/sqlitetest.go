// Package sqlitetest opens SQLite backends for tests: each on a file of
// its own in the test's temporary directory, migrated, and closed when the
// test ends, so tests neither see each other's rows nor leave files
// behind, and may run in parallel. Unlike PostgreSQL it needs nothing set
// up, so tests never skip.
//
// Any test that takes a storage.Backend can run on SQLite too, a rapid
// state machine included (rapid.T qualifies as a TB):
//
//	pb := playerbase.New(sqlitetest.NewBackend(t), nil)
package sqlitetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"

	"github.com/playerbase/playerbase/storage/sqlite"
)

// TB is the part of testing.TB (and of *rapid.T) the package uses.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// Open opens and migrates the database at path.
func Open(path string, opts *sqlite.Options) (*sqlite.Backend, error) {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if err := b.Migrate(ctx); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

// NewBackend returns a migrated backend on a new file, closed and removed
// when the test ends.
func NewBackend(t TB) *sqlite.Backend {
	t.Helper()
	dir, err := os.MkdirTemp("", "playerbase-sqlite-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	b, err := Open(filepath.Join(dir, fileName()), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after the directory's cleanup, so it runs first.
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func fileName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "playerbase-" + hex.EncodeToString(b[:]) + ".db"
}

// Truncate empties every table of b but the migrations' record, so one
// file can serve many test cases (the iterations of a rapid state
// machine).
func Truncate(t TB, b *sqlite.Backend) {
	t.Helper()
	ctx := context.Background()
	rows, err := b.DB().QueryContext(ctx, `select name from sqlite_schema
		where type = 'table' and name <> 'playerbase_migrations' and name not like 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	tx, err := b.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	// Children before parents: foreign keys are checked per statement.
	if _, err := tx.ExecContext(ctx, `pragma defer_foreign_keys = on`); err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		if _, err := tx.ExecContext(ctx, `delete from "`+name+`"`); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
