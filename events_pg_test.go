package playerbase_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// pgNodes returns n clients on one PostgreSQL schema, each with a backend
// (and so a pool and a listener) of its own, as n servers of one store.
func pgNodes(t *testing.T, n int) []*playerbase.Client {
	t.Helper()
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	out := make([]*playerbase.Client, n)
	for i := range out {
		b, err := pgtest.Open(dsn, schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		out[i] = playerbase.New(b, nil)
	}
	return out
}

// A follower waiting in EventWait on one server wakes when another server
// bans a player: PostgreSQL's NOTIFY wakes it, not a poll.
func TestEventWaitWakesOnAnotherClientsCommit(t *testing.T) {
	nodes := pgNodes(t, 2)
	follower, admin := nodes[0], nodes[1]
	ctx := context.Background()
	start, err := follower.EventLast(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type woke struct {
		page playerbase.EventPage
		at   time.Time
		err  error
	}
	done := make(chan woke, 1)
	waiting, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	go func() {
		page, err := follower.EventWait(waiting, playerbase.EventListParams{After: start, Types: []events.Type{events.BanCreated}})
		done <- woke{page, time.Now(), err}
	}()
	// Let the follower read the empty feed and wait; the test holds
	// whenever the ban lands, this only makes the latency meaningful.
	time.Sleep(300 * time.Millisecond)
	ban, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "x-ray", Identities: []bans.Identity{bans.MustIdentity(bans.Name, "griefer")}})
	if err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	w := <-done
	if w.err != nil {
		t.Fatalf("EventWait = %v, want the ban within 5 s", w.err)
	}
	if len(w.page.Events) != 1 || w.page.Events[0].Subject != string(ban.ID) {
		t.Fatalf("EventWait returned %v, want the ban's event", w.page.Events)
	}
	t.Logf("the follower woke %v after BanCreate returned on the other client", w.at.Sub(committed))
}

// The gap test through the Client: servers ban players from several
// goroutines while followers on other servers read the feed with
// EventWait from their cursor; one follower moves to a new server halfway,
// resuming from its cursor. Every follower sees every ban's event once,
// all in one order.
func TestEventWaitFollowersMissNothing(t *testing.T) {
	const writers, bansEach, followers = 6, 10, 3
	nodes := pgNodes(t, 2+followers+1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	var created []string
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			pb := nodes[w%2]
			for i := range bansEach {
				ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{
					Reason: "x", Identities: []bans.Identity{bans.MustIdentity(bans.Name, fmt.Sprintf("p%d_%d", w, i))},
				})
				if err != nil {
					t.Errorf("BanCreate: %v", err)
					return
				}
				mu.Lock()
				created = append(created, string(ban.ID))
				mu.Unlock()
			}
		})
	}
	// The end marker is the one ban the test edits: a follower stops at
	// its BanUpdated.
	seen := make([][]string, followers)
	var fg sync.WaitGroup
	for f := range followers {
		fg.Go(func() {
			pb := nodes[2+f]
			var after events.Seq
			for {
				if f == 0 && len(seen[f]) >= writers*bansEach/2 && pb == nodes[2] {
					pb = nodes[2+followers] // another server, from the same cursor
				}
				page, err := pb.EventWait(ctx, playerbase.EventListParams{After: after, Types: []events.Type{events.BanCreated, events.BanUpdated}, Limit: 7})
				if err != nil {
					t.Errorf("follower %d: EventWait after %d: %v", f, after, err)
					return
				}
				after = page.NextCursor
				for _, e := range page.Events {
					if e.Type == events.BanUpdated {
						return
					}
					seen[f] = append(seen[f], e.Subject)
				}
			}
		})
	}
	wg.Wait()
	reason := "x, edited"
	if _, err := nodes[1].BanUpdate(ctx, bans.ID(created[0]), playerbase.BanUpdateParams{Reason: &reason}); err != nil {
		t.Fatal(err)
	}
	fg.Wait()
	slices.Sort(created)
	for f, ids := range seen {
		if f > 0 && !slices.Equal(ids, seen[0]) {
			t.Errorf("follower %d saw another order than follower 0", f)
		}
		sorted := slices.Sorted(slices.Values(ids))
		if d := cmp.Diff(created, sorted); d != "" {
			t.Errorf("follower %d: bans created vs seen (-want +got):\n%s", f, d)
		}
	}
}

// A ban that commits between EventWait's read of an empty feed and its
// wait must still end the wait: the newest Seq it waits past is read in the
// same snapshot as the page, not after it (read after, it would include the
// ban, and the follower would wait for the next event instead).
func TestEventWaitCommitWhileReading(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	var nodes [2]*postgres.Backend
	for i := range nodes {
		b, err := pgtest.Open(dsn, schema)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = b.Close() }()
		nodes[i] = b
	}
	admin := playerbase.New(nodes[0], nil)
	ctx := context.Background()
	var ban bans.Ban
	hb := &hookBackend{Backend: nodes[1], hook: func() {
		var err error
		ban, err = admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "x", Identities: []bans.Identity{bans.MustIdentity(bans.Name, "griefer")}})
		if err != nil {
			t.Error(err)
		}
	}}
	follower := playerbase.New(hb, nil)
	waiting, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	page, err := follower.EventWait(waiting, playerbase.EventListParams{})
	if err != nil {
		t.Fatalf("EventWait = %v, want the ban committed while it read the feed", err)
	}
	if len(page.Events) != 1 || page.Events[0].Subject != string(ban.ID) {
		t.Errorf("EventWait returned %v, want the ban's event", page.Events)
	}
}

// hookBackend runs hook once, the first time a List in a View finds
// nothing, before the View goes on.
type hookBackend struct {
	*postgres.Backend
	once sync.Once
	hook func()
}

func (h *hookBackend) View(ctx context.Context, fn func(storage.Tx) error) error {
	return h.Backend.View(ctx, func(tx storage.Tx) error { return fn(hookTx{tx, h}) })
}

type hookTx struct {
	storage.Tx
	h *hookBackend
}

func (t hookTx) Events() events.Store { return hookEvents{t.Tx.Events(), t.h} }

type hookEvents struct {
	events.Store
	h *hookBackend
}

func (e hookEvents) List(ctx context.Context, q events.Query) ([]events.Event, error) {
	evs, err := e.Store.List(ctx, q)
	if err == nil && len(evs) == 0 {
		e.h.once.Do(e.h.hook)
	}
	return evs, err
}
