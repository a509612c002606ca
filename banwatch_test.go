package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// watchClock is a clock a test moves by hand.
type watchClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *watchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *watchClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var watchStart = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// watchSetup returns two Clients on b sharing a clock: one that writes the
// bans, the other a game server's, with a BanWatch closed at the end.
func watchSetup(t *testing.T, b storage.Backend, opts *playerbase.BanWatchOptions) (admin *playerbase.Client, watch *playerbase.BanWatch, clk *watchClock) {
	t.Helper()
	return watchOn(t, b, &watchClock{t: watchStart}, opts)
}

// watchOn is watchSetup with the clock given.
func watchOn(t *testing.T, b storage.Backend, clk *watchClock, opts *playerbase.BanWatchOptions) (admin *playerbase.Client, watch *playerbase.BanWatch, _ *watchClock) {
	t.Helper()
	admin = playerbase.New(b, &playerbase.Config{Now: clk.Now})
	game := playerbase.New(b, &playerbase.Config{Now: clk.Now})
	if opts == nil {
		opts = &playerbase.BanWatchOptions{}
	}
	if opts.OnError == nil {
		opts.OnError = func(err error) { t.Logf("ban watch: %v", err) }
	}
	watch, err := game.BanWatch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := watch.Close(); err != nil {
			t.Error(err)
		}
	})
	return admin, watch, clk
}

// immediate reports whether b promises that a change is in a watched index
// before the call that made it returns.
func immediate(b storage.Backend) bool {
	_, ok := b.(storage.EventSubscriber)
	return ok
}

// reflects checks that idx answers Check(at, id) with want: at once on a
// backend that promises it, otherwise within a generous 5 s, logging how
// long it took (the promise there is 1 s; a loaded CI machine may be slow,
// so the test does not time it).
func reflects(t *testing.T, b storage.Backend, what string, idx *bans.Index, at time.Time, id bans.Identity, want ...bans.ID) {
	t.Helper()
	if immediate(b) {
		if got := idx.Check(at, id); !slices.Equal(got, want) {
			t.Fatalf("%s: right after the call, Check(%v) = %v, want %v", what, id, got, want)
		}
		return
	}
	start := time.Now()
	for !slices.Equal(idx.Check(at, id), want) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: after 5 s, Check(%v) = %v, want %v", what, id, idx.Check(at, id), want)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("%s: in the index after %v", what, time.Since(start).Round(time.Millisecond))
}

// An index from BanWatch reflects a ban, each kind of update and an unban
// made through another Client on the same store, with no host code in
// between: on memory as soon as each call returns, elsewhere within a
// second.
func TestBanWatchFollowsAnotherClient(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		admin, watch, clk := watchSetup(t, b, nil)
		idx := watch.Index()
		email, name := bans.MustIdentity(bans.Email, "watch@example.com"), bans.MustIdentity(bans.Name, "Griefer")
		now := clk.Now()
		if got := idx.Check(now, email); len(got) != 0 {
			t.Fatalf("an empty store's index: Check = %v", got)
		}

		until := watchStart.Add(time.Hour)
		ban, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", ExpiresAt: &until, Identities: []bans.Identity{email}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "created", idx, now, email, ban.ID)

		if _, err := admin.BanUpdate(ctx, ban.ID, playerbase.BanUpdateParams{Add: []bans.Identity{name}, Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "identity added", idx, now, name, ban.ID)

		if _, err := admin.BanUpdate(ctx, ban.ID, playerbase.BanUpdateParams{Remove: []bans.Identity{email}, Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "identity removed", idx, now, email)

		// Two hours on, the ban matches only with its new expiry.
		later, longer := watchStart.Add(2*time.Hour), watchStart.Add(3*time.Hour)
		if got := idx.Check(later, name); len(got) != 0 {
			t.Fatalf("before the expiry moved, Check two hours on = %v, want none", got)
		}
		if _, err := admin.BanUpdate(ctx, ban.ID, playerbase.BanUpdateParams{SetExpiry: true, ExpiresAt: &longer, Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "expiry moved", idx, later, name, ban.ID)

		if _, err := admin.BanRemove(ctx, ban.ID, playerbase.BanRemoveParams{Actor: "admin:bob"}); err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "unbanned", idx, now, name)

		// And a ban made after all that: the watch still follows.
		again, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "ban evasion", Identities: []bans.Identity{email}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "banned again", idx, now, email, again.ID)
		if n := watch.Loads(); n != 1 {
			t.Errorf("%d full loads, want 1: following the feed must not reload", n)
		}
	})
}

