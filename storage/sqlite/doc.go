// Package sqlite is the SQLite storage backend, on modernc.org/sqlite (pure
// Go, no cgo), for a store that runs on one machine: its data in one file,
// kept across restarts, with nothing else to run. It passes the same
// conformance suite (storage/storagetest) as storage/memory and
// storage/postgres.
//
//	b, err := sqlite.Open(ctx, "/var/lib/mystore/playerbase.db", nil)
//	if err != nil { … }
//	if err := b.Migrate(ctx); err != nil { … }
//	client := playerbase.New(b, nil)
//
// Which backend: storage/memory for tests and demos (nothing is kept);
// SQLite for one process on one machine; storage/postgres for a fleet —
// several app nodes or game servers sharing one database. Processes on one
// machine may share a file (SQLite's locks order them), but each has its own
// writer.
//
// Connections. Open puts the file in WAL mode and opens one writer
// connection and a pool of read-only ones (Options.Readers), each with
// foreign_keys on, synchronous=FULL (a commit is on disk when Update
// returns) and a busy timeout (Options.BusyTimeout, 5s by default). Every
// Update, and Claim, runs on the writer, begun with BEGIN IMMEDIATE: it
// holds the write lock from its first statement, so it never has to
// upgrade a read lock (which SQLite can only refuse), and writers run one
// after the other — serializable, each Update's function run once, never
// retried. View runs on a reader: one snapshot, taken at its first
// statement, for the whole function, never waiting for the writer. A call
// that waits past the busy timeout (for the writer connection, or for a
// lock another process holds) fails with an error matching errs.ErrConflict
// that names the database; SQLITE_BUSY and SQLITE_LOCKED never reach a
// caller. Memory ("Open(ctx, sqlite.Memory, nil)") is for tests: a private
// file in a new temporary directory, not synced, removed by Close — SQLite's
// own in-memory databases live on one connection, where a reader would wait
// for the writer.
//
// Schema. Numbered SQL files embedded in the binary (Migrations), applied by
// Migrate in one write transaction, each recorded in playerbase_migrations:
// a failed or interrupted migration leaves the schema as it was, and two
// processes starting together apply each file once. A database holding a
// version this build does not know was written by a newer playerbase:
// Open and Migrate refuse it with a *SchemaError and write nothing. Migrate
// also re-folds stored name and email keys when this build folds text
// differently from the one that wrote them (internal/fold), as the
// PostgreSQL backend does.
//
// Files Open refuses, each with a *FileError and the file untouched: one
// that is not an SQLite database (ErrNotDatabase), one this process may not
// write (ErrReadOnly: SQLite would otherwise open it read-only without a
// word), one another connection keeps locked past the busy timeout
// (ErrLocked), and a path where no file can be created (ErrCannotOpen).
//
// Types. Times are text in one fixed-width UTC form with microseconds
// ("2006-01-02T15:04:05.000000Z"), the precision every backend keeps, so
// text order is time order and comparisons with a parameter use the
// indexes. Money is text holding the exact decimal (shopspring/decimal's
// form), with the ISO code beside it; nothing is summed in SQL, where it
// would become floating point. IDs are text compared byte by byte, so they
// sort like the ULIDs they are. Order lines, refunds, product commands and
// prices, metadata, known IPs and emails are JSON text read and written
// with their row. Tables are STRICT: a value of the wrong type is refused.
// Foreign keys hold, as on PostgreSQL.
//
// Stats. orders.Store.Summary reads a running sum per customer and
// currency (table order_sums): writing an order adds its share, rewriting
// it takes the old share away first, in the same transaction, with exact
// decimal arithmetic in Go. The stats of a customer with 10 000 orders read
// a row or two.
//
// Ban checks. Each ban identity has a row keyed "type:value" in
// ban_identities, with the ban's liveness and expiry copied onto it. An
// IP range is found by key too: ranges are stored masked, as
// bans.ParseRange gives them, so the ranges holding an address are those
// keyed by one of its prefixes. A small table, ban_range_lengths, counts
// the live ranges of each prefix length per address family, kept with
// every ban write, so a check probes the few lengths in use rather than
// all 32 (IPv4) or 128 (IPv6). CheckBans (storage.BanChecker) is one
// statement on a reader over the covering partial index of live keys, its
// identities passed as JSON so the statement text never changes and is
// prepared once per connection.
//
// Command delivery. A poll (CommandStore.Leasable) reads two partial
// indexes of the open commands in ID order; it needs no row locks, since
// polls run on the one writer in turn, so concurrent polls of one server
// take disjoint batches and none aborts. UpdateMany writes a batch a
// statement per row: SQLite runs in the process, so a statement costs no
// round trip.
//
// Errors. No rows becomes errs.NotFound; a unique index refusing a row
// errs.Conflict naming what was taken (an ID, a platform ID, a payment
// reference); a foreign key errs.NotFound of the missing parent (SQLite does
// not say which, so the statement's parents are looked up); a CHECK or NOT
// NULL constraint errs.Invalid. A failed statement undoes only itself, so a
// transaction stays usable after a refused insert, as on the memory
// backend. Other driver errors are wrapped and keep their chain
// (*sqlite.Error).
//
// Tests. sqlite_test.go runs the conformance suite on a file and on Memory;
// the root package runs its rapid state machines, commerce tests and the
// delivery chaos test on SQLite too (package sqlitetest, a migrated file
// per test); concurrency_test.go races eight writers per workflow;
// crash_test.go kills a writing child process with SIGKILL at random
// moments and checks the file; files_test.go the files Open refuses.
//
// Customer search (customer.Store.Search, search.go) reads every customer
// after the cursor in the worst case: emails and IPs are matched in SQL
// over the JSON arrays, name prefixes by folding in Go. No index serves it
// yet.
package sqlite
