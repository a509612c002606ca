package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/playerbase/playerbase/errs"
)

// Sentinels a *FileError matches: why Open refused a file.
var (
	// ErrNotDatabase: the file is not an SQLite database (or is damaged
	// beyond reading its header).
	ErrNotDatabase = errors.New("not an SQLite database")
	// ErrReadOnly: this process may not write the file (or its directory,
	// where SQLite keeps the WAL beside it).
	ErrReadOnly = errors.New("read-only")
	// ErrLocked: another connection or process kept the file locked past
	// Options.BusyTimeout.
	ErrLocked = errors.New("locked by another connection")
	// ErrCannotOpen: there is no such file and it cannot be created (its
	// directory is missing, say).
	ErrCannotOpen = errors.New("cannot open or create the file")
)

// FileError says why Open refused the file at Path. It matches one of
// ErrNotDatabase, ErrReadOnly, ErrLocked and ErrCannotOpen.
type FileError struct {
	Path   string
	Err    error  // ErrNotDatabase, ErrReadOnly, ErrLocked or ErrCannotOpen
	Detail string // what the driver said
}

func (e *FileError) Error() string {
	return fmt.Sprintf("sqlite: %s: %v (%s)", e.Path, e.Err, e.Detail)
}

// Unwrap returns the sentinel.
func (e *FileError) Unwrap() error { return e.Err }

// SchemaError is returned by Open and Migrate for a database whose schema
// a newer playerbase wrote: this build would misread it, so it leaves it
// alone. It matches errs.ErrConflict.
type SchemaError struct {
	Path  string
	Found int // a schema version recorded in the database
	Known int // the newest version this build knows
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("sqlite: %s: schema version %d is unknown to this build (newest %d): a newer playerbase wrote it",
		e.Path, e.Found, e.Known)
}

// Is reports errs.ErrConflict.
func (e *SchemaError) Is(target error) bool { return target == errs.ErrConflict }

// code returns the SQLite result code (extended) of err, or 0.
func code(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// busy reports whether err is SQLite telling a caller to wait: a lock
// another connection holds (SQLITE_BUSY, SQLITE_LOCKED and their extended
// codes).
func busy(err error) bool {
	c := code(err) & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// wrap marks an error as the driver's, keeping its chain; a lock still
// held past the busy timeout becomes a conflict, so SQLITE_BUSY never
// reaches a caller as such.
func (b *Backend) wrap(err error) error {
	if err == nil {
		return nil
	}
	if busy(err) {
		return b.busyConflict(err.Error())
	}
	return fmt.Errorf("sqlite: %w", err)
}

// translateTx is wrap for BEGIN and COMMIT.
func (b *Backend) translateTx(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return b.wrap(err)
}

// fileError names why a file could not be opened.
func (b *Backend) fileError(err error) error {
	detail := err.Error()
	switch c := code(err); {
	case c&0xff == sqlite3.SQLITE_NOTADB:
		return &FileError{Path: b.path, Err: ErrNotDatabase, Detail: detail}
	case c&0xff == sqlite3.SQLITE_READONLY, c&0xff == sqlite3.SQLITE_PERM:
		return &FileError{Path: b.path, Err: ErrReadOnly, Detail: detail}
	case c&0xff == sqlite3.SQLITE_CANTOPEN:
		return &FileError{Path: b.path, Err: ErrCannotOpen, Detail: detail}
	case busy(err):
		return &FileError{Path: b.path, Err: ErrLocked, Detail: detail}
	}
	return fmt.Errorf("sqlite: %s: %w", b.path, err)
}

// parent names a row a write refers to: if SQLite reports a foreign key
// violation, the first parent that does not exist is the one missing.
type parent struct {
	entity, table, id string
}

// translate turns a driver error about entity key into the domain's: no
// rows → errs.NotFound, a unique violation → errs.Conflict naming what was
// taken, a missing parent row (foreign key) → errs.NotFound of the
// parent, a check or NOT NULL violation → errs.Invalid. Anything else is
// wrapped. SQLite does not say which foreign key failed, so the parents
// the statement names are looked up.
func (t *tx) translate(ctx context.Context, err error, entity, key string, parents ...parent) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFound(entity, key)
	}
	switch code(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := err.Error()
		for cols, r := range uniqueReasons {
			if strings.Contains(msg, cols) {
				return errs.Conflict(r.entity, key, r.reason)
			}
		}
		return errs.Conflict(entity, key, "already exists ("+msg+")")
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		for _, p := range parents {
			var one int
			qerr := t.tx.QueryRowContext(ctx, `select 1 from `+p.table+` where id = ?1`, p.id).Scan(&one)
			if errors.Is(qerr, sql.ErrNoRows) {
				return errs.NotFound(p.entity, p.id)
			}
		}
		return errs.NotFound("referenced row", key)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return errs.Invalid(entity, key, "refused by the database ("+err.Error()+")")
	}
	return t.b.wrap(err)
}

// uniqueReasons names, per unique index (as SQLite's message lists its
// columns), what a violation means to a user.
var uniqueReasons = map[string]struct{ entity, reason string }{
	"customers.platform, customers.platform_id": {"customer", "platform ID already belongs to a customer"},
	"customers.id":       {"customer", "ID already exists"},
	"customer_tokens.id": {"token", "ID already exists"},
	"bans.id":            {"ban", "ID already exists"},
	"products.id":        {"product", "ID already exists"},
	"items.id":           {"item", "ID already exists"},
	"commands.id":        {"command", "ID already exists"},
	"orders.payment_ref": {"order", "payment reference already belongs to an order"},
	"orders.id":          {"order", "ID already exists"},
	"subscriptions.id":   {"subscription", "ID already exists"},
}

// sqliteConstraintUnique is SQLite's extended code for a unique index
// refusing a row.
const sqliteConstraintUnique = sqlite3.SQLITE_CONSTRAINT_UNIQUE