// The first load brings in every active ban, and none lifted or expired.
func TestBanWatchLoadsActiveBans(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		clk := &watchClock{t: watchStart}
		admin := playerbase.New(b, &playerbase.Config{Now: clk.Now})
		soon := watchStart.Add(time.Minute)
		mk := func(p playerbase.BanCreateParams) bans.Ban {
			t.Helper()
			p.Reason, p.Actor = "cheating", "admin:alice"
			ban, err := admin.BanCreate(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return ban
		}
		rng := mk(playerbase.BanCreateParams{Identities: []bans.Identity{{Type: bans.IPRange, Value: "10.0.0.0/8"}}})
		temp := mk(playerbase.BanCreateParams{ExpiresAt: &soon, Identities: []bans.Identity{{Type: bans.Name, Value: "griefer"}}})
		brief := watchStart.Add(10 * time.Second)
		mk(playerbase.BanCreateParams{ExpiresAt: &brief, Identities: []bans.Identity{{Type: bans.Name, Value: "expired"}}})
		lifted := mk(playerbase.BanCreateParams{Identities: []bans.Identity{{Type: bans.Name, Value: "lifted"}}})
		if _, err := admin.BanRemove(ctx, lifted.ID, playerbase.BanRemoveParams{Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(30 * time.Second)
		_, watch, _ := watchOn(t, b, clk, nil)
		idx := watch.Index()
		if idx.Len() != 2 {
			t.Errorf("index holds %d bans, want the 2 active ones", idx.Len())
		}
		ids := []bans.Identity{bans.NameIdentity("Griefer"), {Type: bans.IP, Value: "10.1.2.3"}, bans.NameIdentity("lifted"), bans.NameIdentity("expired")}
		if got := idx.Check(clk.Now(), ids...); !slices.Equal(got, []bans.ID{temp.ID, rng.ID}) {
			t.Errorf("Check = %v, want [%s %s]", got, temp.ID, rng.ID)
		}
	})
}

// Bans leave the index as their expiry passes by the Client's clock, with
// no write and no reload: a long-running game server's index holds the live
// bans, not every ban it has seen.
func TestBanWatchPrunesExpiredBans(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		admin, watch, clk := watchSetup(t, b, nil)
		idx := watch.Index()
		soon := watchStart.Add(time.Minute)
		temp, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "cool down", ExpiresAt: &soon, Identities: []bans.Identity{bans.MustIdentity(bans.Email, "temp@example.com")}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		perm, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "cheating", Identities: []bans.Identity{bans.MustIdentity(bans.Name, "Cheater")}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "both bans in the index", func() bool { return idx.Len() == 2 })
		clk.Advance(2 * time.Minute)
		waitFor(t, "ban "+string(temp.ID)+" pruned once expired", func() bool { return idx.Len() == 1 })
		if got := idx.Check(clk.Now(), bans.MustIdentity(bans.Name, "cheater")); !slices.Equal(got, []bans.ID{perm.ID}) {
			t.Errorf("after pruning, the permanent ban: Check = %v, want [%s]", got, perm.ID)
		}
		if n := watch.Loads(); n != 1 {
			t.Errorf("%d full loads: pruning must not reload", n)
		}
	})
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("after 5 s, still not: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
}

// pausable is a backend whose reads wait while it is paused (before they
// begin, so a paused read holds no lock a writer needs), and that offers
// neither subscribers nor wake-ups (the embedded interface hides them): a
// follower that falls behind on demand.
type pausable struct {
	storage.Backend
	gate sync.RWMutex
}

