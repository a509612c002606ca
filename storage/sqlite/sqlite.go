package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// Memory, given to Open as the path, asks for a database that nothing
// keeps, for tests: a file of its own in a new temporary directory,
// written without syncing and removed when the Backend closes. (SQLite's
// own ":memory:" databases live on one connection, so a reader there would
// wait for every writer instead of reading its snapshot.)
const Memory = ":memory:"

// Options tunes Open. A nil *Options, and every zero field, means the
// default.
type Options struct {
	// BusyTimeout bounds how long a call waits for the database when
	// another connection or process holds the lock it needs (and how long
	// an Update waits for the one writer connection); past it the call
	// fails with an error matching errs.ErrConflict. Default 5s.
	BusyTimeout time.Duration
	// Readers is the size of the pool of read-only connections that View
	// and CheckBans use. Default: GOMAXPROCS, at least 2.
	Readers int
}

// Backend is a storage.Backend over one SQLite file: one writer
// connection, through which every Update runs in turn, and a pool of
// readers. It is safe for concurrent use.
type Backend struct {
	path    string
	writer  *sql.DB
	readers *sql.DB
	busy    time.Duration
	tempDir string // Memory's, removed by Close
	check   preparedCheck
	// appended wakes this process's feed followers after a commit that
	// appended events (WaitEvents).
	appended wake
}

var (
	_ storage.Backend     = (*Backend)(nil)
	_ storage.Claimer     = (*Backend)(nil)
	_ storage.BanChecker  = (*Backend)(nil)
	_ storage.EventWaiter = (*Backend)(nil)
)

const defaultBusyTimeout = 5 * time.Second

// dsn is the driver's name for path: a file: URI whose query sets the
// pragmas every connection needs. _txlock=immediate makes a read-write
// transaction start with BEGIN IMMEDIATE, so it holds the write lock
// from its first statement and never has to upgrade a read lock, which
// SQLite can only refuse (SQLITE_BUSY) rather than wait for.
func dsn(path string, busy time.Duration, readOnly, durable bool) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	sync := "off"
	if durable {
		sync = "full"
	}
	q := "_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")&_txlock=immediate"
	if readOnly {
		q += "&_pragma=query_only(1)"
	}
	return "file:" + escaped + "?" + q
}

// Open opens the SQLite database at path, creating an empty file if there
// is none, and puts it in WAL mode (readers never wait for the writer, and
// a commit survives a crash of the process once Update returns). It does
// not change the schema: call Migrate. A path that is not an SQLite
// database, a file this process may not write, a file another process
// keeps locked past Options.BusyTimeout, or a database whose schema a
// newer playerbase wrote fails with a *FileError or a *SchemaError, and
// the file is left as it was.
func Open(ctx context.Context, path string, opts *Options) (*Backend, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = defaultBusyTimeout
	}
	if o.Readers <= 0 {
		o.Readers = max(runtime.GOMAXPROCS(0), 2)
	}
	if path == "" {
		return nil, errs.Invalid("sqlite path", path, "name a file, or sqlite.Memory")
	}
	b := &Backend{path: path, busy: o.BusyTimeout}
	file, durable := path, true
	if path == Memory {
		dir, err := os.MkdirTemp("", "playerbase-sqlite-")
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		b.tempDir, file, durable = dir, filepath.Join(dir, "memory.db"), false
	} else if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, &FileError{Path: path, Err: ErrNotDatabase, Detail: "a directory"}
	}
	w, err := sql.Open("sqlite", dsn(file, o.BusyTimeout, false, durable))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: %w", err), b.removeTemp())
	}
	// One writer: SQLite lets one transaction write at a time, and
	// queueing here, in order, is cheaper than queueing on the file lock.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	b.writer = w
	if err := b.prepare(ctx); err != nil {
		// The refusal is what the caller needs; a failure to clean up
		// after it rides along.
		return nil, errors.Join(err, w.Close(), b.removeTemp())
	}
	r, err := sql.Open("sqlite", dsn(file, o.BusyTimeout, true, durable))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: %w", err), w.Close(), b.removeTemp())
	}
	r.SetMaxOpenConns(o.Readers)
	r.SetMaxIdleConns(o.Readers)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	b.readers = r
	return b, nil
}

