package playerbase

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/storage"
)

// DefaultEventRetention is how long EventPrune keeps events unless
// Config.EventRetention says otherwise.
const DefaultEventRetention = 90 * 24 * time.Hour

type actorKey struct{}

// WithActor returns ctx naming who makes the changes the calls made with it
// make: "admin:alice" for a staff member, "webhook:stripe" for a payment
// provider, "gameserver:eu-1" for a game server. Every event those calls
// append carries it; a call made without one is the actor "system". An
// Actor field in a call's params, where there is one, names the actor of
// that call instead.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf returns the actor ctx names, events.Default if none.
func ActorOf(ctx context.Context) string {
	if a, _ := ctx.Value(actorKey{}).(string); a != "" {
		return a
	}
	return events.Default
}

// withActor is WithActor for a call whose params name an actor: explicit,
// if set, wins over ctx's.
func withActor(ctx context.Context, explicit string) context.Context {
	if explicit == "" {
		return ctx
	}
	return WithActor(ctx, explicit)
}

// record appends, in tx, the event of one change to one record: before and
// after are the record's two versions (nil before: created; nil after:
// removed), and the event keeps the fields that differ. Two versions that
// do not differ append nothing: a change that changed nothing is no
// event. The actor is ctx's, which Client.update checked before the
// call's transaction began.
func record(ctx context.Context, tx storage.Tx, now time.Time, typ events.Type, cust customer.ID, subject string, before, after any) error {
	if store, ok := tx.Events().(events.RecordAppender); ok {
		// The store may keep the versions and write the changes when
		// the event is read, and give the event its ID, which it may
		// keep as bytes and write when the event is read too.
		e, ok := eventHead(ctx, now, typ, cust, subject)
		if !ok {
			return nil
		}
		_, err := store.AppendRecord(ctx, e, before, after)
		return err
	}
	// Any other store gets the changes now. A SQL store inserts a
	// transaction's events together at its commit, so a workflow that
	// records many (an ack of a hundred commands) pays one statement.
	e, ok := eventHead(ctx, now, typ, cust, subject)
	if !ok {
		return nil
	}
	e.ID = events.NewID(now)
	var err error
	e.Changes, err = eventdiff.Diff(before, after)
	if err != nil || len(e.Changes) == 0 {
		return err
	}
	return tx.Events().Append(ctx, e)
}

// eventsOff, set only by BenchmarkCompleteOrderEvents, makes eventHead
// say the events are off: the workflow as it would be without the feed,
// measured beside the workflow with it, so the feed's share of the
// workflow is their difference and not an estimate.
var eventsOff atomic.Bool

// eventHead is an event but its ID and its changes: the time, the actor
// of ctx; false when the events are off. The actor was checked once, by
// Client.update, before the call's transaction began (a workflow that
// names another inside it names events.ActorExpiry), not again for each
// of the call's events.
func eventHead(ctx context.Context, now time.Time, typ events.Type, cust customer.ID, subject string) (events.Event, bool) {
	if eventsOff.Load() {
		return events.Event{}, false
	}
	return events.Event{Type: typ, Time: now, Actor: ActorOf(ctx), Customer: cust, Subject: subject}, true
}

// Page sizes for EventList and CustomerHistory.
const (
	DefaultEventPage = 100
	MaxEventPage     = 1000
)

// EventListParams select events of the feed.
type EventListParams struct {
	After    events.Seq    // the NextCursor of the previous page; 0: from the oldest kept
	Customer customer.ID   // "": everyone's
	Types    []events.Type // none: every type
	Limit    int           // ≤ 0: DefaultEventPage; at most MaxEventPage
}

// EventPage is a page of the feed, oldest first. NextCursor is what to pass
// as After next: the Seq of the last event on the page, or After when the
// page is empty (nothing new yet).
type EventPage struct {
	Events     []events.Event `json:"events"`
	NextCursor events.Seq     `json:"next_cursor"`
}

// EventList returns the events after p.After, in commit order: a follower
// that has read up to a cursor never later finds an older event it has not
// seen. A cursor older than the events retention pruned is an
// *events.BehindError (matching ErrGone).
func (c *Client) EventList(ctx context.Context, p EventListParams) (EventPage, error) {
	page, _, err := c.eventPage(ctx, p, false)
	return page, err
}

