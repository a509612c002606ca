package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// Two game servers, each with its own Index and listening connection, see a
// ban created, changed and lifted, and recover after their connections are
// killed, catching up on what changed meanwhile.
func TestBanSync(t *testing.T) {
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })

	var idxs [2]*bans.Index
	var syncs [2]*postgres.BanSync
	for i := range syncs {
		idxs[i] = &bans.Index{}
		syncs[i] = b.SyncBans(idxs[i], &postgres.SyncOptions{RetryDelay: 20 * time.Millisecond})
		wg.Go(func() { _ = syncs[i].Run(runCtx) })
		<-syncs[i].Ready()
	}

	clock := func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	email, name := bans.MustIdentity(bans.Email, "sync@example.com"), bans.MustIdentity(bans.Name, "Griefer")
	ban, err := bans.New(bans.Draft{Reason: "griefing", Identities: []bans.Identity{email}, Actor: "admin:test"}, clock())
	if err != nil {
		t.Fatal(err)
	}
	write := func(fn func(tx storage.Tx) error) {
		t.Helper()
		if err := b.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	// seen waits until every index answers Check(id) with want.
	seen := func(what string, id bans.Identity, want ...bans.ID) {
		t.Helper()
		start := time.Now()
		for _, idx := range idxs {
			for !slices.Equal(idx.Check(time.Now(), id), want) {
				if time.Since(start) > 10*time.Second {
					t.Fatalf("%s: Check(%v) = %v, want %v", what, id, idx.Check(time.Now(), id), want)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		t.Logf("%s: both indexes in step after %v", what, time.Since(start).Round(time.Millisecond))
	}

	write(func(tx storage.Tx) error { return tx.Bans().Create(ctx, ban) })
	seen("created", email, ban.ID)

	changed, err := ban.Apply(bans.Change{Add: []bans.Identity{name}, Remove: []bans.Identity{email}, Actor: "admin:test"}, clock())
	if err != nil {
		t.Fatal(err)
	}
	write(func(tx storage.Tx) error { return tx.Bans().Update(ctx, changed) })
	seen("updated (identity added)", name, ban.ID)
	seen("updated (identity removed)", email)

	lifted, err := changed.Unban("admin:test", clock())
	if err != nil {
		t.Fatal(err)
	}
	write(func(tx storage.Tx) error { return tx.Bans().Update(ctx, lifted) })
	seen("unbanned", name)

	// Kill both listening connections, then ban while they reconnect: the
	// resync after the reconnect (or the notification, if the listener is
	// back already) must bring the new ban in.
	for _, s := range syncs {
		var ok bool
		if err := b.Pool().QueryRow(ctx, `select pg_terminate_backend($1)`, int32(s.PID())).Scan(&ok); err != nil || !ok {
			t.Fatalf("pg_terminate_backend: %v %v", ok, err)
		}
	}
	again, err := bans.New(bans.Draft{Reason: "ban evasion", Identities: []bans.Identity{email}, Actor: "admin:test"}, clock())
	if err != nil {
		t.Fatal(err)
	}
	write(func(tx storage.Tx) error { return tx.Bans().Create(ctx, again) })
	seen("created while reconnecting", email, again.ID)
	for i, s := range syncs {
		for deadline := time.Now().Add(10 * time.Second); s.Loads() < 2; time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("listener %d did not resync after its connection was killed", i)
			}
		}
		t.Logf("listener %d: %d full loads", i, s.Loads())
	}
	// And the listeners are live again.
	final, _ := again.Unban("admin:test", clock())
	write(func(tx storage.Tx) error { return tx.Bans().Update(ctx, final) })
	seen("unbanned after reconnect", email)
}

// A schema named in a non-Latin script: its name is 50 bytes of Cyrillic
// and a random suffix, so "playerbase_bans:" and the name, cut at 63
// characters, was longer than the 63 bytes PostgreSQL allows a channel, and
// every ban write failed. The channel is now named after a hash of the
// schema, and a ban written there reaches a synced index.
func TestBanSyncNonASCIISchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	schema := strings.Repeat("б", 25) + "_" + strings.TrimPrefix(pgtest.SchemaName(), "playerbase_test_")
	t.Cleanup(func() {
		if err := pgtest.DropSchema(dsn, schema); err != nil {
			t.Error(err)
		}
	})
	b, err := pgtest.Open(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	idx := &bans.Index{}
	sync := b.SyncBans(idx, &postgres.SyncOptions{RetryDelay: 20 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sync.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("sync.Run: %v", err)
		}
	}()
	<-sync.Ready()

	email := bans.MustIdentity(bans.Email, "cyrillic@example.com")
	ban, err := playerbase.New(b, nil).BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", Identities: []bans.Identity{email}, Actor: "admin:test"})
	if err != nil {
		t.Fatalf("Ban in schema %q: %v", schema, err)
	}
	for deadline := time.Now().Add(10 * time.Second); !slices.Equal(idx.Check(time.Now(), email), []bans.ID{ban.ID}); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the synced index never saw ban %s: Check = %v", ban.ID, idx.Check(time.Now(), email))
		}
	}
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

// A synced index drops each ban once its expiry passes, with no write to
// the ban and no reload: a long-running game server's index holds the live
// bans, not every ban it has seen.
func TestBanSyncPrunesExpiredBans(t *testing.T) {
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	idx := &bans.Index{}
	sync := b.SyncBans(idx, &postgres.SyncOptions{RetryDelay: 20 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sync.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("sync.Run: %v", err)
		}
	}()
	<-sync.Ready()

	c := playerbase.New(b, nil)
	soon := time.Now().Add(300 * time.Millisecond)
	email := bans.MustIdentity(bans.Email, "temp@example.com")
	temp, err := c.BanCreate(ctx, playerbase.BanCreateParams{Reason: "cool down", ExpiresAt: &soon, Identities: []bans.Identity{email}, Actor: "admin:test"})
	if err != nil {
		t.Fatal(err)
	}
	perm, err := c.BanCreate(ctx, playerbase.BanCreateParams{Reason: "cheating", Identities: []bans.Identity{bans.MustIdentity(bans.Name, "Cheater")}, Actor: "admin:test"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); idx.Len() != 2; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the index never held both bans: Len %d", idx.Len())
		}
	}
	for deadline := time.Now().Add(10 * time.Second); idx.Len() != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ban %s expired but the index still holds %d bans", temp.ID, idx.Len())
		}
	}
	if got := idx.Check(time.Now(), bans.MustIdentity(bans.Name, "cheater")); !slices.Equal(got, []bans.ID{perm.ID}) {
		t.Errorf("after pruning, the permanent ban: Check = %v, want [%s]", got, perm.ID)
	}
	if n := sync.Loads(); n != 1 {
		t.Errorf("%d full loads: pruning must not cost a reconnect", n)
	}
}
