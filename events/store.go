package events

import (
	"context"
	"fmt"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// Query selects events of the feed.
type Query struct {
	After    Seq         // events with a greater Seq; 0: from the first
	Customer customer.ID // "": every customer's, and those of none
	Types    []Type      // none: every type
	Limit    int         // > 0
}

// Store is the transaction's view of the feed.
type Store interface {
	// Append adds events to the transaction. The store sets each one's Seq
	// when the transaction commits, greater than every Seq committed
	// before; the caller sets the rest. Nothing is appended if the
	// transaction rolls back.
	Append(ctx context.Context, evs ...Event) error
	// List returns the events with Seq > q.After that match q, in Seq
	// order, at most q.Limit. If an event with a Seq > q.After has been
	// pruned, it returns a *BehindError instead.
	List(ctx context.Context, q Query) ([]Event, error)
	// History returns the customer's events with Seq < before (0: no
	// bound), newest first, at most limit.
	History(ctx context.Context, id customer.ID, before Seq, limit int) ([]Event, error)
	// Last returns the greatest Seq committed, 0 if none ever was.
	Last(ctx context.Context) (Seq, error)
	// Prune deletes the events older than before, except those whose
	// Subject is a ban active at now (not removed, not expired), and
	// returns how many it deleted. List then refuses cursors older than the
	// newest event deleted.
	Prune(ctx context.Context, before, now time.Time) (int, error)
	// Cursor returns the position a named follower saved (a webhook
	// endpoint), 0 if it never saved one.
	Cursor(ctx context.Context, name string) (Seq, error)
	// SetCursor saves a named follower's position.
	SetCursor(ctx context.Context, name string, at Seq) error
}

// RecordAppender is an optional Store method for a store that can keep
// the versions of a changed record in place of its changes and write them
// only when the event is read (the memory backend: most events are never
// read, and writing a record's JSON is most of what its event costs).
type RecordAppender interface {
	// AppendRecord appends e, the event of a record's change from before
	// to after (before nil: created; after nil: removed), with the changes
	// Diff(before, after) gives (e.Changes is ignored): the same event
	// Append(e with those changes) would have appended. With no changes
	// it appends nothing and reports false. An error writing the changes
	// comes now, as Append's would, never at the read. An event without
	// an ID gets a new one, stamped with e.Time, as NewID gives: the store
	// may keep it as its RawID, which it then writes only when the event
	// is read.
	AppendRecord(ctx context.Context, e Event, before, after any) (bool, error)
}

// BehindError says a follower's cursor is older than events already
// pruned: it missed some and must resynchronise from the current state
// (a ban index reloads) or accept the loss and go on from Horizon. It
// matches errs.ErrGone.
type BehindError struct {
	After   Seq // the follower's cursor
	Horizon Seq // the newest event pruned; reading from here loses nothing more
}

func (e *BehindError) Error() string {
	return fmt.Sprintf("events: cursor %d is behind retention: events up to %d were pruned; resynchronise, or go on from %d", e.After, e.Horizon, e.Horizon)
}

// Is reports errs.ErrGone.
func (e *BehindError) Is(target error) bool { return target == errs.ErrGone }
