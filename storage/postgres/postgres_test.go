package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/storagetest"
)

// shared holds what benchmarks build once per run and share (so a
// benchmark and its baseline run on the same pool); TestMain drops it.
var shared struct {
	sync.Mutex
	dsn, schema string
	backend     *postgres.Backend
	bans        *banFixture
}

// sharedBackend returns the run's shared backend, opening it on first use.
func sharedBackend(tb testing.TB) *postgres.Backend {
	tb.Helper()
	dsn := pgtest.DSN(tb)
	shared.Lock()
	defer shared.Unlock()
	if shared.backend == nil {
		schema := pgtest.SchemaName()
		b, err := pgtest.Open(dsn, schema)
		if err != nil {
			_ = pgtest.DropSchema(dsn, schema)
			tb.Fatal(err)
		}
		shared.dsn, shared.schema, shared.backend = dsn, schema, b
	}
	return shared.backend
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.backend != nil {
		if err := shared.backend.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
		if err := pgtest.DropSchema(shared.dsn, shared.schema); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	for _, drop := range atExit {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// atExit holds what TestMain runs after the tests: dropping the schemas of
// fixtures shared across benchmarks.
var atExit []func() error

// dropAtExit closes b and drops its schema when the run ends.
func dropAtExit(dsn, schema string, b *postgres.Backend) {
	atExit = append(atExit, func() error {
		return errors.Join(b.Close(), pgtest.DropSchema(dsn, schema))
	})
}

func TestConformance(t *testing.T) {
	pgtest.DSN(t)
	storagetest.Run(t, func(t *testing.T) storage.Backend { return pgtest.NewBackend(t) })
}

// Two nodes starting together on an empty schema both succeed, and each
// migration is recorded once.
func TestMigrateConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	ctx := context.Background()
	var nodes [2]*postgres.Backend
	for i := range nodes {
		b, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
		})
		nodes[i] = b
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(nodes))
	for _, b := range nodes {
		wg.Go(func() { errc <- b.Migrate(ctx) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("Migrate: %v", err)
		}
	}
	want, last := migrationCount(t)
	var rows, distinct, max int
	err := nodes[0].Pool().QueryRow(ctx,
		`select count(*), count(distinct version), coalesce(max(version), 0) from playerbase_migrations`).
		Scan(&rows, &distinct, &max)
	if err != nil {
		t.Fatal(err)
	}
	if rows != want || distinct != want || max != last {
		t.Errorf("playerbase_migrations: %d rows, %d versions, max %d; want %d, %d and %d", rows, distinct, max, want, want, last)
	}
	// Migrating an up-to-date schema is a no-op.
	if err := nodes[1].Migrate(ctx); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	if v, err := nodes[1].Version(ctx); err != nil || v != last {
		t.Errorf("Version = %d, %v; want %d", v, err, last)
	}
}

// migrationCount returns how many migration files there are and the
// highest version among them (the numbering may have gaps).
func migrationCount(t *testing.T) (n, last int) {
	t.Helper()
	entries, err := fs.Glob(postgres.Migrations, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		num, _, _ := strings.Cut(e, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e, err)
		}
		last = max(last, v)
	}
	return len(entries), last
}

// A schema name PostgreSQL would cut short (longer than 63 bytes) or could
// not hold is refused when the backend is opened, before it names tables
// in a schema that is not the one asked for.
func TestOpenRefusesBadSchemaNames(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, schema := range []string{strings.Repeat("б", 32), "nul\x00schema", "bad\xffutf8"} {
		b, err := postgres.Open(context.Background(), dsn, &postgres.Options{Schema: schema})
		if err == nil {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
		}
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != "schema" {
			t.Errorf("Open(schema %q): %v, want an *errs.InvalidError for field schema", schema, err)
		}
	}
}

// Ban writes no longer NOTIFY a channel of their own (migration 0020): ban
// indexes follow the change feed, which wakes its followers itself.
func TestNoBanTrigger(t *testing.T) {
	b := pgtest.NewBackend(t)
	var n int
	err := b.Pool().QueryRow(context.Background(), `select
		(select count(*) from pg_trigger where tgrelid = 'bans'::regclass and not tgisinternal) +
		(select count(*) from pg_proc where proname = 'playerbase_notify_ban' and pronamespace = current_schema()::regnamespace)`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d ban triggers or notify functions left, want none", n)
	}
}
