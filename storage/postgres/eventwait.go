package postgres

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

var _ storage.EventWaiter = (*Backend)(nil)

// errClosed is WaitEvents' answer once Close has stopped the listener.
var errClosed = errors.New("postgres: backend closed")

// Reconnection and liveness of the feed's listening connection: a failed
// session is retried after listenRetry, doubling up to listenRetryMax while
// failures repeat; an idle connection is pinged every listenHeartbeat, so a
// connection lost without a word (a dead peer, a silent network) is noticed,
// by a ping unanswered within listenPingTimeout, and replaced rather than
// waited on for ever.
const (
	listenRetry       = 100 * time.Millisecond
	listenRetryMax    = 5 * time.Second
	listenPingTimeout = 10 * time.Second
)

var listenHeartbeat = 30 * time.Second // a variable for tests

// WaitEvents returns once an event with a Seq greater than after has
// committed, or ctx's error (storage.EventWaiter). Followers wake on the
// NOTIFY every commit with events sends, heard by one listening connection
// per Backend outside the pool, opened on the first call and closed by
// Close. A waiter subscribes first and reads the feed after, and the
// listener wakes every waiter once its LISTEN has taken effect: so each
// commit is either in what the waiter read or heard after it, and none is
// slept through. A lost connection wakes every waiter, and so does the
// reconnect, since notifications sent in between are lost: they read the
// feed again. A read's error (the database is down) is returned.
func (b *Backend) WaitEvents(ctx context.Context, after events.Seq) error {
	l, err := b.feedListener()
	if err != nil {
		return err
	}
	for {
		wake, heard, closed := l.state()
		switch {
		case closed:
			return errClosed
		case heard > after:
			return nil
		}
		var last events.Seq
		err := b.View(ctx, func(tx storage.Tx) (err error) {
			last, err = tx.Events().Last(ctx)
			return err
		})
		if err != nil || last > after {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// feedListener returns the backend's listener, starting it on first use.
func (b *Backend) feedListener() (*listener, error) {
	b.feedMu.Lock()
	defer b.feedMu.Unlock()
	if b.closed {
		return nil, errClosed
	}
	if b.feed == nil {
		cfg := b.pool.Config().ConnConfig.Copy()
		cfg.RuntimeParams["application_name"] = "playerbase events"
		ctx, cancel := context.WithCancel(context.Background())
		b.feed = &listener{cfg: cfg, heartbeat: listenHeartbeat, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{})}
		go b.feed.run(ctx)
	}
	return b.feed, nil
}

// stopFeed stops the listener, if one runs, and waits for it to end.
func (b *Backend) stopFeed() {
	b.feedMu.Lock()
	b.closed = true
	l := b.feed
	b.feedMu.Unlock()
	if l != nil {
		l.cancel()
		<-l.done
	}
}

// listener holds the connection that LISTENs for the schema's commits and
// fans each notification out to every waiter, by closing wake and making a
// new one.
type listener struct {
	cfg       *pgx.ConnConfig
	heartbeat time.Duration
	cancel    context.CancelFunc
	done      chan struct{} // closed when run has returned

	mu     sync.Mutex
	wake   chan struct{}
	heard  events.Seq // the greatest Seq notified
	closed bool
	pid    uint32 // the listening connection's backend PID, for tests
}

// state returns the channel that closes at the next wake-up, the greatest
// Seq heard of, and whether the listener has stopped.
func (l *listener) state() (<-chan struct{}, events.Seq, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wake, l.heard, l.closed
}

// broadcast wakes every waiter, noting seq as committed.
func (l *listener) broadcast(seq events.Seq) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heard = max(l.heard, seq)
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *listener) run(ctx context.Context) {
	defer func() {
		l.mu.Lock()
		l.closed = true
		close(l.wake)
		l.mu.Unlock()
		close(l.done)
	}()
	delay := listenRetry
	for {
		listened := l.session(ctx)
		// Notifications are lost until the next LISTEN: wake the waiters
		// now, and again once it is done.
		l.broadcast(0)
		if listened {
			delay = listenRetry
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, listenRetryMax)
	}
}

// session connects, listens and broadcasts each notification until the
// connection fails or ctx ends; it reports whether it got as far as
// listening. Its errors are not reported: the connection is replaced
// whatever went wrong, and the waiters read the feed through the pool,
// whose errors they return.
func (l *listener) session(ctx context.Context) (listened bool) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return false
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	l.mu.Lock()
	l.pid = conn.PgConn().PID()
	l.mu.Unlock()
	// The channel is the one the events insert notifies (eventInsert),
	// named by the server from the same expression on a connection with
	// the same search_path.
	var channel string
	if err := conn.QueryRow(ctx, `select 'playerbase_events_' || md5(current_schema())`).Scan(&channel); err != nil {
		return false
	}
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false
	}
	// Whoever read the feed before the LISTEN took effect reads it again.
	l.broadcast(0)
	for {
		wait, cancel := context.WithTimeout(ctx, l.heartbeat)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			seq, _ := strconv.ParseInt(n.Payload, 10, 64)
			l.broadcast(events.Seq(seq))
		case ctx.Err() == nil && wait.Err() != nil:
			// Idle for a heartbeat: a lapsed wait leaves the connection
			// usable, and a ping tells whether it still is.
			ping, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(ping)
			cancel()
			if err != nil {
				return true
			}
		default:
			return true
		}
	}
}
