package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/oklog/ulid/v2"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// testEvents checks events.Store: commit-ordered Seqs, a rolled-back
// Append that leaves nothing, every field round-tripped byte for byte,
// the filters, history, retention and cursors; and, on a backend that
// offers them, storage.EventWaiter and storage.EventSubscriber.
func testEvents(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	alice, bob := customer.NewID(now), customer.NewID(now)
	ev := func(typ events.Type, c customer.ID, subject string, at time.Time) events.Event {
		return events.Event{
			ID: events.NewID(at), Type: typ, Time: at, Actor: "admin:ålice", Customer: c, Subject: subject,
			Changes: events.Changes{
				"name": {Before: json.RawMessage(`"a\u0000§"`), After: json.RawMessage(`"b"`)},
				"tags": {After: json.RawMessage(`[1,2.50,"x"]`)},
			},
		}
	}
	list := func(t *testing.T, b storage.Backend, q events.Query) (got []events.Event) {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 1000
		}
		view(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Events().List(ctx, q)
			return err
		})
		return got
	}
	ignoreSeq := cmpopts.IgnoreFields(events.Event{}, "Seq")

	// A transaction that appends, prunes and appends again, then rolls
	// back, leaves the feed, each customer's history and Last as they
	// were; the next append follows on.
	t.Run("RollbackAfterPrune", func(t *testing.T) {
		b := newBackend(t)
		old := ev(events.CustomerCreated, alice, string(alice), now)
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, old) })
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Events().Append(ctx, ev(events.CustomerUpdated, alice, string(alice), now)); err != nil {
				return err
			}
			// Whether it sees the transaction's own event is the
			// backend's: PostgreSQL gives Seqs at commit.
			if n, err := tx.Events().Prune(ctx, now.Add(time.Hour), now); err != nil || n < 1 {
				t.Errorf("Prune = %d, %v; want the committed event at least", n, err)
			}
			if err := tx.Events().Append(ctx, ev(events.CustomerUpdated, alice, string(alice), now)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled-back Update = %v", err)
		}
		later := ev(events.CustomerUpdated, alice, string(alice), now.Add(time.Second))
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, later) })
		if d := cmp.Diff([]events.Event{old, later}, list(t, b, events.Query{}), ignoreSeq); d != "" {
			t.Errorf("List (-want +got):\n%s", d)
		}
		view(t, b, func(tx storage.Tx) error {
			h, err := tx.Events().History(ctx, alice, 0, 10)
			if d := cmp.Diff([]events.Event{later, old}, h, ignoreSeq); err != nil || d != "" {
				t.Errorf("History = %v (-want +got):\n%s", err, d)
			}
			return nil
		})
	})

	t.Run("AppendListHistory", func(t *testing.T) {
		b := newBackend(t)
		first := []events.Event{
			ev(events.CustomerCreated, alice, string(alice), now),
			ev(events.ProductCreated, "", "prd_X", now.Add(time.Microsecond)),
			ev(events.CustomerUpdated, alice, string(alice), now.Add(2*time.Microsecond)),
		}
		second := ev(events.CustomerCreated, bob, string(bob), now.Add(time.Second))
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, first...) })
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Events().Append(ctx, ev(events.BanCreated, "", "ban_X", now)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled-back Update = %v", err)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, second) })

		all := list(t, b, events.Query{})
		want := append(slices.Clone(first), second)
		if d := cmp.Diff(want, all, ignoreSeq); d != "" {
			t.Fatalf("List (-want +got):\n%s", d)
		}
		for i := 1; i < len(all); i++ {
			if all[i].Seq <= all[i-1].Seq {
				t.Fatalf("Seqs not increasing: %d then %d", all[i-1].Seq, all[i].Seq)
			}
		}
		view(t, b, func(tx storage.Tx) error {
			last, err := tx.Events().Last(ctx)
			if err != nil || last != all[3].Seq {
				t.Errorf("Last = %d, %v; want %d", last, err, all[3].Seq)
			}
			return nil
		})
		if got := list(t, b, events.Query{After: all[1].Seq}); len(got) != 2 || got[0].ID != all[2].ID {
			t.Errorf("List after the second = %v, want the last two", got)
		}
		if got := list(t, b, events.Query{Customer: alice}); len(got) != 2 || got[0].ID != all[0].ID || got[1].ID != all[2].ID {
			t.Errorf("List of alice = %v", got)
		}
		if got := list(t, b, events.Query{Customer: alice, After: all[0].Seq}); len(got) != 1 || got[0].ID != all[2].ID {
			t.Errorf("List of alice after her first = %v", got)
		}
		if got := list(t, b, events.Query{Types: []events.Type{events.CustomerCreated, events.ProductCreated}}); len(got) != 3 || got[2].ID != second.ID {
			t.Errorf("List by types = %v", got)
		}
		if got := list(t, b, events.Query{Types: []events.Type{events.OrderRefunded}}); len(got) != 0 {
			t.Errorf("List by a type with none = %v", got)
		}
		if got := list(t, b, events.Query{Limit: 2}); len(got) != 2 || got[1].ID != all[1].ID {
			t.Errorf("List limit 2 = %v", got)
		}
		view(t, b, func(tx storage.Tx) error {
			h, err := tx.Events().History(ctx, alice, 0, 10)
			if err != nil || len(h) != 2 || h[0].ID != all[2].ID || h[1].ID != all[0].ID {
				t.Errorf("History = %v, %v; want alice's two, newest first", h, err)
			}
			h, err = tx.Events().History(ctx, alice, all[2].Seq, 10)
			if err != nil || len(h) != 1 || h[0].ID != all[0].ID {
				t.Errorf("History before her newest = %v, %v", h, err)
			}
			h, err = tx.Events().History(ctx, alice, 0, 1)
			if err != nil || len(h) != 1 || h[0].ID != all[2].ID {
				t.Errorf("History limit 1 = %v, %v", h, err)
			}
			h, err = tx.Events().History(ctx, customer.NewID(now), 0, 10)
			if err != nil || len(h) != 0 {
				t.Errorf("History of a stranger = %v, %v", h, err)
			}
			return nil
		})
		err = b.View(ctx, func(tx storage.Tx) error { return tx.Events().Append(ctx, second) })
		if err == nil {
			t.Error("Append in View succeeded")
		}
	})

	t.Run("EmptyFeed", func(t *testing.T) {
		b := newBackend(t)
		view(t, b, func(tx storage.Tx) error {
			last, err := tx.Events().Last(ctx)
			if err != nil || last != 0 {
				t.Errorf("Last of an empty feed = %d, %v", last, err)
			}
			return nil
		})
		if got := list(t, b, events.Query{}); len(got) != 0 {
			t.Errorf("List of an empty feed = %v", got)
		}
	})

	t.Run("Prune", func(t *testing.T) {
		b := newBackend(t)
		old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		live, _ := bans.New(bans.Draft{Reason: "x", Actor: "a", Identities: []bans.Identity{{Type: bans.Name, Value: "griefer"}}}, now)
		lifted, _ := bans.New(bans.Draft{Reason: "x", Actor: "a", Identities: []bans.Identity{{Type: bans.Name, Value: "other"}}}, now)
		lifted, _ = lifted.Unban("a", now)
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Bans().Create(ctx, live); err != nil {
				return err
			}
			return tx.Bans().Create(ctx, lifted)
		})
		update(t, b, func(tx storage.Tx) error {
			return tx.Events().Append(ctx,
				ev(events.CustomerCreated, alice, string(alice), old),
				ev(events.BanCreated, "", string(live.ID), old),
				ev(events.BanCreated, "", string(lifted.ID), old),
				ev(events.CustomerUpdated, alice, string(alice), old.Add(time.Hour)),
				ev(events.CustomerUpdated, alice, string(alice), now),
			)
		})
		all := list(t, b, events.Query{})
		var n int
		update(t, b, func(tx storage.Tx) (err error) {
			n, err = tx.Events().Prune(ctx, old.Add(2*time.Hour), now)
			return err
		})
		if n != 3 {
			t.Errorf("Prune deleted %d, want 3 (all old but the live ban's)", n)
		}
		if got := list(t, b, events.Query{After: all[3].Seq}); len(got) != 1 || got[0].ID != all[4].ID {
			t.Errorf("List from the newest pruned = %v, want the one after", got)
		}
		err := b.View(ctx, func(tx storage.Tx) error {
			_, err := tx.Events().List(ctx, events.Query{After: all[2].Seq, Limit: 10})
			return err
		})
		var behind *events.BehindError
		if !errors.As(err, &behind) || !errors.Is(err, errs.ErrGone) || behind.Horizon != all[3].Seq {
			t.Errorf("List behind retention = %v, want a *BehindError with horizon %d matching ErrGone", err, all[3].Seq)
		}
		view(t, b, func(tx storage.Tx) error {
			h, err := tx.Events().History(ctx, alice, 0, 10)
			if err != nil || len(h) != 1 {
				t.Errorf("History after prune = %v, %v; want the recent one", h, err)
			}
			return nil
		})
		update(t, b, func(tx storage.Tx) (err error) {
			n, err = tx.Events().Prune(ctx, old.Add(2*time.Hour), now)
			return err
		})
		if n != 0 {
			t.Errorf("second Prune deleted %d, want 0", n)
		}
		// The live ban's event stays until the ban ends.
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Events().List(ctx, events.Query{After: all[3].Seq - 1, Limit: 10, Types: []events.Type{events.BanCreated}})
			if !errors.As(err, &behind) {
				t.Errorf("List from before the horizon = %v, %v; want a *BehindError", got, err)
			}
			return nil
		})
		// Prune the newest event too: Last still names it, so a follower
		// that starts after Last is not behind.
		update(t, b, func(tx storage.Tx) (err error) {
			_, err = tx.Events().Prune(ctx, now.Add(time.Hour), now)
			return err
		})
		view(t, b, func(tx storage.Tx) error {
			last, err := tx.Events().Last(ctx)
			if err != nil || last != all[4].Seq {
				t.Errorf("Last once the newest event is pruned = %d, %v; want %d", last, err, all[4].Seq)
			}
			if got, err := tx.Events().List(ctx, events.Query{After: last, Limit: 10}); err != nil || len(got) != 0 {
				t.Errorf("List after Last = %v, %v; want nothing, no error", got, err)
			}
			return nil
		})
	})

	t.Run("Cursors", func(t *testing.T) {
		b := newBackend(t)
		view(t, b, func(tx storage.Tx) error {
			c, err := tx.Events().Cursor(ctx, "webhook:never")
			if err != nil || c != 0 {
				t.Errorf("Cursor of a stranger = %d, %v", c, err)
			}
			return nil
		})
		update(t, b, func(tx storage.Tx) error { return tx.Events().SetCursor(ctx, "webhook:ünï", 41) })
		update(t, b, func(tx storage.Tx) error { return tx.Events().SetCursor(ctx, "webhook:ünï", 42) })
		_ = b.Update(ctx, func(tx storage.Tx) error {
			_ = tx.Events().SetCursor(ctx, "webhook:ünï", 99)
			return errRollback
		})
		view(t, b, func(tx storage.Tx) error {
			c, err := tx.Events().Cursor(ctx, "webhook:ünï")
			if err != nil || c != 42 {
				t.Errorf("Cursor = %d, %v; want 42", c, err)
			}
			return nil
		})
	})

	t.Run("Waiter", func(t *testing.T) {
		b := newBackend(t)
		w, ok := b.(storage.EventWaiter)
		if !ok {
			t.Skip("backend has no EventWaiter: followers poll")
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := w.WaitEvents(short, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitEvents on an empty feed = %v, want the deadline", err)
		}
		done := make(chan error, 1)
		go func() {
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			done <- w.WaitEvents(c, 0)
		}()
		time.Sleep(20 * time.Millisecond)
		update(t, b, func(tx storage.Tx) error {
			return tx.Events().Append(ctx, ev(events.CustomerCreated, alice, string(alice), now))
		})
		if err := <-done; err != nil {
			t.Errorf("WaitEvents across an append = %v", err)
		}
		if err := w.WaitEvents(ctx, 0); err != nil {
			t.Errorf("WaitEvents with an event already past the cursor = %v", err)
		}
	})

	t.Run("Subscriber", func(t *testing.T) {
		b := newBackend(t)
		s, ok := b.(storage.EventSubscriber)
		if !ok {
			t.Skip("backend has no EventSubscriber")
		}
		var got []events.Event
		cancel := s.SubscribeEvents(func(evs []events.Event) { got = append(got, evs...) })
		e := ev(events.BanCreated, "", "ban_X", now)
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, e) })
		_ = b.Update(ctx, func(tx storage.Tx) error {
			_ = tx.Events().Append(ctx, e)
			return errRollback
		})
		if len(got) != 1 || got[0].ID != e.ID || got[0].Seq == 0 {
			t.Errorf("subscriber saw %v before Update returned, want the one committed event with its Seq", got)
		}
		cancel()
		update(t, b, func(tx storage.Tx) error { return tx.Events().Append(ctx, e) })
		if len(got) != 1 {
			t.Errorf("subscriber called after cancel")
		}
	})

	t.Run("RecordAppender", func(t *testing.T) {
		b := newBackend(t)
		var appender bool
		view(t, b, func(tx storage.Tx) error {
			_, appender = tx.Events().(events.RecordAppender)
			return nil
		})
		if !appender {
			t.Skip("backend has no events.RecordAppender")
		}
		testRecordAppender(t, b)
	})
	t.Run("FollowersMissNothing", func(t *testing.T) { testFollowers(t, newBackend(t)) })
}