// prepare checks the file before anything is written to it: it must read
// as an SQLite database (an empty file does), be writable, and hold no
// schema newer than this build knows. Only then does it switch to WAL.
func (b *Backend) prepare(ctx context.Context) error {
	var tables int
	if err := b.writer.QueryRowContext(ctx, `select count(*) from sqlite_schema`).Scan(&tables); err != nil {
		return b.fileError(err)
	}
	if err := b.checkVersion(ctx, b.writer); err != nil {
		return err
	}
	// SQLite opens a file it may not write read-only, without a word;
	// it says so when asked.
	conn, err := b.writer.Conn(ctx)
	if err != nil {
		return b.fileError(err)
	}
	var readOnly bool
	err = conn.Raw(func(c any) error {
		ro, ok := c.(interface{ IsReadOnly(string) (bool, error) })
		if !ok {
			return fmt.Errorf("sqlite: the driver's connection (%T) cannot say whether it is read-only", c)
		}
		var err error
		readOnly, err = ro.IsReadOnly("main")
		return err
	})
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return b.fileError(err)
	}
	if readOnly {
		return &FileError{Path: b.path, Err: ErrReadOnly, Detail: "SQLite opened it read-only"}
	}
	// BEGIN IMMEDIATE takes the write lock without writing: a locked file
	// makes it wait and then refuse.
	t, err := b.writer.BeginTx(ctx, nil)
	if err != nil {
		return b.fileError(err)
	}
	if err := t.Rollback(); err != nil {
		return b.fileError(err)
	}
	var mode string
	if err := b.writer.QueryRowContext(ctx, `pragma journal_mode = wal`).Scan(&mode); err != nil {
		return b.fileError(err)
	}
	if !strings.EqualFold(mode, "wal") {
		return &FileError{Path: b.path, Err: ErrReadOnly, Detail: "cannot switch to WAL (journal mode " + mode + ")"}
	}
	return nil
}

// removeTemp removes Memory's directory after a failed Open.
func (b *Backend) removeTemp() error {
	if b.tempDir == "" {
		return nil
	}
	return os.RemoveAll(b.tempDir)
}

// Path returns the path Open was given.
func (b *Backend) Path() string { return b.path }

// DB returns the writer's handle, for a host's own statements: it is the
// one connection every Update queues for, so keep its use short.
func (b *Backend) DB() *sql.DB { return b.writer }

// Close closes every connection (and removes a Memory database). A file
// stays consistent whatever ran before: SQLite rolls back an unfinished
// transaction on the next open.
func (b *Backend) Close() error {
	var errs []error
	if b.check.stmt != nil {
		errs = append(errs, b.check.stmt.Close())
	}
	errs = append(errs, b.readers.Close(), b.writer.Close())
	if b.tempDir != "" {
		errs = append(errs, os.RemoveAll(b.tempDir))
	}
	return errors.Join(errs...)
}

// View runs fn in a read-only transaction on one of the readers: one
// snapshot of the database, taken at its first statement, for the whole
// of fn, whatever commits meanwhile.
func (b *Backend) View(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, false, fn)
}

// Update runs fn in a transaction on the writer connection, begun with
// BEGIN IMMEDIATE, and commits if fn returns nil. Writers run one at a
// time, so every Update is serializable and runs fn once.
func (b *Backend) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, true, fn)
}

// Claim is Update (storage.Claimer): with one writer at a time, polls of
// one server run in turn and each finds the commands the previous one
// leased already leased, so concurrent polls take disjoint batches
// without row locks and none aborts.
func (b *Backend) Claim(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, true, fn)
}

// errBusyWait is the cause of the context begin waits under when the
// writer connection stayed taken past Options.BusyTimeout.
var errBusyWait = errors.New("sqlite: busy")

