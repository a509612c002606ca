package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// benchEvent is an event of the size workflows append: a customer, a
// subject and a two-field diff.
func benchEvent(c customer.ID, i int) events.Event {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return events.Event{
		ID: events.NewID(now), Type: events.CustomerUpdated, Time: now, Actor: "admin:alice", Customer: c, Subject: string(c),
		Changes: events.Changes{
			"name":    {Before: json.RawMessage(fmt.Sprintf(`"player%d"`, i)), After: json.RawMessage(fmt.Sprintf(`"player%d_"`, i))},
			"version": {Before: json.RawMessage(`1`), After: json.RawMessage(`2`)},
		},
	}
}

// A follower reading the whole feed of 100 000 events from the start, a
// page of 1000 at a time, as a webhook relay or a ban index catching up
// does: events/s is the rate it reads them at.
func BenchmarkPostgresEventRead(b *testing.B) {
	dsn := pgtest.DSN(b)
	schema := pgtest.NewSchema(b, dsn)
	be, err := pgtest.Open(dsn, schema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = be.Close() })
	ctx := context.Background()
	const total, page = 100_000, 1000
	for start := 0; start < total; start += 5000 {
		evs := make([]events.Event, 5000)
		for i := range evs {
			evs[i] = benchEvent(customer.NewID(time.Now()), start+i)
		}
		if err := be.Update(ctx, func(tx storage.Tx) error { return tx.Events().Append(ctx, evs...) }); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := be.Pool().Exec(ctx, "vacuum analyze events"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	read := 0
	var raw time.Duration
	for b.Loop() {
		// The baseline, timed apart: the same pages as bare rows, no
		// transaction and nothing decoded.
		start := time.Now()
		for after := int64(0); ; {
			rows, err := be.Pool().Query(ctx, `select seq, id, type, time, actor, customer_id, subject, changes
				from events where seq > $1 order by seq limit $2`, after, page)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var id, typ, actor, subject, changes string
				var cust *string
				var at time.Time
				if err := rows.Scan(&after, &id, &typ, &at, &actor, &cust, &subject, &changes); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if rows.Close(); rows.Err() != nil {
				b.Fatal(rows.Err())
			}
			if n == 0 {
				break
			}
		}
		raw += time.Since(start)
		var after events.Seq
		for {
			var evs []events.Event
			err := be.View(ctx, func(tx storage.Tx) (err error) {
				evs, err = tx.Events().List(ctx, events.Query{After: after, Limit: page})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			read += len(evs)
			after = evs[len(evs)-1].Seq
		}
	}
	if read%total != 0 {
		b.Fatalf("read %d events, want a multiple of %d", read, total)
	}
	feed := b.Elapsed() - raw
	b.ReportMetric(float64(read)/feed.Seconds(), "events/s")
	b.ReportMetric(float64(feed)/float64(raw), "x-raw")
}

// What appending events adds to an Update: a small write and its commit,
// alone (the baseline) and with 5 events appended, run in turn. x-base is
// the ratio of the two.
func BenchmarkPostgresEventAppend(b *testing.B) {
	dsn := pgtest.DSN(b)
	schema := pgtest.NewSchema(b, dsn)
	be, err := pgtest.Open(dsn, schema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = be.Close() })
	ctx := context.Background()
	c := customer.NewID(time.Now())
	var base, with time.Duration
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if err := be.Update(ctx, func(tx storage.Tx) error { return tx.Events().SetCursor(ctx, "bench", events.Seq(i)) }); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
		evs := make([]events.Event, 5)
		for k := range evs {
			evs[k] = benchEvent(c, i)
		}
		start = time.Now()
		err := be.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Events().SetCursor(ctx, "bench", events.Seq(i)); err != nil {
				return err
			}
			return tx.Events().Append(ctx, evs...)
		})
		if err != nil {
			b.Fatal(err)
		}
		with += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(base.Nanoseconds())/n, "base-ns/op")
	b.ReportMetric(float64(with.Nanoseconds())/n, "events-ns/op")
	b.ReportMetric(float64(with)/float64(base), "x-base")
}
