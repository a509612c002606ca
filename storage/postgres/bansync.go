package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/bans"
)

// SyncOptions tunes a BanSync. A nil *SyncOptions, and every zero field,
// means the default.
type SyncOptions struct {
	// Now is the clock a full load uses to skip bans already expired, and
	// the one the sync prunes the index by as bans expire. Default
	// time.Now.
	Now func() time.Time
	// RetryDelay is the pause before reconnecting after the listening
	// connection fails; it doubles up to ten times as long while failures
	// repeat. Default 250ms.
	RetryDelay time.Duration
	// OnError, if set, hears every failure the sync recovers from (a lost
	// connection, a failed reload). Default: ignore them.
	OnError func(error)
}

// BanSync keeps a bans.Index in step with the bans table, for game servers
// that check bans in memory on every join: a full load when it starts, then
// each change pushed by PostgreSQL (LISTEN/NOTIFY, payload = ban ID; the
// sync reloads that ban), and a full resync after every reconnect, which
// catches whatever changed while it was away. Changes arrive as soon as
// their transaction commits. As each ban's expiry passes, the sync prunes
// it from the index (bans.Index.Prune), so a long-running server's index
// holds the live bans, not every ban it ever saw.
//
// It listens on a connection of its own, outside the pool.
type BanSync struct {
	b    *Backend
	idx  *bans.Index
	opts SyncOptions

	// known holds the IDs this sync put in idx, so a full resync can take
	// out the bans that disappeared while it was away. Only Run's goroutine
	// touches it.
	known map[bans.ID]struct{}

	loads     atomic.Int64 // full loads done
	readyOnce sync.Once
	ready     chan struct{}
	pid       atomic.Uint32 // backend PID of the listening connection
}

// SyncBans returns a BanSync that keeps idx current. Call Run to start it.
func (b *Backend) SyncBans(idx *bans.Index, opts *SyncOptions) *BanSync {
	s := &BanSync{b: b, idx: idx, known: map[bans.ID]struct{}{}, ready: make(chan struct{})}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.RetryDelay <= 0 {
		s.opts.RetryDelay = 250 * time.Millisecond
	}
	return s
}

// Ready is closed once the first full load is in the index.
func (s *BanSync) Ready() <-chan struct{} { return s.ready }

// Loads returns how many full loads the sync has done: 1 after starting,
// one more after each reconnect.
func (s *BanSync) Loads() int64 { return s.loads.Load() }

// Run keeps the index in step until ctx ends, reconnecting after failures,
// and then returns ctx's error.
func (s *BanSync) Run(ctx context.Context) error {
	delay := s.opts.RetryDelay
	for {
		err := s.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.opts.OnError != nil {
			s.opts.OnError(fmt.Errorf("postgres: ban sync: %w", err))
		}
		if errors.Is(err, errSessionUseful) {
			delay = s.opts.RetryDelay
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*s.opts.RetryDelay)
	}
}

// minPruneWait is the shortest wait for the next expiry: with a clock that
// lags the timer, or stands still in a test, a sync retries the prune this
// often rather than spin.
const minPruneWait = 10 * time.Millisecond

// errSessionUseful marks a session that got as far as its full load, so
// the next reconnect waits only the base delay.
var errSessionUseful = errors.New("connection lost after a full load")

// session connects, listens, loads everything and applies notifications
// until the connection fails.
func (s *BanSync) session(ctx context.Context) error {
	cfg := s.b.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "playerbase ban sync"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	// The session is over either way; a failed close leaves Run nothing to
	// do but what it does anyway: reconnect.
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	s.pid.Store(conn.PgConn().PID())

	// LISTEN before the load: a change committed after the load's snapshot
	// is then always notified (one committed in between is both loaded and
	// notified, which is harmless).
	// The channel is named after the schema of the bans table this
	// connection reads, as the trigger (migration 0011) names it after the
	// schema of the table it fires on: the same expression, computed by the
	// server, so the names agree whatever the schema's script or the
	// server's encoding, and a hash is a valid channel name at any length.
	var channel string
	if err := conn.QueryRow(ctx, `select 'playerbase_bans_' || md5(n.nspname)
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.oid = 'bans'::regclass`).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	if err := s.loadAll(ctx, conn); err != nil {
		return err
	}
	for {
		// Wake for the next expiry as well as for a notification: the
		// index would otherwise keep every expired ban for as long as
		// the server runs. A lapsed wait leaves the connection usable.
		wait, cancel := ctx, context.CancelFunc(func() {})
		if at, ok := s.idx.NextExpiry(); ok {
			wait, cancel = context.WithTimeout(ctx, max(at.Sub(s.opts.Now()), minPruneWait))
		}
		n, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil && ctx.Err() == nil && wait.Err() != nil {
			for _, id := range s.idx.Prune(s.opts.Now()) {
				delete(s.known, id)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errSessionUseful, err)
		}
		if err := s.reload(ctx, conn, bans.ID(n.Payload)); err != nil {
			return fmt.Errorf("%w: %w", errSessionUseful, err)
		}
	}
}

// loadAll replaces the index's bans with every ban not lifted nor expired.
// Rows go one at a time into a bans.Builder, which keeps only their keys,
// and the index takes them in one change (a one-pass rebuild).
func (s *BanSync) loadAll(ctx context.Context, conn *pgx.Conn) error {
	var all bans.Builder
	loaded := make(map[bans.ID]struct{}, len(s.known))
	err := loadActive(ctx, conn, s.opts.Now(), func(b bans.Ban) error {
		all.Add(b)
		loaded[b.ID] = struct{}{}
		return nil
	})
	if err != nil {
		return err
	}
	var gone []bans.ID
	for id := range s.known {
		if _, ok := loaded[id]; !ok {
			gone = append(gone, id)
		}
	}
	// Put before Remove: a ban present in both loads never leaves the
	// index, not even for an instant.
	s.idx.PutAll(&all)
	s.idx.Remove(gone...)
	s.known = loaded
	s.loads.Add(1)
	s.readyOnce.Do(func() { close(s.ready) })
	return nil
}

// reload reads one ban again and puts it in the index, or takes it out if it
// is gone or lifted.
func (s *BanSync) reload(ctx context.Context, conn *pgx.Conn, id bans.ID) error {
	b, err := scanBan(conn.QueryRow(ctx, `select `+banColumns+` from bans b where b.id = $1`, id))
	switch {
	case errors.Is(err, pgx.ErrNoRows) || err == nil && b.Removed():
		s.idx.Remove(id)
		delete(s.known, id)
	case err != nil:
		return err
	default:
		s.idx.Put(b)
		s.known[id] = struct{}{}
	}
	return nil
}
