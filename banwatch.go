package playerbase

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// BanWatchOptions tunes a BanWatch. A nil *BanWatchOptions, and every zero
// field, means the default.
type BanWatchOptions struct {
	// RetryDelay is the pause before trying again after a failed read of
	// the feed or the bans; it doubles, up to ten times as long, while
	// failures repeat. Default DefaultBanWatchRetry.
	RetryDelay time.Duration
	// OnError, if set, hears every failure the watch recovers from by
	// retrying. Default: ignore them (the watch retries anyway).
	OnError func(error)
}

// DefaultBanWatchRetry is BanWatchOptions.RetryDelay's default.
const DefaultBanWatchRetry = 250 * time.Millisecond

// BanWatch keeps a bans.Index current by following the change feed, so a
// game server checks every join in memory and no host code has to put the
// bans it changes into the index: a change made through any Client on the
// same store reaches it. How soon depends on the backend: before the call
// that made the change returns on one that calls subscribers after each
// commit (storage.EventSubscriber: memory), as soon as the feed wakes its
// followers otherwise (storage.EventWaiter: PostgreSQL's LISTEN/NOTIFY,
// SQLite), and on a backend with neither after one poll of the feed (a
// quarter of a second).
//
// Each ban event makes the watch read that ban again and put it in the
// index or take it out (lifted or expired), so events applied twice or out
// of order still leave the index as the store is. A watch that fell behind
// the feed's retention (an *events.BehindError) loads every active ban
// again. As each ban's expiry passes by the Client's clock, the watch takes
// it out, so a long-running server's index holds the live bans, not every
// ban it has seen. Failures are retried with backoff and reported to
// BanWatchOptions.OnError.
//
// It is safe for concurrent use.
type BanWatch struct {
	c      *Client
	idx    *bans.Index
	opts   BanWatchOptions
	waiter storage.EventWaiter // nil: the goroutine polls the feed
	ctx    context.Context
	stop   context.CancelFunc
	done   chan struct{}
	unsub  func()

	// hearing is read-held by each subscriber call, so Close can wait for
	// the calls under way and refuse new ones.
	hearing sync.RWMutex
	closed  bool

	// mu serialises the changes to the index, and guards what follows.
	mu      sync.Mutex
	ready   bool       // the first full load is in
	cursor  events.Seq // every ban event up to it is applied
	behind  bool       // the next catch-up starts with a full load
	horizon events.Seq // the newest pruned Seq a BehindError named
	known   map[bans.ID]struct{}
	loads   int

	closeOnce sync.Once
}

// BanWatch loads every ban active now into a new index and returns a
// BanWatch that keeps it current until Close: the one way to get an index
// that stays current. ctx bounds the first load only; if it fails, so does
// BanWatch. opts may be nil.
func (c *Client) BanWatch(ctx context.Context, opts *BanWatchOptions) (*BanWatch, error) {
	w := &BanWatch{c: c, idx: &bans.Index{}, known: map[bans.ID]struct{}{}, done: make(chan struct{})}
	if opts != nil {
		w.opts = *opts
	}
	if w.opts.RetryDelay <= 0 {
		w.opts.RetryDelay = DefaultBanWatchRetry
	}
	w.waiter, _ = c.backend.(storage.EventWaiter)
	w.ctx, w.stop = context.WithCancel(context.WithoutCancel(ctx))
	// Subscribe before the load, holding mu: a commit from now on is
	// applied once the load is in, and re-applying one the load saw
	// changes nothing.
	w.mu.Lock()
	if s, ok := c.backend.(storage.EventSubscriber); ok {
		w.unsub = s.SubscribeEvents(w.heard)
	}
	err := w.reload(ctx)
	w.mu.Unlock()
	if err != nil {
		w.shutdown()
		close(w.done)
		return nil, err
	}
	go w.run()
	return w, nil
}

// Index returns the index the watch keeps current; it is the same index
// for the watch's life. After Close it stays as it was.
func (w *BanWatch) Index() *bans.Index { return w.idx }

// Cursor returns the Seq of the feed up to which every ban event is in
// the index.
func (w *BanWatch) Cursor() events.Seq {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cursor
}

// Loads returns how many full loads the watch has done: 1 after starting,
// one more each time it fell behind the feed's retention.
func (w *BanWatch) Loads() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.loads
}

