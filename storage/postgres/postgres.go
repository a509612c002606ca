package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// Options tunes Open. A nil *Options, and every zero field, means the
// default.
type Options struct {
	// Schema holds playerbase's tables. Open puts it alone on every
	// connection's search_path and Migrate creates it if it is missing.
	// Default: the server's search_path (normally "public").
	Schema string
	// MaxAttempts bounds how often Update runs its function when
	// PostgreSQL reports a serialization failure or a deadlock.
	// Default 20.
	MaxAttempts int
}

// Backend is a storage.Backend over a pgx connection pool. It is safe for
// concurrent use.
type Backend struct {
	pool        *pgxpool.Pool
	ownPool     bool
	schema      string // "" means the pool's search_path decides
	maxAttempts int
	retries     atomic.Int64 // attempts PostgreSQL aborted, for tests

	// feed wakes WaitEvents' callers, started by the first (see
	// eventwait.go); closed: Close has stopped it for good.
	feedMu sync.Mutex
	feed   *listener
	closed bool
}

var _ storage.Backend = (*Backend)(nil)

const defaultMaxAttempts = 20

// Open connects to the database at dsn (a postgres:// URL or a key=value
// string, as pgxpool.ParseConfig reads it). It does not change the schema:
// call Migrate (or run Migrations with your own tool) first.
func Open(ctx context.Context, dsn string, opts *Options) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkSchema(o.Schema); err != nil {
		return nil, err
	}
	if o.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{o.Schema}.Sanitize()
	}
	// Every statement here is an indexed lookup whose best plan does not
	// depend on its parameters, and planning one afresh (PostgreSQL's
	// default for the first executions, and whenever it guesses a custom
	// plan is cheaper) costs more than running it. A DSN may say otherwise.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	// A serializable transaction that scans a table whole holds a read
	// lock on all of it, so any other customer's write to that table
	// aborts one of the two; the planner picks such scans for the small
	// tables of a new store (once autovacuum has counted their rows), where
	// every statement here has an index to read instead. The setting only
	// penalises sequential scans: a query with no index to use still scans.
	// A DSN may say otherwise.
	if _, ok := cfg.ConnConfig.RuntimeParams["enable_seqscan"]; !ok {
		cfg.ConnConfig.RuntimeParams["enable_seqscan"] = "off"
	}
	// With sequential scans penalised, a plan that must still scan (the
	// one-row event_feed, a table without a usable index) costs more than
	// jit_above_cost, and PostgreSQL compiles it to machine code on every
	// execution: some 20 ms, against a fraction of a millisecond to run
	// it (the change feed's List and Last, before this). No statement here
	// runs long enough to gain from JIT. A DSN may say otherwise.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	b := newBackend(pool, &o)
	b.ownPool = true
	return b, nil
}

// checkSchema refuses a schema name PostgreSQL would not keep as given: it
// cuts identifiers to 63 bytes, so a longer name would create one schema
// and search another, and it holds no NUL or invalid UTF-8.
func checkSchema(schema string) error {
	switch {
	case len(schema) > 63:
		return errs.Invalid("schema", schema, "longer than 63 bytes, PostgreSQL's limit for a name")
	case strings.ContainsRune(schema, 0) || !utf8.ValidString(schema):
		return errs.Invalid("schema", schema, "not valid UTF-8 text without NUL")
	}
	return nil
}

// New returns a Backend over a pool the caller made and closes; the
// pool's search_path decides where the tables live (opts.Schema, if set,
// only tells Migrate where to create them: name the same schema in the
// pool's search_path). Open's plan_cache_mode, enable_seqscan and jit
// settings are the host's to choose here. Close leaves the pool open.
func New(pool *pgxpool.Pool, opts *Options) *Backend {
	var o Options
	if opts != nil {
		o = *opts
	}
	return newBackend(pool, &o)
}

func newBackend(pool *pgxpool.Pool, o *Options) *Backend {
	b := &Backend{pool: pool, schema: o.Schema, maxAttempts: o.MaxAttempts}
	if b.maxAttempts <= 0 {
		b.maxAttempts = defaultMaxAttempts
	}
	return b
}