// begin starts a transaction on the writer (write) or a reader. The wait
// for a free connection is bounded by the busy timeout, as the wait for
// the file lock is; the transaction then lives under the returned
// context, which the caller must cancel.
func (b *Backend) begin(ctx context.Context, write bool) (*sql.Tx, context.CancelFunc, error) {
	db, opts := b.readers, &sql.TxOptions{ReadOnly: true}
	if write {
		db, opts = b.writer, nil
	}
	txCtx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(b.busy, func() { cancel(errBusyWait) })
	t, err := db.BeginTx(txCtx, opts)
	stopped := timer.Stop()
	if err != nil {
		cancel(nil)
		if !stopped && errors.Is(context.Cause(txCtx), errBusyWait) && ctx.Err() == nil {
			return nil, nil, b.busyConflict("no connection became free")
		}
		return nil, nil, b.translateTx(err)
	}
	if !stopped && ctx.Err() == nil {
		// The timer fired just as BeginTx returned: the transaction's
		// context is already canceled, so it cannot be used.
		_ = t.Rollback()
		cancel(nil)
		return nil, nil, b.busyConflict("no connection became free")
	}
	return t, func() { cancel(nil) }, nil
}

// busyConflict is the error of a call that waited for the database past
// the busy timeout.
func (b *Backend) busyConflict(why string) error {
	return errs.Conflict("database", b.path, "busy for "+b.busy.String()+": "+why)
}

func (b *Backend) run(ctx context.Context, write bool, fn func(storage.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	sqlTx, cancel, err := b.begin(ctx, write)
	if err != nil {
		return err
	}
	defer cancel()
	t := &tx{b: b, tx: sqlTx, writable: write}
	defer func() {
		t.closed = true
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	err = fn(t)
	if err == nil && write {
		err = t.flushEvents(ctx)
	}
	t.closed = true
	if err != nil || !write {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return b.translateTx(err)
	}
	if t.appended {
		b.appended.broadcast()
	}
	return nil
}

// tx is one transaction.
type tx struct {
	b        *Backend
	tx       *sql.Tx
	writable bool
	closed   bool
	appended bool // the transaction appended events
	// pending holds the columns of the events appended and not yet
	// inserted (see eventsTx.Append).
	pending []any
}

// errReadOnly is returned by a write attempted inside View.
var errReadOnly = errors.New("sqlite: write in a read-only transaction")

// check guards every store call, as in the other backends.
func (t *tx) check(ctx context.Context, write bool) error {
	if t.closed {
		return errors.New("sqlite: store used after its transaction ended")
	}
	if write && !t.writable {
		return errReadOnly
	}
	return ctx.Err()
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, query, args...)
}

// scanner is what a row scan needs: *sql.Row and *sql.Rows both are.
type scanner interface{ Scan(dest ...any) error }

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, t *tx, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, t.b.wrap(err)
	}
	// rows.Err below reports a failed read; closing a read has nothing
	// to add.
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, t.b.wrap(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, t.b.wrap(err)
	}
	return out, nil
}

// args collects the parameters of a query built from optional parts.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "?" + strconv.Itoa(len(*a))
}

// list appends vs and returns their placeholders, comma-separated, for
// an IN (…) list.
func (a *args) list(vs ...any) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = a.add(v)
	}
	return strings.Join(ps, ", ")
}

func (t *tx) Customers() customer.Store   { return customersTx{t} }
func (t *tx) Tokens() customer.TokenStore { return tokensTx{t} }
func (t *tx) Metadata() metadata.Store    { return metadataTx{t} }
func (t *tx) Bans() bans.Store            { return bansTx{t} }

func (t *tx) Orders() orders.Store               { return ordersTx{t} }
func (t *tx) Subscriptions() subscriptions.Store { return subscriptionsTx{t} }

func (t *tx) Products() inventory.ProductStore { return productsTx{t} }
func (t *tx) Items() inventory.ItemStore       { return itemsTx{t} }
func (t *tx) Commands() inventory.CommandStore { return commandsTx{t} }