func (p *pausable) View(ctx context.Context, fn func(storage.Tx) error) error {
	p.gate.RLock()
	defer p.gate.RUnlock()
	return p.Backend.View(ctx, fn)
}

// A watch whose cursor fell behind the events retention pruned loads every
// ban again, and the index is as the store is: the ban lifted while it was
// away is out, the one made meanwhile in.
func TestBanWatchReloadsWhenBehind(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		slow := &pausable{Backend: b}
		_, watch, clk := watchSetup(t, slow, &playerbase.BanWatchOptions{RetryDelay: 10 * time.Millisecond})
		admin := playerbase.New(b, &playerbase.Config{Now: clk.Now})
		idx := watch.Index()
		email, name := bans.MustIdentity(bans.Email, "behind@example.com"), bans.MustIdentity(bans.Name, "Evader")
		first, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", Identities: []bans.Identity{email}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the first ban in the index", func() bool { return slices.Equal(idx.Check(clk.Now(), email), []bans.ID{first.ID}) })

		slow.gate.Lock() // the watch stops reading the feed
		second, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "ban evasion", Identities: []bans.Identity{name}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.BanRemove(ctx, first.ID, playerbase.BanRemoveParams{Actor: "admin:bob"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		n, err := admin.EventPrune(ctx, playerbase.EventPruneParams{OlderThan: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("EventPrune pruned nothing: the test would not put the watch behind")
		}
		slow.gate.Unlock()

		waitFor(t, "reloaded", func() bool { return watch.Loads() >= 2 })
		if got := idx.Check(clk.Now(), email, name); !slices.Equal(got, []bans.ID{second.ID}) {
			t.Errorf("after the reload, Check = %v, want [%s]", got, second.ID)
		}
		// And it follows the feed again.
		third, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "alt account", Identities: []bans.Identity{email}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a ban after the reload", func() bool { return slices.Equal(idx.Check(clk.Now(), email), []bans.ID{third.ID}) })
		if n := watch.Loads(); n != 2 {
			t.Errorf("%d full loads, want 2: one to start, one after falling behind", n)
		}
	})
}

// A watch whose cursor sits on an old ban event while other events flow
// and are pruned does not count as behind: it moved past them.
func TestBanWatchQuietBansNoReload(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		admin, watch, clk := watchSetup(t, b, nil)
		first, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", Identities: []bans.Identity{bans.NameIdentity("Quiet")}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.BanRemove(ctx, first.ID, playerbase.BanRemoveParams{Actor: "admin:bob"}); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, _, err := admin.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 52000000+i), Name: "Player"}); err != nil {
				t.Fatal(err)
			}
		}
		last, err := admin.EventLast(ctx)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the cursor past every event", func() bool { return watch.Cursor() >= last })
		clk.Advance(time.Hour)
		if _, err := admin.EventPrune(ctx, playerbase.EventPruneParams{OlderThan: time.Minute}); err != nil {
			t.Fatal(err)
		}
		second, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", Identities: []bans.Identity{bans.NameIdentity("Quiet")}, Actor: "admin:alice"})
		if err != nil {
			t.Fatal(err)
		}
		reflects(t, b, "a ban after the prune", watch.Index(), clk.Now(), bans.NameIdentity("Quiet"), second.ID)
		if n := watch.Loads(); n != 1 {
			t.Errorf("%d full loads, want 1", n)
		}
	})
}

