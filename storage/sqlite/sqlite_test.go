package sqlite_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/sqlite"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
	"github.com/playerbase/playerbase/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend { return sqlitetest.NewBackend(t) })
}

// The in-memory form, for tests, passes the same suite.
func TestConformanceMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		b, err := sqlitetest.Open(sqlite.Memory, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeBackend(t, b) })
		return b
	})
}

// Migrating an up-to-date database is a no-op, and the version is the
// number of migrations.
func TestMigrateTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pb.db")
	for range 2 {
		b, err := sqlitetest.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := b.Version(ctx)
		if err != nil || v != lastMigration(t) {
			t.Errorf("Version = %d, %v; want %d", v, err, lastMigration(t))
		}
		closeBackend(t, b)
	}
}

func lastMigration(t *testing.T) int {
	t.Helper()
	entries, err := fs.Glob(sqlite.Migrations, "*.sql")
	if err != nil || len(entries) == 0 {
		t.Fatal(entries, err)
	}
	v, err := strconv.Atoi(strings.SplitN(entries[len(entries)-1], "_", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}