// eventPage is EventList; withLast, when the page is empty, it also
// returns the newest Seq, read in the same transaction: a follower that
// waits for events past it then cannot sleep through one that committed
// after the page was read.
func (c *Client) eventPage(ctx context.Context, p EventListParams, withLast bool) (page EventPage, last events.Seq, err error) {
	q, err := eventQuery(p)
	if err != nil {
		return EventPage{}, 0, err
	}
	page = EventPage{NextCursor: p.After}
	err = c.view(ctx, func(tx storage.Tx) error {
		evs, err := tx.Events().List(ctx, q)
		page.Events = evs
		if err != nil || len(evs) > 0 || !withLast {
			return err
		}
		last, err = tx.Events().Last(ctx)
		return err
	})
	if err != nil {
		return EventPage{}, 0, err
	}
	page.Events = nonNil(page.Events)
	if n := len(page.Events); n > 0 {
		page.NextCursor = page.Events[n-1].Seq
	}
	return page, last, nil
}

func eventQuery(p EventListParams) (events.Query, error) {
	if p.After < 0 {
		return events.Query{}, errs.Invalid("after", strconv.FormatInt(int64(p.After), 10), "a cursor is ≥ 0")
	}
	if p.Customer != "" {
		id, err := customer.ParseID(string(p.Customer))
		if err != nil {
			return events.Query{}, err
		}
		p.Customer = id
	}
	types := make([]events.Type, 0, len(p.Types))
	for _, t := range p.Types {
		t, err := events.ParseType(string(t))
		if err != nil {
			return events.Query{}, err
		}
		types = append(types, t)
	}
	return events.Query{After: p.After, Customer: p.Customer, Types: types, Limit: pageSize(p.Limit, DefaultEventPage, MaxEventPage)}, nil
}

// eventPollInterval is how often EventWait reads the feed on a backend that
// cannot wake it (no storage.EventWaiter).
const eventPollInterval = 250 * time.Millisecond

// EventWait is EventList for a follower: it returns as soon as at least one
// event matches p, waiting for it if need be, until ctx ends (ctx's error).
func (c *Client) EventWait(ctx context.Context, p EventListParams) (EventPage, error) {
	w, _ := c.backend.(storage.EventWaiter)
	after := p.After
	for {
		page, last, err := c.eventPage(ctx, p, true)
		if err != nil || len(page.Events) > 0 {
			return page, err
		}
		// Nothing matched: wait for anything newer than what the feed
		// held when the page was read (the same snapshot: a newest Seq
		// read later could include a matching event committed since),
		// not only newer than the cursor, or a feed of unmatched events
		// would wake this loop at once, forever.
		after = max(after, last)
		if w != nil {
			err = w.WaitEvents(ctx, after)
		} else {
			err = sleep(ctx, eventPollInterval)
		}
		if err != nil {
			return EventPage{}, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// EventLast returns the Seq of the newest event: a follower that wants only
// what happens from now on starts after it.
func (c *Client) EventLast(ctx context.Context) (last events.Seq, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		last, err = tx.Events().Last(ctx)
		return err
	})
	return last, err
}

// EventPruneParams say which events EventPrune deletes.
type EventPruneParams struct {
	// OlderThan is the age past which events go. ≤ 0: Config.EventRetention.
	OlderThan time.Duration
}

// EventPrune deletes the events older than the retention, except those
// about a ban still active (they explain why a player cannot join), and
// returns how many. Run it daily; followers whose cursor falls behind it
// get an *events.BehindError.
func (c *Client) EventPrune(ctx context.Context, p EventPruneParams) (n int, err error) {
	age := p.OlderThan
	if age <= 0 {
		age = c.retention
	}
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		n, err = tx.Events().Prune(ctx, now.Add(-age), now)
		return err
	})
	return n, err
}

// CustomerHistoryParams page through a customer's history.
type CustomerHistoryParams struct {
	Before events.Seq // the NextCursor of the previous page; 0: from the newest
	Limit  int        // ≤ 0: DefaultEventPage; at most MaxEventPage
}

// HistoryPage is a page of a customer's history, newest first. NextCursor
// is 0 on the last page.
type HistoryPage struct {
	Events     []events.Event `json:"events"`
	NextCursor events.Seq     `json:"next_cursor"`
}

// CustomerHistory returns what happened to a customer, newest first, each
// change with who made it: the Customer Details Page's history.
func (c *Client) CustomerHistory(ctx context.Context, id customer.ID, p CustomerHistoryParams) (HistoryPage, error) {
	want := pageSize(p.Limit, DefaultEventPage, MaxEventPage)
	var page HistoryPage
	err := c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		evs, err := tx.Events().History(ctx, id, p.Before, want+1)
		if len(evs) > want {
			evs = evs[:want]
			page.NextCursor = evs[want-1].Seq
		}
		page.Events = evs
		return err
	})
	if err != nil {
		return HistoryPage{}, err
	}
	page.Events = nonNil(page.Events)
	return page, nil
}