// Close stops every goroutine the watch started, and no change reaches the
// index after it.
func TestBanWatchClose(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		// A backend's own followers' machinery (PostgreSQL's listening
		// connection, opened on the first wait and closed with the
		// backend) is not the watch's: start it before counting.
		if w, ok := b.(storage.EventWaiter); ok {
			wctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			_ = w.WaitEvents(wctx, 1<<62) // only to start it: it times out
			cancel()
		}
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		clk := &watchClock{t: watchStart}
		admin := playerbase.New(b, &playerbase.Config{Now: clk.Now})
		watch, err := playerbase.New(b, &playerbase.Config{Now: clk.Now}).BanWatch(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		soon := watchStart.Add(time.Minute) // an expiry: the prune timer runs
		if _, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r", ExpiresAt: &soon, Identities: []bans.Identity{bans.NameIdentity("A")}, Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ban in the index", func() bool { return watch.Index().Len() == 1 })
		if err := watch.Close(); err != nil {
			t.Fatal(err)
		}
		if err := watch.Close(); err != nil {
			t.Fatalf("a second Close: %v", err)
		}
		if _, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r", Identities: []bans.Identity{bans.NameIdentity("B")}, Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // more than a poll
		if n := watch.Index().Len(); n != 1 {
			t.Errorf("a closed watch's index holds %d bans, want the 1 it had", n)
		}
	})
}

// A watch that cannot make its first load fails, and leaves nothing
// running.
func TestBanWatchFirstLoadFails(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := playerbase.New(memory.New(), nil).BanWatch(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("BanWatch with an ended ctx: %v, want context.Canceled", err)
	}
}

// A game server's join check asks the watched index and sees a ban made on
// the admin page at once.
func ExampleClient_BanWatch() {
	ctx := context.Background()
	store := memory.New()
	admin := playerbase.New(store, nil) // the web store's admin page
	game := playerbase.New(store, nil)  // a game server's plugin

	watch, err := game.BanWatch(ctx, nil)
	if err != nil {
		panic(err)
	}
	defer func() { _ = watch.Close() }() // Close always returns nil

	ban, _ := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "aimbot", Actor: "admin:alice",
		Identities: []bans.Identity{{Type: bans.Steam, Value: "STEAM_0:0:23071901"}}})
	join, _ := game.BanJoinCheck(ctx, playerbase.BanJoinParams{Index: watch.Index(),
		Identities: []bans.Identity{{Type: bans.Steam, Value: "76561198006409530"}}})
	fmt.Println(join.Banned, join.BanIDs[0] == ban.ID)
	// Output: true true
}

// A game server's watch on PostgreSQL whose database connections are all
// killed goes on: the reads fail, are retried, and the bans made meanwhile
// reach the index.
func TestBanWatchPostgresConnectionsKilled(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	open := func(dsn string) *postgres.Backend {
		t.Helper()
		b, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
		})
		return b
	}
	adminDB := open(dsn)
	if err := adminDB.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	app := strings.Replace(schema, "playerbase_test_", "banwatch_", 1)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	gameDB := open(dsn + sep + "application_name=" + app)

	var mu sync.Mutex
	var failures []error
	clk := &watchClock{t: watchStart}
	_, watch, _ := watchOn(t, gameDB, clk, &playerbase.BanWatchOptions{RetryDelay: 20 * time.Millisecond, OnError: func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}})
	admin := playerbase.New(adminDB, &playerbase.Config{Now: clk.Now})
	idx, email := watch.Index(), bans.MustIdentity(bans.Email, "killed@example.com")

	first, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "griefing", Identities: []bans.Identity{email}, Actor: "admin:alice"})
	if err != nil {
		t.Fatal(err)
	}
	reflects(t, adminDB, "created", idx, clk.Now(), email, first.ID)

	var killed int
	if err := adminDB.Pool().QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("the watch holds no connection to kill")
	}
	if _, err := admin.BanRemove(ctx, first.ID, playerbase.BanRemoveParams{Actor: "admin:bob"}); err != nil {
		t.Fatal(err)
	}
	second, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "ban evasion", Identities: []bans.Identity{email}, Actor: "admin:alice"})
	if err != nil {
		t.Fatal(err)
	}
	reflects(t, adminDB, "lifted and banned again after "+strconv.Itoa(killed)+" connection(s) killed", idx, clk.Now(), email, second.ID)
	mu.Lock()
	t.Logf("the watch recovered from %d failure(s): %v", len(failures), failures)
	mu.Unlock()
	if n := watch.Loads(); n != 1 {
		t.Errorf("%d full loads: a lost connection costs a retry, not a reload", n)
	}
}