// Pool returns the backend's connection pool, for a host's own queries.
func (b *Backend) Pool() *pgxpool.Pool { return b.pool }

// Close stops the feed's listener, if WaitEvents started one, and closes
// the pool if Open made it.
func (b *Backend) Close() error {
	b.stopFeed()
	if b.ownPool {
		b.pool.Close()
	}
	return nil
}

// Isolation: writers run SERIALIZABLE, so a workflow that reads, decides
// and writes (complete an order, revoke an item, check bans then take an
// order) behaves as if it ran alone, exactly like the memory backend's one
// writer lock; PostgreSQL aborts one side of a conflicting pair with
// SQLSTATE 40001 and Update runs fn again. Readers run REPEATABLE READ READ
// ONLY: one snapshot for the whole View, never a serialization failure.
const (
	beginUpdate = "begin isolation level serializable read write"
	beginView   = "begin isolation level repeatable read read only"
	// Claim's transactions decide row by row (storage.Claimer), where
	// SERIALIZABLE would turn FOR UPDATE SKIP LOCKED into aborts: see
	// Claim.
	beginClaim = "begin isolation level read committed read write"
)

// View runs fn in a read-only snapshot.
func (b *Backend) View(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, beginView, fn)
}

// Update runs fn in a serializable transaction and commits if fn returns
// nil. It runs fn again, up to Options.MaxAttempts times in all, when
// PostgreSQL reports a serialization failure or a deadlock; from attempt
// soloAfter+1 on, fn runs alone (see soloAfter). If every attempt fails
// that way, the error is a *RetryError, which matches errs.ErrConflict.
func (b *Backend) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, beginUpdate, fn)
}

// soloAfter is how many times an Update is aborted by PostgreSQL before it
// runs alone. Serializable isolation tracks reads by B-tree leaf page, and
// IDs are ULIDs, so concurrent transactions insert into and read the same
// newest pages of orders, items and commands even when their customers
// differ: each such pair may abort one side, and a long transaction (an
// order completion granting items and queueing commands) can lose to a
// stream of short ones every time. Every Update holds a shared advisory
// lock; a transaction aborted soloAfter times takes it exclusively before
// it begins, so it starts once the transactions running have ended and
// none starts until it has committed: with no concurrent serializable
// transaction it cannot be aborted for serialization, and makes progress.
const soloAfter = 3

// Advisory lock key of the schema's Update transactions (see soloAfter);
// current_schema() names the schema the tables are in, whether Options.Schema
// or the server's search_path chose it.
const (
	updateLockKey = "hashtextextended('playerbase.update.' || current_schema(), 0)"
	sharedLock    = "select pg_advisory_xact_lock_shared(" + updateLockKey + ")"
	soloLock      = "select pg_advisory_lock(" + updateLockKey + ")"
	soloUnlock    = "select pg_advisory_unlock(" + updateLockKey + ")"
)

