package playerbase

import (
	"context"
	"errors"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/storage"
)

// Sentinel errors, re-exported from package errs so callers need one import.
var (
	ErrNotFound  = errs.ErrNotFound
	ErrConflict  = errs.ErrConflict
	ErrInvalid   = errs.ErrInvalid
	ErrForbidden = errs.ErrForbidden
	ErrGone      = errs.ErrGone
)

// Config tunes a Client. A nil *Config, and every zero field, means the
// default.
type Config struct {
	// Now is the clock every time rule reads; one call reads it once.
	// Default time.Now. What it returns is taken in UTC and truncated to
	// the microsecond, the precision every backend stores, so a record
	// read back equals the one a call returned.
	Now func() time.Time
	// MonthLength turns day and week billing periods into MRR. Default
	// stats.DefaultMonthLength, an average month of 365/12 days.
	MonthLength time.Duration
	// Reversals says what a refund or a chargeback does to the items the
	// order granted. The zero value is the default: see ReversalPolicy.
	Reversals ReversalPolicy
	// LeaseDuration is how long a game server holds the commands a Poll
	// hands it before they may be handed out again. Default
	// DefaultLeaseDuration.
	LeaseDuration time.Duration
	// EventRetention is how long EventPrune keeps events. Default
	// DefaultEventRetention, 90 days.
	EventRetention time.Duration
}

// Client is the facade a host app constructs over a storage backend. It is
// safe for concurrent use.
type Client struct {
	backend   storage.Backend
	now       func() time.Time
	stats     stats.Config
	reversals ReversalPolicy
	lease     time.Duration
	retention time.Duration
}

// New returns a Client over backend. cfg may be nil.
func New(backend storage.Backend, cfg *Config) *Client {
	c := &Client{backend: backend, now: time.Now, lease: DefaultLeaseDuration, retention: DefaultEventRetention}
	if cfg != nil {
		if cfg.Now != nil {
			c.now = cfg.Now
		}
		c.stats.MonthLength = cfg.MonthLength
		c.reversals = cfg.Reversals
		if cfg.LeaseDuration > 0 {
			c.lease = cfg.LeaseDuration
		}
		if cfg.EventRetention > 0 {
			c.retention = cfg.EventRetention
		}
	}
	return c
}

// Close closes the backend.
func (c *Client) Close() error { return c.backend.Close() }

// clock returns "now" for one operation, in UTC, at the microsecond
// precision every backend can store.
func (c *Client) clock() time.Time { return c.now().UTC().Truncate(time.Microsecond) }

// update runs fn in a read-write transaction. Every write names an actor
// (see WithActor): one the events could not carry fails the call before
// it reads anything, so even a call that would change nothing refuses it.
func (c *Client) update(ctx context.Context, fn func(storage.Tx) error) error {
	if err := checkActor(ctx); err != nil {
		return err
	}
	return c.backend.Update(ctx, fn)
}

// checkActor returns an *errs.InvalidError for "actor" if ctx's actor is
// not one events can carry.
func checkActor(ctx context.Context) error {
	_, err := events.CheckActor(ActorOf(ctx))
	return err
}

// view runs fn in a read-only transaction.
func (c *Client) view(ctx context.Context, fn func(storage.Tx) error) error {
	return c.backend.View(ctx, fn)
}

// nonNil returns s, or an empty slice for nil, so a list the Client
// returns encodes as [] in JSON, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// retryOnConflict runs op again, up to a few times, when it fails with a
// conflict another writer caused between our read and our write (two
// Identify calls creating the same customer on different nodes).
func retryOnConflict(op func() error) error {
	var err error
	for range 3 {
		if err = op(); !errors.Is(err, errs.ErrConflict) {
			return err
		}
	}
	return err
}
