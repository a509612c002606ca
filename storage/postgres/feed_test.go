package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

var errRollback = errors.New("rolled back on purpose")

// withMaxConns returns dsn with a pool as large as n, so n writers run
// concurrently in PostgreSQL, not one after the other in the pool's queue.
func withMaxConns(dsn string, n int) string {
	sep := "?"
	if slices.Contains([]byte(dsn), '?') {
		sep = "&"
	}
	return fmt.Sprintf("%s%spool_max_conns=%d", dsn, sep, n)
}

// The outbox hole, on PostgreSQL, with followers that wait: writers append
// with random pauses inside their transactions, some roll back, some
// collide on a row and are aborted and run again; followers, each on a
// backend of its own, read the feed from their cursor and wait with
// WaitEvents when it has nothing new. One follower's listening connection
// is killed mid-run, another stops, saves its cursor, and resumes on a new
// backend from it. Every follower must see every committed event exactly
// once, all in one order; a follower that slept through a commit would
// never see the last event and the test would time out.
func TestFeedFollowersMissNothing(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const writers, perWriter, followers = 12, 40, 4
	w, err := pgtest.Open(withMaxConns(dsn, writers), schema)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	open := func() *postgres.Backend {
		b, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pause := func(max time.Duration) { time.Sleep(rand.N(max)) }
	newEvent := func(subject string) events.Event {
		return events.Event{ID: events.NewID(time.Now()), Type: events.CustomerUpdated, Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Subject: subject, Changes: events.Changes{}}
	}

	var mu sync.Mutex
	var committed []events.ID
	var written atomic.Int64
	var wg sync.WaitGroup
	writing := make(chan struct{})
	write := func(i, j int) {
		evs := make([]events.Event, 1+rand.IntN(3))
		for k := range evs {
			evs[k] = newEvent(fmt.Sprintf("w%d-%d-%d", i, j, k))
		}
		collide, rollback := rand.IntN(3) == 0, rand.IntN(5) == 0
		pause(10 * time.Millisecond)
		err := w.Update(ctx, func(tx storage.Tx) error {
			pause(5 * time.Millisecond)
			if collide {
				// Read, then write, one row every colliding
				// writer shares: SERIALIZABLE aborts all but one.
				n, err := tx.Events().Cursor(ctx, "collide")
				if err != nil {
					return err
				}
				if err := tx.Events().SetCursor(ctx, "collide", n+1); err != nil {
					return err
				}
			}
			if err := tx.Events().Append(ctx, evs...); err != nil {
				return err
			}
			pause(5 * time.Millisecond)
			if rollback {
				return errRollback
			}
			return nil
		})
		switch {
		case err == nil:
			mu.Lock()
			for _, e := range evs {
				committed = append(committed, e.ID)
			}
			mu.Unlock()
			written.Add(1)
		case !errors.Is(err, errRollback):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	// The writers run in rounds, all at once within a round, with a short
	// lull between rounds in which followers may catch up and wait.
	wg.Go(func() {
		for j := range perWriter {
			var round sync.WaitGroup
			for i := range writers {
				round.Go(func() { write(i, j) })
			}
			round.Wait()
			pause(20 * time.Millisecond)
		}
	})

	// A follower reads pages from its cursor and waits when there is
	// nothing new, until it reads the end marker.
	end := newEvent("end")
	seen := make([][]events.Event, followers)
	waits := make([]atomic.Int64, followers)
	follow := func(f int, b *postgres.Backend, after events.Seq, stopAt func(events.Seq) bool) (events.Seq, bool, error) {
		for {
			var page []events.Event
			err := b.View(ctx, func(tx storage.Tx) (err error) {
				page, err = tx.Events().List(ctx, events.Query{After: after, Limit: 100})
				return err
			})
			if err != nil {
				return after, false, err
			}
			for _, e := range page {
				seen[f] = append(seen[f], e)
				after = e.Seq
				if e.ID == end.ID {
					return after, true, nil
				}
			}
			if stopAt != nil && stopAt(after) {
				return after, false, nil
			}
			if len(page) == 0 {
				waits[f].Add(1)
				if err := b.WaitEvents(ctx, after); err != nil {
					return after, false, fmt.Errorf("WaitEvents after %d: %w", after, err)
				}
			}
		}
	}
	var fg sync.WaitGroup
	killed := make(chan [2]uint32, 1)
	for f := range followers {
		fg.Go(func() {
			b := open()
			defer func() { _ = b.Close() }()
			switch f {
			case 1:
				// Kill the listening connection once a third is written.
				fg.Go(func() {
					for written.Load() < writers*perWriter/3 || b.ListenerPID() == 0 {
						select {
						case <-writing:
							return // too late: the test reports it
						case <-time.After(time.Millisecond):
						}
					}
					old := b.ListenerPID()
					if _, err := w.Pool().Exec(ctx, "select pg_terminate_backend($1)", old); err != nil {
						t.Errorf("kill the listener: %v", err)
					}
					for b.ListenerPID() == old && ctx.Err() == nil {
						time.Sleep(time.Millisecond)
					}
					killed <- [2]uint32{old, b.ListenerPID()}
				})
			case 2:
				// Stop halfway, save the cursor, and resume from it on
				// a new backend with a new listener.
				at, _, err := follow(f, b, 0, func(at events.Seq) bool { return written.Load() >= writers*perWriter/2 })
				if err == nil {
					err = b.Update(ctx, func(tx storage.Tx) error { return tx.Events().SetCursor(ctx, "follower-2", at) })
				}
				if err != nil {
					t.Errorf("follower %d: %v", f, err)
					return
				}
				_ = b.Close()
				b = open()
				err = b.View(ctx, func(tx storage.Tx) (err error) {
					at, err = tx.Events().Cursor(ctx, "follower-2")
					return err
				})
				if err != nil {
					t.Errorf("follower %d: saved cursor: %v", f, err)
					return
				}
				if _, ok, err := follow(f, b, at, nil); !ok {
					t.Errorf("follower %d after its restart from %d: %v", f, at, err)
				}
				return
			}
			if _, ok, err := follow(f, b, 0, nil); !ok {
				t.Errorf("follower %d: %v", f, err)
			}
		})
	}
	wg.Wait()
	close(writing)
	if err := w.Update(ctx, func(tx storage.Tx) error { return tx.Events().Append(ctx, end) }); err != nil {
		t.Fatal(err)
	}
	committed = append(committed, end.ID)
	fg.Wait()

	select {
	case pids := <-killed:
		if pids[0] == 0 || pids[1] == 0 || pids[0] == pids[1] {
			t.Errorf("listener PIDs before and after the kill: %v, want two", pids)
		}
	default:
		t.Error("the listener was never killed")
	}
	if w.Retries() == 0 {
		t.Error("no transaction was aborted for serialization: the test did not exercise retries")
	}
	for f := range waits {
		t.Logf("follower %d waited in WaitEvents %d times", f, waits[f].Load())
	}
	t.Logf("%d events in %d transactions committed; %d attempts aborted and run again", len(committed), written.Load()+1, w.Retries())
	slices.Sort(committed)
	for f, evs := range seen {
		ids := idsOf(evs)
		if f > 0 && !slices.Equal(ids, idsOf(seen[0])) {
			t.Errorf("follower %d saw another order than follower 0", f)
		}
		for i := 1; i < len(evs); i++ {
			if evs[i].Seq <= evs[i-1].Seq {
				t.Errorf("follower %d: seq %d after %d", f, evs[i].Seq, evs[i-1].Seq)
			}
		}
		slices.Sort(ids)
		if d := cmp.Diff(committed, ids); d != "" {
			t.Errorf("follower %d: committed vs seen (-want +got):\n%s", f, d)
		}
	}
}

func idsOf(evs []events.Event) []events.ID {
	out := make([]events.ID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// Open turns JIT compilation off: with sequential scans penalised, a plan
// that must scan a small table costs enough for PostgreSQL to compile it on
// every execution, which took the change feed's List from 0.2 ms to 20.
func TestOpenTurnsJITOff(t *testing.T) {
	var jit string
	if err := sharedBackend(t).Pool().QueryRow(context.Background(), "show jit").Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "off" {
		t.Errorf("jit = %q, want off", jit)
	}
}

// A waiter blocked in WaitEvents returns when the backend closes, and the
// listener leaves no goroutine behind.
func TestWaitEventsClose(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, err := pgtest.Open(dsn, schema)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.WaitEvents(context.Background(), 0) }()
	for b.ListenerPID() == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("WaitEvents on a closed backend = nil, want an error")
	}
	if err := b.WaitEvents(context.Background(), 0); err == nil {
		t.Error("WaitEvents after Close = nil, want an error")
	}
}

// An idle listener pings its connection every heartbeat and keeps it: a
// waiter that outlasts several heartbeats still wakes on the next commit,
// heard on the same connection.
func TestWaitEventsAcrossHeartbeats(t *testing.T) {
	defer postgres.SetListenHeartbeat(20 * time.Millisecond)()
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		done <- b.WaitEvents(c, 0)
	}()
	for b.ListenerPID() == 0 {
		time.Sleep(time.Millisecond)
	}
	pid := b.ListenerPID()
	time.Sleep(200 * time.Millisecond)
	e := events.Event{ID: events.NewID(time.Now()), Type: events.CustomerUpdated, Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Subject: "x", Changes: events.Changes{}}
	if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Events().Append(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("WaitEvents across heartbeats = %v", err)
	}
	if got := b.ListenerPID(); got != pid {
		t.Errorf("listener PID %d after the heartbeats, want %d: the connection was replaced", got, pid)
	}
}