// Close stops the watch and waits until it has stopped: no change reaches
// the index after Close returns.
func (w *BanWatch) Close() error {
	w.closeOnce.Do(func() {
		w.shutdown()
		<-w.done
	})
	return nil
}

// shutdown stops the subscriber calls, waiting for those under way, and
// the goroutine's reads.
func (w *BanWatch) shutdown() {
	if w.unsub != nil {
		w.unsub()
	}
	w.stop()
	w.hearing.Lock()
	w.closed = true
	w.hearing.Unlock()
}

// heard is the subscriber: it applies a commit's ban events before the
// Update that committed them returns.
func (w *BanWatch) heard(evs []events.Event) {
	if !anyBan(evs) {
		return
	}
	w.hearing.RLock()
	defer w.hearing.RUnlock()
	if w.closed {
		return
	}
	// A failure is retried by the goroutine, which the same commit wakes.
	if err := w.catchUp(w.ctx); err != nil && w.ctx.Err() == nil {
		w.report(err)
	}
}

func anyBan(evs []events.Event) bool {
	for _, e := range evs {
		if e.Type.IsBan() {
			return true
		}
	}
	return false
}

// Bounds on the wait for the next expiry. The lower keeps a clock that lags
// the timer, or stands still in a test, from making the watch spin; the
// upper makes the watch look again at least this often, so a clock that
// jumps (a host's Config.Now, a machine back from sleep) strands an
// expired ban in the index no longer than that.
const (
	minPruneWait = 10 * time.Millisecond
	maxPruneWait = time.Second
)

// banTypes are the events a watch follows.
var banTypes = []events.Type{events.BanCreated, events.BanUpdated, events.BanRemoved}

// run follows the feed until Close: it wakes for every commit (through the
// backend's storage.EventWaiter, or a poll), catches up, and prunes the
// bans that expired. Waking for every event, not only for bans, moves the
// cursor past the others too (see catchUp), and on a backend with a
// subscriber it retries what heard failed to apply.
func (w *BanWatch) run() {
	defer close(w.done)
	ctx := w.ctx
	delay := w.opts.RetryDelay
	pending := false // a catch-up is due
	for ctx.Err() == nil {
		if pending {
			if err := w.catchUp(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				w.report(err)
				if sleep(ctx, delay) != nil {
					return
				}
				delay = min(2*delay, 10*w.opts.RetryDelay)
				continue
			}
			pending, delay = false, w.opts.RetryDelay
		}
		wait, cancel := ctx, context.CancelFunc(func() {})
		if d, ok := w.prune(); ok {
			wait, cancel = context.WithTimeout(ctx, d)
		}
		var err error
		if w.waiter != nil {
			err = w.waiter.WaitEvents(wait, w.Cursor())
		} else {
			err = sleep(wait, eventPollInterval)
		}
		cancel()
		switch {
		case err == nil:
			pending = true
		case ctx.Err() != nil:
			return
		case wait.Err() != nil: // time to prune
		default:
			w.report(fmt.Errorf("ban watch: %w", err))
			pending = true
			if sleep(ctx, delay) != nil {
				return
			}
			delay = min(2*delay, 10*w.opts.RetryDelay)
		}
	}
}

// prune takes the expired bans out and returns how long to wait for the
// next expiry; ok is false if no ban the index holds expires.
func (w *BanWatch) prune() (wait time.Duration, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.c.clock()
	for _, id := range w.idx.Prune(now) {
		delete(w.known, id)
	}
	at, ok := w.idx.NextExpiry()
	if !ok {
		return 0, false
	}
	return min(max(at.Sub(now), minPruneWait), maxPruneWait), true
}

