package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

type eventsTx struct{ *tx }

func (t *tx) Events() events.Store { return eventsTx{t} }

const eventColumns = `seq, id, type, time, actor, customer_id, subject, changes`

func scanEvent(row scanner) (events.Event, error) {
	var e events.Event
	var cust sql.NullString
	var changes string
	if err := row.Scan(&e.Seq, &e.ID, &e.Type, timeCol{&e.Time}, &e.Actor, &cust, &e.Subject, &changes); err != nil {
		return events.Event{}, err
	}
	e.Customer = customer.ID(cust.String)
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return events.Event{}, err
	}
	return e, nil
}

// Append keeps the events for one insert of them all when the
// transaction commits, or before it next reads the feed (flushEvents): a
// purchase appends seven one at a time, and an ack of a hundred commands
// a hundred, each of which was a statement of its own.
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
		var cust any
		if e.Customer != "" {
			cust = string(e.Customer)
		}
		t.pending = append(t.pending, e.ID, e.Type, ts(e.Time), e.Actor, cust, e.Subject, string(changes))
	}
	if len(evs) > 0 {
		t.appended = true
	}
	return nil
}

// eventInsert inserts events whose columns follow in its arguments,
// eventArgs each, in order (their seqs in that order).
const (
	eventInsert = `insert into events (id, type, time, actor, customer_id, subject, changes) values `
	eventArgs   = 7
	// eventRows is the most events one insert takes: SQLite binds
	// 32766 arguments at most.
	eventRows = 1000
)

// flushEvents inserts the events Append kept.
func (t *tx) flushEvents(ctx context.Context) error {
	for len(t.pending) > 0 {
		args := t.pending[:min(len(t.pending), eventRows*eventArgs)]
		var q strings.Builder
		q.WriteString(eventInsert)
		for i := range len(args) / eventArgs {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?)")
		}
		if _, err := t.exec(ctx, q.String(), args...); err != nil {
			return t.b.wrap(err)
		}
		clear(args)
		t.pending = t.pending[len(args):]
	}
	return nil
}

// behind returns a *events.BehindError if events after after were pruned.
func (t eventsTx) behind(ctx context.Context, after events.Seq) error {
	var horizon events.Seq
	if err := t.queryRow(ctx, `select horizon from event_feed`).Scan(&horizon); err != nil {
		return t.b.wrap(err)
	}
	if after < horizon {
		return &events.BehindError{After: after, Horizon: horizon}
	}
	return nil
}

func (t eventsTx) List(ctx context.Context, q events.Query) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
	if err := t.behind(ctx, q.After); err != nil {
		return nil, err
	}
	var a args
	where := []string{"seq > " + a.add(q.After)}
	if q.Customer != "" {
		where = append(where, "customer_id = "+a.add(string(q.Customer)))
	}
	if len(q.Types) > 0 {
		ts := make([]any, len(q.Types))
		for i, typ := range q.Types {
			ts[i] = string(typ)
		}
		where = append(where, "type in ("+a.list(ts...)+")")
	}
	return collect(ctx, t.tx, `select `+eventColumns+` from events where `+strings.Join(where, " and ")+
		` order by seq limit `+a.add(q.Limit), a, scanEvent)
}

func (t eventsTx) History(ctx context.Context, id customer.ID, before events.Seq, limit int) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return collect(ctx, t.tx, `select `+eventColumns+` from events
		where customer_id = ?1 and seq < ?2 order by seq desc limit ?3`, []any{string(id), before, limit}, scanEvent)
}

func (t eventsTx) Last(ctx context.Context) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	if err := t.flushEvents(ctx); err != nil {
		return 0, err
	}
	// sqlite_sequence holds the greatest seq ever given, even when that
	// event has been pruned since.
	var last sql.NullInt64
	err := t.queryRow(ctx, `select seq from sqlite_sequence where name = 'events'`).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return 0, t.b.wrap(err)
	}
	return events.Seq(last.Int64), nil
}

func (t eventsTx) Prune(ctx context.Context, before, now time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	if err := t.flushEvents(ctx); err != nil {
		return 0, err
	}
	var newest sql.NullInt64
	var n int
	err := t.queryRow(ctx, `select max(seq), count(*) from events e
		where time < ?1 and not exists (select 1 from bans b where b.id = e.subject
			and b.removed_at is null and (b.expires_at is null or b.expires_at > ?2))`, ts(before), ts(now)).Scan(&newest, &n)
	if err != nil {
		return 0, t.b.wrap(err)
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := t.exec(ctx, `delete from events
		where time < ?1 and not exists (select 1 from bans b where b.id = events.subject
			and b.removed_at is null and (b.expires_at is null or b.expires_at > ?2))`, ts(before), ts(now)); err != nil {
		return 0, t.b.wrap(err)
	}
	if _, err := t.exec(ctx, `update event_feed set horizon = max(horizon, ?1)`, newest.Int64); err != nil {
		return 0, t.b.wrap(err)
	}
	return n, nil
}

func (t eventsTx) Cursor(ctx context.Context, name string) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	var at events.Seq
	err := t.queryRow(ctx, `select seq from event_cursors where name = ?1`, name).Scan(&at)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return at, t.b.wrap(err)
}

func (t eventsTx) SetCursor(ctx context.Context, name string, at events.Seq) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into event_cursors (name, seq) values (?1, ?2)
		on conflict (name) do update set seq = excluded.seq`, name, at)
	return t.b.wrap(err)
}

// wake is a broadcast: every waiter's channel closes at the next call.
type wake struct {
	mu sync.Mutex
	ch chan struct{}
}

func (w *wake) wait() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

func (w *wake) broadcast() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

// otherProcessPoll is how often WaitEvents reads the file for events
// another process appended: this process's own commits wake it at once.
const otherProcessPoll = 200 * time.Millisecond

// WaitEvents returns once an event past after has committed: at once for a
// commit of this process, within otherProcessPoll for another's.
func (b *Backend) WaitEvents(ctx context.Context, after events.Seq) error {
	for {
		woken := b.appended.wait()
		var last events.Seq
		err := b.View(ctx, func(tx storage.Tx) (err error) {
			last, err = tx.Events().Last(ctx)
			return err
		})
		if err != nil || last > after {
			return err
		}
		t := time.NewTimer(otherProcessPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-woken:
		case <-t.C:
		}
		t.Stop()
	}
}
