package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// The events a transaction appends wait for one insert at its commit:
// the transaction's own reads of the feed still see them, in order, more
// events than one insert takes go in several, and a rollback keeps none.
func TestPendingEventsReadBack(t *testing.T) {
	ctx := context.Background()
	b := sqlitetest.NewBackend(t)
	now := time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)
	cust := customer.NewID(now)
	ev := func(i int) events.Event {
		return events.Event{ID: events.NewID(now), Type: events.CustomerUpdated, Time: now.Add(time.Duration(i) * time.Millisecond), Actor: "system", Customer: cust, Subject: string(cust)}
	}
	const n = 5000 // five inserts: more than SQLite binds in one
	err := b.Update(ctx, func(tx storage.Tx) error {
		for i := range n {
			if err := tx.Events().Append(ctx, ev(i)); err != nil {
				return err
			}
		}
		last, err := tx.Events().Last(ctx)
		if err != nil || last != n {
			t.Errorf("Last in the transaction = %d, %v; want %d", last, err, n)
		}
		got, err := tx.Events().List(ctx, events.Query{After: n - 2, Limit: 10})
		if err != nil || len(got) != 2 || got[1].Seq != n || !got[1].Time.Equal(now.Add((n-1)*time.Millisecond)) {
			t.Errorf("List in the transaction = %v, %v", got, err)
		}
		if err := tx.Events().Append(ctx, ev(n)); err != nil {
			return err
		}
		h, err := tx.Events().History(ctx, cust, 0, 1)
		if err != nil || len(h) != 1 || h[0].Seq != n+1 {
			t.Errorf("History in the transaction = %v, %v; want seq %d", h, err, n+1)
		}
		return tx.Events().Append(ctx, ev(n+1)) // inserted at commit
	})
	if err != nil {
		t.Fatal(err)
	}
	errRollback := errors.New("roll back")
	err = b.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Events().Append(ctx, ev(0)); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v", err)
	}
	err = b.View(ctx, func(tx storage.Tx) error {
		last, err := tx.Events().Last(ctx)
		if err != nil || last != n+2 {
			t.Errorf("Last = %d, %v; want %d", last, err, n+2)
		}
		all, err := tx.Events().List(ctx, events.Query{Limit: n + 10})
		if err != nil || len(all) != n+2 {
			t.Fatalf("List = %d events, %v; want %d", len(all), err, n+2)
		}
		for i, e := range all {
			if e.Seq != events.Seq(i+1) || !e.Time.Equal(now.Add(time.Duration(i)*time.Millisecond)) {
				t.Fatalf("event %d: seq %d at %v", i, e.Seq, e.Time)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
