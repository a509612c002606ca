package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// Retries returns how many attempts PostgreSQL has aborted, so a test can
// report how often transactions collided.
func (b *Backend) Retries() int64 { return b.retries.Load() }

// TableLockSpy is a Backend that, before each Update commits, notes the
// tables its transaction holds a table-wide serializable read lock on.
type TableLockSpy struct {
	*Backend
	Tables []string
}

func (s *TableLockSpy) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return s.Backend.Update(ctx, func(stx storage.Tx) error {
		if err := fn(stx); err != nil {
			return err
		}
		t := stx.(*tx)
		if !t.begun {
			return nil
		}
		rows, err := t.conn.Query(ctx, `select c.relname from pg_locks l join pg_class c on c.oid = l.relation
			where l.pid = pg_backend_pid() and l.mode = 'SIReadLock' and l.locktype = 'relation' and c.relkind = 'r'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			if !slices.Contains(s.Tables, name) {
				s.Tables = append(s.Tables, name)
			}
		}
		return rows.Err()
	})
}

// CheckBansSQL is CheckBans's statement and its parameters, for a test of
// its plan.
func CheckBansSQL(ids []bans.Identity, now time.Time) (string, []any) { return checkBansSQL(ids, now) }

// ListBansSQL is bans List's statement and its parameters.
func ListBansSQL(p bans.ListParams) (string, []any) { return listSQL(p) }

// SummarySQL and OrderListSQL are the orders store's reads, for tests
// that check their plans.
const SummarySQL = summarySQL

func OrderListSQL(p orders.ListParams) (string, []any) {
	sql, args, _ := orderListSQL(p)
	return sql, args
}

// ListenerPID returns the backend PID of the connection WaitEvents listens
// on, 0 before it has connected, so a test can kill it.
func (b *Backend) ListenerPID() uint32 {
	b.feedMu.Lock()
	l := b.feed
	b.feedMu.Unlock()
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pid
}

// SetListenHeartbeat sets how long the feed's listener waits idle before it
// pings, for listeners started from now on, and returns the undo.
func SetListenHeartbeat(d time.Duration) (undo func()) {
	old := listenHeartbeat
	listenHeartbeat = d
	return func() { listenHeartbeat = old }
}
