package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/sqlite"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// Another process (here another connection) holding the write lock past
// the busy timeout: Update fails with a typed conflict naming the
// database, never SQLITE_BUSY; View reads its snapshot meanwhile; once the
// lock is gone, Update works.
func TestBusyIsAConflict(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pb.db")
	b, err := sqlitetest.Open(path, &sqlite.Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer closeBackend(t, b)
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `begin immediate`); err != nil {
		t.Fatal(err)
	}
	create := func() error {
		c := customer.Customer{ID: customer.NewID(time.Now()), Name: "P", PlatformID: customer.MustPlatformID(customer.Steam, "[U:1:5]"),
			FirstSeen: time.Now().UTC().Truncate(time.Microsecond), Updated: time.Now().UTC().Truncate(time.Microsecond)}
		return b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
	}
	err = create()
	var ce *errs.ConflictError
	if !errors.As(err, &ce) || ce.Entity != "database" || ce.Key != path {
		t.Errorf("Update under another writer's lock = %v (%T), want a conflict naming the database", err, err)
	}
	if err := b.View(ctx, func(tx storage.Tx) error {
		_, err := tx.Customers().GetByPlatformID(ctx, customer.MustPlatformID(customer.Steam, "[U:1:5]"))
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("GetByPlatformID = %v, want not found", err)
		}
		return nil
	}); err != nil {
		t.Errorf("View under another writer's lock: %v", err)
	}
	if _, err := lock.ExecContext(ctx, `rollback`); err != nil {
		t.Fatal(err)
	}
	if err := create(); err != nil {
		t.Errorf("Update once the lock is gone: %v", err)
	}
}

// An Update waiting for the writer connection past the busy timeout, while
// another Update keeps it, fails with a typed conflict too.
func TestWriterWaitIsBounded(t *testing.T) {
	ctx := context.Background()
	b, err := sqlitetest.Open(filepath.Join(t.TempDir(), "pb.db"), &sqlite.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer closeBackend(t, b)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.Update(ctx, func(storage.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	err = b.Update(ctx, func(storage.Tx) error { return nil })
	close(release)
	if !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Update while another holds the writer = %v, want ErrConflict", err)
	}
	if err := <-done; err != nil {
		t.Errorf("the holding Update: %v", err)
	}
}
