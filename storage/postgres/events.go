package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
)

type eventsTx struct{ *tx }

func (t *tx) Events() events.Store { return eventsTx{t} }

// Appended events wait in the transaction and are inserted by commit, in
// one round trip with the COMMIT: the transaction takes eventLock, then
// each event its seq, then commits. The lock is released only once the
// commit is visible: CommitTransaction (xact.c) removes the transaction
// from the proc array, which is what new snapshots consult, before it
// releases its locks ("this must be done _before_ releasing locks we
// hold"). So the next transaction to take a seq commits after this one:
// seq order is commit order, and a follower never finds a seq below one it
// has read appear later. A COMMIT that fails (SERIALIZABLE's check at
// commit) aborts and releases the lock with its seqs unseen: a gap, which
// the feed allows. Holding the lock from the seqs to the commit, and not
// longer, is what lets concurrent writers overlap in everything but that;
// the commit's WAL flush is inside it, so event writers of one schema do
// not share flushes (BenchmarkPostgresEventAppend).
const (
	eventLock = "select pg_advisory_xact_lock(hashtextextended('playerbase.events.' || current_schema(), 0))"
	// eventInsert inserts the events given as parallel arrays, each with
	// the next seq, in array order, and wakes the listeners on commit.
	eventInsert = `with ins as (
		insert into events (seq, id, type, time, actor, customer_id, subject, changes)
		select nextval('event_seq'), e.id, e.type, e.time, e.actor, e.customer_id, e.subject, e.changes
		from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
			with ordinality as e(id, type, time, actor, customer_id, subject, changes, n)
		order by e.n
		returning seq)
	select pg_notify('playerbase_events_' || md5(current_schema()), max(seq)::text) from ins`
)

func (t eventsTx) Append(ctx context.Context, evs ...events.Event) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	for _, e := range evs {
		// What json.Marshal writes for it, without its second pass
		// over the bytes to check them.
		changes, err := e.Changes.MarshalJSON()
		if err != nil {
			return err
		}
		e.Changes = nil
		t.events = append(t.events, pendingEvent{e, string(changes)})
	}
	return nil
}

// pendingEvent is an appended event waiting for the commit, its changes
// already encoded.
type pendingEvent struct {
	events.Event
	changes string
}

// queueEvents adds to batch the statements that give the transaction's
// pending events their seqs and insert them (see eventLock).
func (t *tx) queueEvents(batch *pgx.Batch) {
	n := len(t.events)
	ids, types, actors, custs, subjects, changes := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n), make([]string, n)
	times := make([]time.Time, n)
	for i, e := range t.events {
		ids[i], types[i], times[i], actors[i], subjects[i], changes[i] = string(e.ID), string(e.Type), e.Time.UTC(), e.Actor, e.Subject, e.changes
		if e.Customer != "" {
			c := string(e.Customer)
			custs[i] = &c
		}
	}
	batch.Queue(eventLock)
	batch.Queue(eventInsert, ids, types, times, actors, custs, subjects, changes)
}

const eventColumns = `seq, id, type, time, actor, customer_id, subject, changes`

func scanEvent(row pgx.Rows) (events.Event, error) {
	var e events.Event
	var cust *string
	var changes string
	if err := row.Scan(&e.Seq, &e.ID, &e.Type, &e.Time, &e.Actor, &cust, &e.Subject, &changes); err != nil {
		return events.Event{}, err
	}
	e.Time = e.Time.UTC()
	if cust != nil {
		e.Customer = customer.ID(*cust)
	}
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return events.Event{}, err
	}
	return e, nil
}

func (t eventsTx) List(ctx context.Context, q events.Query) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	after := a.add(int64(q.After))
	where := []string{"seq > " + after}
	if q.Customer != "" {
		where = append(where, "customer_id = "+a.add(string(q.Customer)))
	}
	if len(q.Types) > 0 {
		ts := make([]string, len(q.Types))
		for i, typ := range q.Types {
			ts[i] = string(typ)
		}
		where = append(where, "type = any("+a.add(ts)+"::text[])")
	}
	limit := a.add(q.Limit)
	// One statement: the horizon row first when the cursor is behind it,
	// then the page.
	sql := `(select -horizon, '', '', now(), '', null, '', '{}' from event_feed where horizon > ` + after + `)
		union all
		(select ` + eventColumns + ` from events where ` + strings.Join(where, " and ") + ` order by seq limit ` + limit + `)`
	evs, err := collect(ctx, t.tx, sql, a, scanEvent)
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 && evs[0].Seq < 0 {
		return nil, &events.BehindError{After: q.After, Horizon: -evs[0].Seq}
	}
	return evs, nil
}

func (t eventsTx) History(ctx context.Context, id customer.ID, before events.Seq, limit int) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return collect(ctx, t.tx, `select `+eventColumns+` from events
		where customer_id = $1 and seq < $2 order by seq desc limit $3`, []any{string(id), int64(before), limit}, scanEvent)
}

func (t eventsTx) Last(ctx context.Context) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	// The greatest seq committed: the newest event, or the horizon if
	// retention deleted every event.
	var last int64
	err := t.scanRow(ctx, `select greatest((select max(seq) from events), (select horizon from event_feed))`, nil, &last)
	return events.Seq(last), wrap(err)
}

func (t eventsTx) Prune(ctx context.Context, before, now time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	var n int
	err := t.scanRow(ctx, `with gone as (
			delete from events e where time < $1 and not exists (
				select 1 from bans b where b.id = e.subject
					and b.removed_at is null and (b.expires_at is null or b.expires_at > $2))
			returning seq),
		moved as (
			update event_feed set horizon = greatest(horizon, (select max(seq) from gone))
			where exists (select 1 from gone))
		select count(*) from gone`, []any{before.UTC(), now.UTC()}, &n)
	return n, wrap(err)
}

func (t eventsTx) Cursor(ctx context.Context, name string) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	var at int64
	err := t.scanRow(ctx, `select coalesce((select seq from event_cursors where name = $1), 0)`, []any{name}, &at)
	return events.Seq(at), wrap(err)
}

func (t eventsTx) SetCursor(ctx context.Context, name string, at events.Seq) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into event_cursors (name, seq) values ($1, $2)
		on conflict (name) do update set seq = excluded.seq`, name, int64(at))
	return wrap(err)
}