// testFollowers is the outbox-hole test: writers append with random pauses
// inside their transactions, followers read the feed as it grows, and
// every follower must see every committed event once, all in one order.
func testFollowers(t *testing.T, b storage.Backend) {
	ctx := context.Background()
	const writers, perWriter, followers = 6, 15, 3
	var committed sync.Map
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				e := events.Event{ID: events.NewID(now), Type: events.CustomerUpdated, Time: now, Actor: "system", Subject: fmt.Sprintf("w%d-%d", w, i), Changes: events.Changes{}}
				err := b.Update(ctx, func(tx storage.Tx) error {
					if rand.IntN(2) == 0 {
						time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
					}
					if err := tx.Events().Append(ctx, e); err != nil {
						return err
					}
					time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
					if rand.IntN(5) == 0 {
						return errRollback
					}
					return nil
				})
				switch {
				case err == nil:
					committed.Store(e.ID, true)
				case !errors.Is(err, errRollback):
					t.Errorf("Update: %v", err)
				}
			}
		})
	}
	stop := make(chan struct{})
	seen := make([][]events.Event, followers)
	var fg sync.WaitGroup
	for f := range followers {
		fg.Go(func() {
			var after events.Seq
			for {
				// Whether the writers were done before this read: only
				// then does an empty page mean the end.
				var done bool
				select {
				case <-stop:
					done = true
				default:
				}
				var page []events.Event
				err := b.View(ctx, func(tx storage.Tx) (err error) {
					page, err = tx.Events().List(ctx, events.Query{After: after, Limit: 7})
					return err
				})
				if err != nil {
					t.Errorf("follower %d: %v", f, err)
					return
				}
				if len(page) > 0 {
					seen[f] = append(seen[f], page...)
					after = page[len(page)-1].Seq
					continue
				}
				if done {
					return
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(stop)
	fg.Wait()
	var want []events.ID
	committed.Range(func(k, _ any) bool { want = append(want, k.(events.ID)); return true })
	slices.Sort(want)
	for f, evs := range seen {
		got := make([]events.ID, len(evs))
		for i, e := range evs {
			got[i] = e.ID
		}
		if f > 0 && !slices.Equal(got, idsOf(seen[0])) {
			t.Errorf("follower %d saw another order than follower 0", f)
		}
		slices.Sort(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("follower %d: committed events vs seen (-want +got):\n%s", f, d)
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

// testRecordAppender checks events.RecordAppender: each change appended
// by its versions reads back with the changes eventdiff.Diff gives them,
// whether the store keeps them packed (a command created or leased) or
// not (an order created, a time whose JSON is refused); a change of
// nothing appends nothing; a refused time fails the call and appends
// nothing.
func testRecordAppender(t *testing.T, b storage.Backend) {
	ctx := context.Background()
	at := now.Add(time.Minute)
	cmd := inventory.Command{ID: inventory.NewCommandID(now), Customer: customer.NewID(now), Server: "eu-1", Command: "say \"hi\" <é>\x00", Status: inventory.Pending, CreatedAt: now}
	leased := cmd
	leased.Status, leased.Attempts, leased.LeaseExpiresAt = inventory.Leased, 1, &at
	order := orders.Order{ID: orders.NewID(now), Customer: cmd.Customer, Status: orders.Created, Total: money.MustParse("9.99", "EUR"), CreatedAt: now, UpdatedAt: now}
	cases := []struct {
		name          string
		before, after any
		appended      bool
	}{
		{"created", nil, cmd, true},
		{"changed", cmd, leased, true},
		{"unchanged", leased, leased, false},
		{"not packable", nil, order, true},
	}
	var want []events.Event
	for _, c := range cases {
		e := events.Event{ID: events.NewID(now), Type: events.CommandQueued, Time: now, Actor: "system", Customer: cmd.Customer, Subject: c.name}
		changes, err := eventdiff.Diff(c.before, c.after)
		if err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx storage.Tx) error {
			appended, err := tx.Events().(events.RecordAppender).AppendRecord(ctx, e, c.before, c.after)
			if err == nil && appended != c.appended {
				t.Errorf("%s: AppendRecord = %v, want %v", c.name, appended, c.appended)
			}
			return err
		})
		if c.appended {
			e.Changes = changes
			want = append(want, e)
		}
	}
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	refused := leased
	refused.LeaseExpiresAt = &far
	err := b.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.Events().(events.RecordAppender).AppendRecord(ctx, events.Event{ID: events.NewID(now), Type: events.CommandQueued, Time: now, Actor: "system", Subject: "refused"}, leased, refused)
		return err
	})
	if err == nil {
		t.Error("AppendRecord of a time past 9999 succeeded; want its JSON's error")
	}
	var got []events.Event
	view(t, b, func(tx storage.Tx) (err error) {
		got, err = tx.Events().List(ctx, events.Query{Limit: 100})
		return err
	})
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(events.Event{}, "Seq"), cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("events read back (-want +got):\n%s", diff)
	}
	testRecordAppenderIDs(t, b)
}

// testRecordAppenderIDs checks that events appended without an ID, packed
// or not, read back each with an ID of its own, stamped with its time.
func testRecordAppenderIDs(t *testing.T, b storage.Backend) {
	ctx := context.Background()
	var last events.Seq
	view(t, b, func(tx storage.Tx) (err error) {
		last, err = tx.Events().Last(ctx)
		return err
	})
	cmd := inventory.Command{ID: inventory.NewCommandID(now), Customer: customer.NewID(now), Server: "eu-1", Command: "say hi", Status: inventory.Pending, CreatedAt: now}
	order := orders.Order{ID: orders.NewID(now), Customer: cmd.Customer, Status: orders.Created, Total: money.MustParse("9.99", "EUR"), CreatedAt: now, UpdatedAt: now}
	update(t, b, func(tx storage.Tx) error {
		for _, after := range []any{cmd, cmd, order} {
			e := events.Event{Type: events.CommandQueued, Time: now, Actor: "system", Customer: cmd.Customer, Subject: "no id"}
			if _, err := tx.Events().(events.RecordAppender).AppendRecord(ctx, e, nil, after); err != nil {
				return err
			}
		}
		return nil
	})
	var got []events.Event
	view(t, b, func(tx storage.Tx) (err error) {
		got, err = tx.Events().List(ctx, events.Query{After: last, Limit: 100})
		return err
	})
	if len(got) != 3 {
		t.Fatalf("read back %d events, want 3", len(got))
	}
	seen := map[events.ID]bool{}
	for _, e := range got {
		id, err := events.ParseID(string(e.ID))
		if err != nil || id != e.ID {
			t.Errorf("event %d has ID %q: %v", e.Seq, e.ID, err)
		}
		if u, err := ulid.ParseStrict(strings.TrimPrefix(string(e.ID), "evt_")); err != nil || !ulid.Time(u.Time()).Equal(now.Truncate(time.Millisecond)) {
			t.Errorf("event %d's ID %s is not stamped with its time %v", e.Seq, e.ID, now)
		}
		if seen[e.ID] {
			t.Errorf("ID %s given twice", e.ID)
		}
		seen[e.ID] = true
	}
}