// catchUp applies the ban events after the cursor, reloading everything
// instead if the cursor fell behind retention.
func (w *BanWatch) catchUp(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ready {
		return nil // the first load, under way, sees it
	}
	for {
		if w.behind {
			return w.reload(ctx)
		}
		// The newest Seq, read first: every ban event up to it is in the
		// page that follows unless the page is full, so the cursor moves
		// past the other events too. A cursor left at the last ban event
		// would fall behind retention after a quiet spell of bans and
		// cost a full load for nothing.
		last, err := w.c.EventLast(ctx)
		if err != nil {
			return fmt.Errorf("ban watch: %w", err)
		}
		page, err := w.c.EventList(ctx, EventListParams{After: w.cursor, Types: banTypes, Limit: MaxEventPage})
		var be *events.BehindError
		if errors.As(err, &be) {
			w.behind, w.horizon = true, max(w.horizon, be.Horizon)
			continue
		}
		if err != nil {
			return fmt.Errorf("ban watch: %w", err)
		}
		if err := w.apply(ctx, page.Events); err != nil {
			return err
		}
		w.cursor = page.NextCursor
		if len(page.Events) < MaxEventPage {
			w.cursor = max(w.cursor, last)
			return nil
		}
	}
}

// apply reads again each ban evs name, in one read, and puts it in the
// index or takes it out. w.mu is held.
func (w *BanWatch) apply(ctx context.Context, evs []events.Event) error {
	if len(evs) == 0 {
		return nil
	}
	ids := make([]bans.ID, 0, len(evs))
	seen := make(map[bans.ID]struct{}, len(evs))
	for _, e := range evs {
		id := bans.ID(e.Subject)
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	var put bans.Builder
	var gone []bans.ID
	now := w.c.clock()
	err := w.c.view(ctx, func(tx storage.Tx) error {
		put, gone = bans.Builder{}, gone[:0]
		for _, id := range ids {
			b, err := tx.Bans().Get(ctx, id)
			switch {
			case errors.Is(err, errs.ErrNotFound) || err == nil && !b.Active(now):
				gone = append(gone, id)
			case err != nil:
				return err
			default:
				put.Add(b)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ban watch: %w", err)
	}
	for _, id := range ids {
		w.known[id] = struct{}{}
	}
	for _, id := range gone {
		delete(w.known, id)
	}
	w.idx.PutAll(&put)
	w.idx.Remove(gone...)
	return nil
}

// reload replaces the index's bans with every ban active now. The cursor
// is taken before the load, so a change committed during it is both
// loaded and followed, which is harmless. w.mu is held.
func (w *BanWatch) reload(ctx context.Context) error {
	last, err := w.c.EventLast(ctx)
	if err != nil {
		return fmt.Errorf("ban watch: %w", err)
	}
	var all bans.Builder
	loaded := make(map[bans.ID]struct{}, len(w.known))
	err = w.c.loadActiveBans(ctx, w.c.clock(), func(b bans.Ban) {
		all.Add(b)
		loaded[b.ID] = struct{}{}
	})
	if err != nil {
		return fmt.Errorf("ban watch: full load: %w", err)
	}
	var gone []bans.ID
	for id := range w.known {
		if _, ok := loaded[id]; !ok {
			gone = append(gone, id)
		}
	}
	// Put before Remove: a ban present in both loads never leaves the
	// index, not even for an instant.
	w.idx.PutAll(&all)
	w.idx.Remove(gone...)
	// Whatever retention pruned committed before the load: the cursor may
	// start past it, even if the feed's Last does not say so.
	w.known, w.cursor, w.behind, w.ready = loaded, max(last, w.horizon), false, true
	w.loads++
	return nil
}

func (w *BanWatch) report(err error) {
	if w.opts.OnError != nil {
		w.opts.OnError(err)
	}
}

// loadActiveBans calls fn with every ban active at now. The bans go one at
// a time, so a full load never holds them all: streamed in one statement
// on a backend that offers storage.BanLoader (PostgreSQL), otherwise read a
// page at a time in one transaction.
func (c *Client) loadActiveBans(ctx context.Context, now time.Time, fn func(bans.Ban)) error {
	if bl, ok := c.backend.(storage.BanLoader); ok {
		return bl.LoadActiveBans(ctx, now, func(b bans.Ban) error { fn(b); return nil })
	}
	return c.view(ctx, func(tx storage.Tx) error {
		p := bans.ListParams{State: bans.StateActive, Now: now, Limit: 10000}
		for {
			page, err := tx.Bans().List(ctx, p)
			if err != nil {
				return err
			}
			for _, b := range page {
				fn(b)
			}
			if len(page) < p.Limit {
				return nil
			}
			p.Cursor = page[len(page)-1].ID
		}
	})
}
