package memory

import (
	"context"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
)

// eventsState is the feed: every event in Seq order, each customer's
// positions in it, and what followers need to know. Seqs are given at
// Append: writers hold the write lock one at a time, so append order is
// commit order.
type eventsState struct {
	log        []events.Event
	byCustomer map[customer.ID][]events.Seq
	last       events.Seq // the greatest Seq given, committed or rolled back
	horizon    events.Seq // the newest Seq pruned
	cursors    map[string]events.Seq
}

func (s *eventsState) init() {
	s.byCustomer = map[customer.ID][]events.Seq{}
	s.cursors = map[string]events.Seq{}
}

// at returns the index in log of the first event with a Seq > after.
func (s *eventsState) at(after events.Seq) int {
	return sort.Search(len(s.log), func(i int) bool { return s.log[i].Seq > after })
}

// notifier wakes followers after each commit that appended events, and
// calls the subscribers.
type notifier struct {
	mu   sync.Mutex
	wake chan struct{}
	subs map[int]func([]events.Event)
	next int
}

// published is called by Update after a commit, once the write lock is
// released, so a subscriber may read the backend.
func (n *notifier) published(evs []events.Event) {
	n.mu.Lock()
	subs := slices.Collect(maps.Values(n.subs))
	if n.wake != nil {
		close(n.wake)
		n.wake = nil
	}
	n.mu.Unlock()
	for _, fn := range subs {
		fn(slices.Clone(evs))
	}
}

// WaitEvents returns once the feed holds an event past after.
func (b *Backend) WaitEvents(ctx context.Context, after events.Seq) error {
	for {
		b.mu.RLock()
		s := &b.db.events
		ready := len(s.log) > 0 && s.log[len(s.log)-1].Seq > after
		// Taken under the read lock: a commit after this point closes it.
		b.events.mu.Lock()
		if b.events.wake == nil {
			b.events.wake = make(chan struct{})
		}
		wake := b.events.wake
		b.events.mu.Unlock()
		b.mu.RUnlock()
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// SubscribeEvents calls fn with each committed transaction's events before
// its Update returns.
func (b *Backend) SubscribeEvents(fn func([]events.Event)) (cancel func()) {
	n := &b.events
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.subs == nil {
		n.subs = map[int]func([]events.Event){}
	}
	id := n.next
	n.next++
	n.subs[id] = fn
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.subs, id)
	}
}

type eventsTx struct{ *tx }

func (t eventsTx) state() *eventsState { return &t.db.events }

func (t eventsTx) Append(ctx context.Context, evs ...events.Event) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	oldLen, oldLast := len(s.log), s.last
	var touched []customer.ID
	for _, e := range evs {
		s.last++
		e.Seq = s.last
		e.Changes = maps.Clone(e.Changes)
		s.log = append(s.log, e)
		if e.Customer != "" {
			s.byCustomer[e.Customer] = append(s.byCustomer[e.Customer], e.Seq)
			touched = append(touched, e.Customer)
		}
		t.published = append(t.published, e)
	}
	t.undo = append(t.undo, func() {
		clear(s.log[oldLen:])
		s.log, s.last = s.log[:oldLen], oldLast
		for _, c := range touched {
			seqs := s.byCustomer[c]
			if len(seqs) > 0 && seqs[len(seqs)-1] > oldLast {
				s.byCustomer[c] = seqs[:len(seqs)-1]
			}
		}
		t.published = t.published[:0]
	})
	return nil
}

func (t eventsTx) List(ctx context.Context, q events.Query) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	if q.After < s.horizon {
		return nil, &events.BehindError{After: q.After, Horizon: s.horizon}
	}
	var out []events.Event
	keep := func(e events.Event) bool {
		return len(q.Types) == 0 || slices.Contains(q.Types, e.Type)
	}
	if q.Customer != "" {
		seqs := s.byCustomer[q.Customer]
		i, _ := slices.BinarySearch(seqs, q.After+1)
		for ; i < len(seqs) && len(out) < q.Limit; i++ {
			if e := s.log[s.at(seqs[i]-1)]; keep(e) {
				out = append(out, e)
			}
		}
		return out, nil
	}
	for i := s.at(q.After); i < len(s.log) && len(out) < q.Limit; i++ {
		if keep(s.log[i]) {
			out = append(out, s.log[i])
		}
	}
	return out, nil
}

func (t eventsTx) History(ctx context.Context, id customer.ID, before events.Seq, limit int) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	seqs := s.byCustomer[id]
	i := len(seqs)
	if before > 0 {
		i, _ = slices.BinarySearch(seqs, before)
	}
	var out []events.Event
	for i--; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.log[s.at(seqs[i]-1)])
	}
	return out, nil
}

func (t eventsTx) Last(ctx context.Context) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	// The newest event kept, or the newest pruned if that is newer: a
	// follower that starts after Last must not be behind retention.
	s := t.state()
	if len(s.log) == 0 {
		return s.horizon, nil
	}
	return max(s.log[len(s.log)-1].Seq, s.horizon), nil
}

func (t eventsTx) Prune(ctx context.Context, before, now time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	s := t.state()
	liveBan := func(e events.Event) bool {
		b, ok := t.db.bans.byID[bans.ID(e.Subject)]
		return ok && b.Active(now)
	}
	oldLog, oldByCustomer, oldHorizon := s.log, s.byCustomer, s.horizon
	kept := make([]events.Event, 0, len(s.log))
	byCustomer := map[customer.ID][]events.Seq{}
	horizon := s.horizon
	for _, e := range s.log {
		if e.Time.Before(before) && !liveBan(e) {
			horizon = max(horizon, e.Seq)
			continue
		}
		kept = append(kept, e)
		if e.Customer != "" {
			byCustomer[e.Customer] = append(byCustomer[e.Customer], e.Seq)
		}
	}
	n := len(s.log) - len(kept)
	if n == 0 {
		return 0, nil
	}
	s.log, s.byCustomer, s.horizon = kept, byCustomer, horizon
	t.undo = append(t.undo, func() { s.log, s.byCustomer, s.horizon = oldLog, oldByCustomer, oldHorizon })
	return n, nil
}

func (t eventsTx) Cursor(ctx context.Context, name string) (events.Seq, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	return t.state().cursors[name], nil
}

func (t eventsTx) SetCursor(ctx context.Context, name string, at events.Seq) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	put(t.tx, t.state().cursors, name, at)
	return nil
}