// RetryError is Update's error when PostgreSQL aborted every attempt to
// keep transactions serializable (SQLSTATE 40001) or to break a deadlock
// (40P01). Nothing was written. It matches errs.ErrConflict: the whole
// operation may be retried, as a payment provider retries a webhook.
type RetryError struct {
	Attempts int
	Err      error // the last attempt's, a *pgconn.PgError in its chain
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("postgres: concurrent transactions aborted all %d attempts, nothing was written; retry the operation: %v", e.Attempts, e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// Is reports errs.ErrConflict.
func (e *RetryError) Is(target error) bool { return target == errs.ErrConflict }

func (b *Backend) run(ctx context.Context, begin string, fn func(storage.Tx) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := b.attempt(ctx, begin, attempt > soloAfter, fn)
		if !errors.Is(err, errRetry) {
			return err
		}
		b.retries.Add(1)
		if attempt >= b.maxAttempts {
			return &RetryError{Attempts: attempt, Err: errors.Unwrap(err)}
		}
		// Jittered backoff so the transactions that collided do not meet
		// again at once.
		wait := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// errRetry wraps the error of an attempt that PostgreSQL aborted to keep
// transactions serializable.
var errRetry = errors.New("postgres: transaction must be retried")

type retryError struct{ err error }

func (e retryError) Error() string        { return e.err.Error() }
func (e retryError) Unwrap() error        { return e.err }
func (e retryError) Is(target error) bool { return target == errRetry }

func (b *Backend) attempt(ctx context.Context, begin string, solo bool, fn func(storage.Tx) error) (err error) {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return wrap(err)
	}
	writable := begin != beginView
	t := &tx{conn: conn, writable: writable, begin: begin}
	if begin == beginUpdate {
		t.prelude = sharedLock
		if solo {
			// Session-level, taken before BEGIN: the transaction's snapshot
			// then comes after every other Update has ended.
			if _, err := conn.Exec(ctx, soloLock); err != nil {
				// The server may still take the lock for this session:
				// closing the connection makes sure nothing holds it.
				_ = conn.Conn().Close(context.WithoutCancel(ctx))
				conn.Release()
				return wrap(err)
			}
			t.prelude, t.unlock = "", soloUnlock
		}
	}
	defer func() {
		t.closed = true
		if p := recover(); p != nil {
			t.finish("rollback")
			panic(p)
		}
	}()
	err = fn(t)
	if !t.begun && (err != nil || len(t.events) == 0) {
		t.release(ctx)
		return err
	}
	switch {
	case !writable:
		// Ending a read-only transaction cannot change what anyone reads,
		// so it happens off the caller's path: a View costs one round
		// trip, its BEGIN riding with its first statement.
		go t.finish("rollback")
	case err != nil:
		// A failed write rolls back before returning: until it has, its
		// row locks stand, and a poll's FOR UPDATE SKIP LOCKED right after
		// would skip the rows it touched as if another server held them.
		t.finish("rollback")
	default:
		err = t.commit(ctx)
	}
	if err != nil && t.retry {
		return retryError{err}
	}
	return err
}

// commit commits and releases the connection.
func (t *tx) commit(ctx context.Context) error {
	defer t.release(ctx)
	if len(t.events) > 0 {
		if err := t.commitEvents(ctx); err != nil {
			return err
		}
	} else if _, err := t.conn.Exec(ctx, "commit"); err != nil {
		t.note(err)
		return wrap(err)
	}
	if t.failed {
		// COMMIT of an aborted transaction answers ROLLBACK without an
		// error: fn ignored a failed statement, so nothing is kept.
		return t.failure
	}
	return nil
}

// commitEvents inserts the transaction's pending events and commits, in
// one round trip (see eventLock).
func (t *tx) commitEvents(ctx context.Context) error {
	var b pgx.Batch
	if !t.begun {
		b.Queue(t.begin)
		if t.prelude != "" {
			b.Queue(t.prelude)
		}
	}
	t.queueEvents(&b)
	b.Queue("commit")
	br := t.conn.SendBatch(ctx, &b)
	var err error
	for range b.Len() {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	err = closeBatch(br, err)
	t.begun = true
	if err != nil {
		t.note(err)
		// The batch stopped at the failed statement: end the aborted
		// transaction so the connection goes back clean.
		_, _ = t.conn.Exec(context.WithoutCancel(ctx), "rollback")
		return wrap(err)
	}
	return nil
}

// finish ends the transaction with sql (rollback) and releases the
// connection. Its context is a fresh one: the caller's may be canceled, and
// the connection must still be cleaned up; Release destroys a connection
// left inside a transaction, so a failure here cannot leak one into the
// pool.
func (t *tx) finish(sql string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer t.release(ctx)
	if !t.begun {
		return
	}
	_, _ = t.conn.Exec(ctx, sql)
}

// release drops a solo transaction's session lock, once the transaction
// has ended, and returns the connection to the pool. A connection whose
// lock could not be dropped is closed, which drops it.
func (t *tx) release(ctx context.Context) {
	if t.unlock != "" {
		if _, err := t.conn.Exec(context.WithoutCancel(ctx), t.unlock); err != nil {
			_ = t.conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}
	t.conn.Release()
}

// tx is one transaction on one pooled connection. BEGIN is sent in one
// round trip with the first statement, so a function that touches no table
// costs nothing and one that runs a single query costs one round trip.
type tx struct {
	conn     *pgxpool.Conn
	begin    string
	writable bool
	begun    bool
	closed   bool
	// failed: a statement failed and PostgreSQL aborted the transaction.
	failed  bool
	failure error
	// retry: the failure was a serialization failure or deadlock.
	retry bool
	// prelude, if set, is sent between BEGIN and the first statement;
	// unlock, if set, runs once the transaction has ended (see soloAfter).
	prelude, unlock string
	// events holds the events appended, inserted at commit.
	events []pendingEvent
}

// errReadOnly is returned by a write attempted inside View.
var errReadOnly = errors.New("postgres: write in a read-only transaction")

// check guards every store call, as in the memory backend.
func (t *tx) check(ctx context.Context, write bool) error {
	if t.closed {
		return errors.New("postgres: store used after its transaction ended")
	}
	if write && !t.writable {
		return errReadOnly
	}
	return ctx.Err()
}

// note records a failed statement: PostgreSQL has aborted the transaction,
// and if it did so to keep transactions serializable, Update retries fn
// even if fn swallowed the error.
func (t *tx) note(err error) {
	if err == nil || errors.Is(err, pgx.ErrNoRows) {
		return
	}
	if !t.failed {
		t.failed, t.failure = true, wrap(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
		t.retry = true
	}
}

// withBegin sends the transaction's BEGIN and sql in one batch and reads
// BEGIN's answer; the caller reads sql's and closes the batch.
func (t *tx) withBegin(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	var b pgx.Batch
	b.Queue(t.begin)
	if t.prelude != "" {
		b.Queue(t.prelude)
	}
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, &b)
	if _, err := br.Exec(); err != nil {
		return br, err
	}
	t.begun = true
	if t.prelude != "" {
		if _, err := br.Exec(); err != nil {
			return br, err
		}
	}
	return br, nil
}

// closeBatch closes br, keeping the first error.
func closeBatch(br pgx.BatchResults, err error) error {
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *tx) exec(ctx context.Context, sql string, args ...any) (tag pgconn.CommandTag, err error) {
	if t.begun {
		tag, err = t.conn.Exec(ctx, sql, args...)
	} else {
		var br pgx.BatchResults
		if br, err = t.withBegin(ctx, sql, args); err == nil {
			tag, err = br.Exec()
		}
		err = closeBatch(br, err)
	}
	t.note(err)
	return tag, err
}

// queryRow is the transaction's QueryRow: the query runs when Scan is
// called.
func (t *tx) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return lazyRow{t, ctx, sql, args}
}

type lazyRow struct {
	t    *tx
	ctx  context.Context
	sql  string
	args []any
}

func (r lazyRow) Scan(dest ...any) (err error) {
	if r.t.begun {
		err = r.t.conn.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	} else {
		var br pgx.BatchResults
		if br, err = r.t.withBegin(r.ctx, r.sql, r.args); err == nil {
			err = br.QueryRow().Scan(dest...)
		}
		err = closeBatch(br, err)
	}
	r.t.note(err)
	return err
}

// scanRow runs a query expected to return one row and scans it.
func (t *tx) scanRow(ctx context.Context, sql string, args []any, dest ...any) error {
	return t.queryRow(ctx, sql, args...).Scan(dest...)
}

// args collects the parameters of a query built from optional parts.
type args []any

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, t *tx, sql string, params []any, scan func(pgx.Rows) (T, error)) (out []T, err error) {
	var rows pgx.Rows
	var br pgx.BatchResults
	if t.begun {
		rows, err = t.conn.Query(ctx, sql, params...)
	} else if br, err = t.withBegin(ctx, sql, params); err == nil {
		rows, err = br.Query()
	}
	if err == nil {
		for rows.Next() {
			v, serr := scan(rows)
			if serr != nil {
				err = serr
				break
			}
			out = append(out, v)
		}
		rows.Close()
		if rerr := rows.Err(); err == nil {
			err = rerr
		}
	}
	if br != nil {
		err = closeBatch(br, err)
	}
	t.note(err)
	if err != nil {
		return nil, wrap(err)
	}
	return out, nil
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
