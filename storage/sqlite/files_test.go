package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage/sqlite"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// Files Open must refuse, each with a typed error and the file left as it
// was.

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	body := bytes.Repeat([]byte("these are a store owner's notes, not a database\n"), 200)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(context.Background(), path, nil)
	if err == nil {
		closeBackend(t, b)
		t.Fatal("Open of a text file succeeded")
	}
	var fe *sqlite.FileError
	if !errors.As(err, &fe) || !errors.Is(err, sqlite.ErrNotDatabase) || fe.Path != path {
		t.Errorf("Open = %v (%T), want a *FileError matching ErrNotDatabase naming the path", err, err)
	}
	unchanged(t, path, body)
}

func TestOpenInMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := sqlite.Open(context.Background(), filepath.Join(dir, "pb.db"), nil)
	if !errors.Is(err, sqlite.ErrCannotOpen) {
		t.Errorf("Open in a missing directory = %v, want ErrCannotOpen", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory: %v, want it still missing", err)
	}
}

func TestOpenDirectory(t *testing.T) {
	_, err := sqlite.Open(context.Background(), t.TempDir(), nil)
	if !errors.Is(err, sqlite.ErrNotDatabase) {
		t.Errorf("Open of a directory = %v, want ErrNotDatabase", err)
	}
}

// A file this process may not write: chmod for a normal user; root writes
// whatever the mode says, so as root the file is made immutable instead
// (chattr +i), which binds root too.
func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pb.db")
	b, err := sqlitetest.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeBackend(t, b)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("running as root, and chattr +i failed (%v: %s): no way to make a file read-only for root", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
	} else if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	b, err = sqlite.Open(context.Background(), path, nil)
	if err == nil {
		closeBackend(t, b)
		t.Fatal("Open of a read-only file succeeded")
	}
	var fe *sqlite.FileError
	if !errors.As(err, &fe) || !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("Open = %v (%T), want a *FileError matching ErrReadOnly", err, err)
	}
	unchanged(t, path, body)
}

// A file another connection holds an exclusive lock on: Open waits for
// Options.BusyTimeout, then refuses; once the lock is gone it opens.
func TestOpenLocked(t *testing.T) {
	for _, tc := range []struct {
		name string
		wal  bool // the file is a playerbase database, in WAL mode
	}{{"rollback journal", false}, {"WAL", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "pb.db")
			if tc.wal {
				b, err := sqlitetest.Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				closeBackend(t, b)
			}
			other, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = other.Close() })
			conn, err := other.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// locking_mode=exclusive keeps the lock after the write
			// commits, in WAL mode too.
			for _, q := range []string{`pragma locking_mode = exclusive`, `create table if not exists host_notes (x)`, `insert into host_notes values (1)`} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(q, err)
				}
			}
			_, err = sqlite.Open(ctx, path, &sqlite.Options{BusyTimeout: 50 * time.Millisecond})
			var fe *sqlite.FileError
			if !errors.As(err, &fe) || !errors.Is(err, sqlite.ErrLocked) {
				t.Errorf("Open of a locked file = %v (%T), want a *FileError matching ErrLocked", err, err)
			}
			if err := errors.Join(conn.Close(), other.Close()); err != nil {
				t.Fatal(err)
			}
			b, err := sqlitetest.Open(path, nil)
			if err != nil {
				t.Fatalf("Open once the lock is gone: %v", err)
			}
			closeBackend(t, b)
		})
	}
}

// A database a newer playerbase migrated: Open and Migrate refuse it, and
// write nothing.
func TestNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pb.db")
	b, err := sqlitetest.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	const future = 9999
	if _, err := b.DB().ExecContext(ctx, `insert into playerbase_migrations (version, name) values (?1, 'from_the_future')`, future); err != nil {
		t.Fatal(err)
	}
	checkSchemaError := func(what string, err error) {
		t.Helper()
		var se *sqlite.SchemaError
		if !errors.As(err, &se) || se.Found != future || se.Known != lastMigration(t) || !errors.Is(err, errs.ErrConflict) {
			t.Errorf("%s = %v (%T), want a *SchemaError for version %d", what, err, err, future)
		}
	}
	checkSchemaError("Migrate", b.Migrate(ctx))
	closeBackend(t, b)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(ctx, path, nil)
	checkSchemaError("Open", err)
	unchanged(t, path, body)
}

// unchanged fails the test if the file at path no longer holds body.
func unchanged(t *testing.T, path string, body []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("%s changed: %d bytes, was %d", path, len(got), len(body))
	}
}
