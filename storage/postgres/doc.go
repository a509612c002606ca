// Package postgres is the PostgreSQL storage backend, on pgx v5 (pgxpool),
// for stores that outgrow one process: many game servers and web nodes
// sharing one database. It passes the same conformance suite
// (storage/storagetest) as storage/memory.
//
//	b, err := postgres.Open(ctx, "postgres://user:pw@host:5432/db", &postgres.Options{Schema: "playerbase"})
//	if err != nil { … }
//	if err := b.Migrate(ctx); err != nil { … }
//	client := playerbase.New(b, nil)
//
// Schema. The tables come from numbered SQL files embedded in the binary
// (migrations/0001_customers.sql, …). Migrate applies the ones a database
// lacks, in order, in one transaction that first takes a transaction-level
// advisory lock keyed by the schema name: nodes that start together queue on
// the lock, the first applies the migrations and records each version in
// playerbase_migrations, the others find nothing left to do. A failed
// migration leaves no half-built schema. Numbers may have gaps (branches
// take theirs up front); a migration not recorded is applied even if a
// higher one is. A host that runs migrations with its own tool (goose,
// migrate, Atlas…) reads the same files from the exported Migrations fs.FS
// instead and never calls Migrate. Released files are never edited; changes
// come as new files, and a node meeting a newer schema than it knows leaves
// it alone.
//
// Folded keys. Names and emails are stored and matched as the keys Go
// folds them to (NFKC, full case folding, invisible code points removed;
// docs/RULES.md "Text, numbers and times from outside"), which SQL cannot
// compute. Table playerbase_text_fold (migration 0010) records the folding
// the stored keys were made with; Migrate, under its lock, re-folds ban
// identities and customers' known emails in Go when this build's folding
// is newer (keys written before 0010 were only lower-cased; a newer Unicode
// in x/text or Go may fold some text differently), and leaves keys from a
// newer build alone. A host applying Migrations with its own tool calls
// Refold after it.
//
// Customer search (customer.Store.Search, the admin's Customers page) reads
// an index per key: customers.name_key, the folded name (collate "C", so a
// prefix is one range scan), and GIN indexes on the known emails and IPs.
// Migration 0018 adds name_key and resets the folding record, so Refold
// writes the keys of the customers stored before it.
//
// Options.Schema puts every table in one schema (Open sets it as the
// connections' search_path); by default the server's search_path decides
// (normally public). Open and Migrate refuse (errs.Invalid) a name longer
// than the 63 bytes PostgreSQL keeps of a name, or one with NUL or invalid
// UTF-8. New takes a pool the host configured instead.
//
// Transactions. Update runs SERIALIZABLE: a workflow that reads, decides and
// writes (complete an order, revoke an item, check bans before taking an
// order) behaves as if it ran alone, as on the memory backend whose writers
// take one lock, without the code naming rows to lock. When PostgreSQL
// aborts a transaction to keep that promise (SQLSTATE 40001) or to break a
// deadlock (40P01), Update rolls back and runs the function again, with a
// short jittered pause, up to Options.MaxAttempts times; the storage.Backend
// contract allows this, so a function must have no effects outside its
// transaction. Eight writers racing on one order, customer or item end with
// one effect and seven typed conflicts (concurrency_test.go). When every
// attempt was aborted, Update returns a *RetryError, which matches
// errs.ErrConflict: nothing was written and the operation may be retried.
// View runs REPEATABLE READ READ ONLY: one snapshot for the whole function,
// no serialization failures, and a write inside it fails (checked before
// any SQL is sent, and by the server).
//
// Serializable isolation notes what each transaction read, by B-tree leaf
// page (a table it scans whole, by table), and aborts one of two concurrent
// transactions when each wrote what the other read. Reads therefore go
// through indexes, never a sequential scan: a partial index's condition is
// spelled out in the query, so generic plans can use it, and Open sets
// enable_seqscan off unless the DSN names it, or the planner would scan the
// small tables of a new store whole (predicate_test.go checks the login,
// checkout and payment workflows). But IDs are ULIDs, so transactions of
// different customers still insert into and read the same newest index
// pages, and at small table sizes share every page: their completions can
// abort each other, and a long one can lose every time to a stream of short
// ones. So every Update holds a shared advisory lock, and an Update aborted
// three times takes it exclusively before it begins: it runs alone and
// commits. Eight workers on distinct customers, 50 rounds of identify,
// checkout and complete each, all succeed (disjoint_test.go).
//
// Round trips. BEGIN is sent in one batch with a transaction's first
// statement (a function that touches no table costs nothing), and a View's
// transaction, or a failed Update's, is ended on a background goroutine
// that then returns the connection to the pool: its outcome cannot change
// what the caller got. A View of one query thus costs the caller one round
// trip; an Update, one more for COMMIT. Open sets plan_cache_mode to
// force_generic_plan unless the DSN names it: every statement here is an
// indexed lookup whose best plan does not depend on its parameters, and
// re-planning one cost more than running it.
//
// Command delivery. A game server's poll (CommandStore.Leasable) is one
// statement, SELECT … ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED, over two
// partial indexes of the open commands (migration 0007): a server's
// commands that run whenever, in ID order, and its online-only ones by
// player. The poll then writes its leases in one more statement
// (CommandStore.UpdateMany: UPDATE … FROM unnest of one array per column,
// each row guarded by its version, RETURNING the rows written), and an ack
// reads its batch in one (GetMany: id = any($1)) and writes what changed in
// one, so a round of 100 commands costs four statements, not 300; the
// lease and ack rules stay in Go (inventory.Command). Polls and acks run
// through Claim (storage.Claimer), at READ
// COMMITTED, not SERIALIZABLE: two polls of one server read the same index
// range and each writes rows the other read, so serializable isolation
// aborts one of every overlapping pair (in a race of six pollers with no
// retries, close to half the calls failed), while under READ COMMITTED
// SKIP LOCKED passes over the rows another poll holds and rechecks rows
// committed meanwhile, so concurrent polls take disjoint batches, none
// waits and none aborts (delivery_test.go). That is safe because a poll or
// an ack decides row by row: it writes only rows it locked or whose version
// it read, and a serializable writer (a cancel, a resend) that read a row a
// claim then changed fails and runs again. A failed write transaction is
// rolled back before the call returns, so the next poll never skips rows a
// failed one still held; only a read-only transaction ends off the
// caller's path.
//
// Grants. What stacking reads (ItemStore.Lapsed, Extendable) comes from
// one partial index of the items recorded active that expire, by customer,
// product and expiry (migration 0009): the lapsed items are a range at its
// start, the item a purchase extends the first row of a backward scan. So
// a grant's predicate reads cover that customer's items of that product
// only, and the root package reads them once per product of an order.
//
// Stats. orders.Store.Summary reads order_summaries (migration 0015): a row
// per customer and currency of running sums over the paid orders, which
// statement-level triggers on orders keep in the same transaction as every
// order write (once per statement, so a bulk import updates a customer's
// row once). The details page thus costs the same for 100 000 orders as for
// 1 000; numeric sums are exact, so they agree with orders.Summarize.
//
// Order lists. A status filter is one descent per status of the
// (customer_id, status, id) index, merged newest first, with the statuses
// written into the SQL so the generic plan sees which are rare: a filter
// with no match among 100 000 orders reads nothing (orders_test.go checks
// the plans).
//
// Ban checks. Client.BanFind and Banner go through Bans().Matching: one
// statement, a B-tree probe per identity on ban_identities.key and, per IP,
// a GiST probe (inet >>=) for the ranges holding it, as a UNION ALL (an OR
// would be planned as a bitmap of rows read back from the table). The
// ban's liveness and expiry are copied onto its identity rows, so
// CheckBans, the same question as one statement outside any transaction,
// is index-only scans — for a game server asking the database on every
// join (TestBanPlans checks the plan's shape). Listing bans by identity
// type merges an index of ban_identities (type, ban_id) with the bans'
// primary key (migration 0016), so a page costs a page even when no ban
// holds the type. A fleet rather keeps a bans.Index in memory with
// Client.BanWatch: its full load streams every live ban through
// LoadActiveBans (a storage.BanLoader) into a bans.Builder, built in one
// pass, and from then on it follows the change feed's ban events, so no
// ban trigger or channel of its own is needed (migration 0020 dropped the
// old one). Write bans through the store: it keeps the identity rows in
// step.
//
// Change feed (package events). An Update's appended events are inserted
// with its COMMIT, in one round trip, under a transaction-level advisory
// lock per schema that gives them their seqs; PostgreSQL ends a
// transaction's visibility in the proc array before it releases its locks
// (CommitTransaction in xact.c), so the next writer takes its seqs only
// once this commit is visible to every new snapshot: seq order is commit
// order, and a follower that read up to N never finds a smaller seq later
// (the outbox hole). A transaction aborted at COMMIT (serialization
// failure) releases the lock and leaves a gap nobody can read, a Claim's
// READ COMMITTED transaction and a solo Update take the same lock, and a
// reader's REPEATABLE READ snapshot sees a prefix of the feed. The price:
// writers with events commit, WAL flush included, one at a time per
// schema. WaitEvents (storage.EventWaiter) wakes followers on the NOTIFY
// each such commit sends, heard by one connection per Backend outside the
// pool that reconnects after a loss and then wakes every waiter to read
// again; a waiter reads the feed only once it is subscribed and the
// connection is listening, so it never sleeps through a commit
// (feed_test.go kills that connection mid-run). Open turns JIT off (a
// DSN may say otherwise): with sequential scans penalised, a plan that must
// scan the one-row event_feed looked expensive enough to be compiled on
// every run, which made List 100 times slower.
//
// Optimistic concurrency: versioned entities (customers, products, items,
// commands) are written with UPDATE … WHERE id = $1 AND version = $2; when no
// row changes, a second query tells not found (errs.ErrNotFound) from a
// stale version (errs.ErrConflict naming both versions). A batch of
// commands (UpdateMany) returns the IDs it left unchanged instead.
//
// Errors. pgx.ErrNoRows becomes errs.NotFound, a unique or exclusion
// violation errs.Conflict naming the entity, a missing parent row (foreign
// key) errs.NotFound of the parent, a check violation or a character
// PostgreSQL cannot store (a NUL byte) errs.Invalid. Inserts use ON CONFLICT
// DO NOTHING and then say which key was taken, so a duplicate leaves the
// transaction usable, as it does on the memory backend; any other failed
// statement aborts the transaction, and Update then returns an error even
// if the function swallowed it. Other driver errors are wrapped and keep
// their chain (*pgconn.PgError, context.Canceled).
//
// Types. Times are timestamptz, written and read back in UTC at the
// microsecond precision the root package already truncates to; money is
// numeric with the ISO code beside it (an order's amounts share its
// currency); IPs are inet (customers' known IPs an inet[]); order lines and
// product command templates are jsonb arrays read and written with their
// row; metadata is one jsonb object per customer; IDs are text in the "C"
// collation, so they sort like the ULIDs they are. Foreign keys hold:
// tokens, metadata, orders, subscriptions, items and commands belong to a
// stored customer (the memory backend does not check), items to a stored
// product, commands to a stored item. Every statement is parameterised.
// PostgreSQL 12 or later (generated columns, INCLUDE on GiST); tested on 15.
//
// Tests. postgres_test.go runs the conformance suite against the database
// named by PLAYERBASE_TEST_POSTGRES, each test in a fresh schema it drops
// afterwards (package pgtest, which any other test can use to run on
// PostgreSQL), and skips without it (fails with PLAYERBASE_REQUIRE_POSTGRES
// set). A rapid model test drives PostgreSQL and the memory backend with the
// same random writes and compares every read. .ci/pg-setup.sh prepares a
// local server and prints a DSN:
//
//	export PLAYERBASE_TEST_POSTGRES=$(sudo bash .ci/pg-setup.sh | tail -n 1)
//	go test -race ./storage/postgres/...
package postgres
