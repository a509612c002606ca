package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
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
	log        eventLog
	byCustomer map[customer.ID][]events.Seq
	last       events.Seq // the greatest Seq given, committed or rolled back
	horizon    events.Seq // the newest Seq pruned
	cursors    map[string]events.Seq
	// arena is where the events' changes are packed, in chunks the
	// collector allocates rarely and never scans.
	arena []byte
	// names holds each field name once, so reading an event does not
	// allocate its names again.
	names map[string]string
}

func (s *eventsState) init() {
	s.byCustomer = map[customer.ID][]events.Seq{}
	s.cursors = map[string]events.Seq{}
	s.names = map[string]string{}
}

// at returns the index in log of the first event with a Seq > after.
func (s *eventsState) at(after events.Seq) int {
	return sort.Search(s.log.n, func(i int) bool { return s.log.at(i).seq > after })
}

// logChunk is how many events a chunk of eventLog holds.
const logChunk = 512

// eventLog is the feed's events in Seq order, in chunks of logChunk: an
// Append never copies the events before it, as growing one slice of
// them did (half the cost of an Append on a feed of a million events).
type eventLog struct {
	chunks [][]stored
	n      int
}

func (l *eventLog) at(i int) *stored { return &l.chunks[i/logChunk][i%logChunk] }

func (l *eventLog) last() *stored { return l.at(l.n - 1) }

func (l *eventLog) append(k stored) {
	if l.n%logChunk == 0 {
		l.chunks = append(l.chunks, make([]stored, 0, logChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, k)
	l.n++
}

// truncate keeps the first n events.
func (l *eventLog) truncate(n int) {
	for l.n > n {
		last := len(l.chunks) - 1
		c := l.chunks[last]
		keep := max(0, len(c)-(l.n-n))
		clear(c[keep:])
		l.n -= len(c) - keep
		if keep > 0 {
			l.chunks[last] = c[:keep]
		} else {
			l.chunks[last] = nil
			l.chunks = l.chunks[:last]
		}
	}
}

// stored is an event as the feed keeps it, for as long as retention
// says: its changes packed into bytes (see pack), not a map of byte
// slices. A map per event cost an allocation of a few KB at every Append
// (the store must own what it keeps), and the feed, which only grows
// between prunes, made each collection scan every event's map.
type stored struct {
	seq      events.Seq
	id       events.ID
	typ      events.Type
	time     time.Time
	actor    string
	customer customer.ID
	subject  string
	changes  []byte // nil for nil Changes
}

// event returns the event k keeps. Its changes' values share k's bytes,
// as the map a caller got shared the store's before.
func (s *eventsState) event(k stored) events.Event {
	return events.Event{
		Seq: k.seq, ID: k.id, Type: k.typ, Time: k.time, Actor: k.actor,
		Customer: k.customer, Subject: k.subject, Changes: s.unpack(k.changes),
	}
}

// arenaChunk is the size of the arena's chunks: a few dozen events each.
const arenaChunk = 32 << 10

// pack returns c in bytes from the arena: the number of fields, then for
// each its name, its before and its after, every one preceded by its
// length as a uvarint (a value's length plus one, 0 for nil, so a nil
// value reads back nil and an empty one empty).
func (s *eventsState) pack(c events.Changes) []byte {
	if c == nil {
		return nil
	}
	n := uvarintLen(uint64(len(c)))
	for k, ch := range c {
		n += uvarintLen(uint64(len(k))) + len(k) + valueLen(ch.Before) + valueLen(ch.After)
	}
	var buf []byte
	if n > arenaChunk/8 {
		buf = make([]byte, 0, n)
	} else {
		if cap(s.arena)-len(s.arena) < n {
			s.arena = make([]byte, 0, arenaChunk)
		}
		start := len(s.arena)
		s.arena = s.arena[:start+n]
		buf = s.arena[start : start : start+n]
	}
	buf = binary.AppendUvarint(buf, uint64(len(c)))
	for k, ch := range c {
		if _, ok := s.names[k]; !ok {
			s.names[k] = k
		}
		buf = binary.AppendUvarint(buf, uint64(len(k)))
		buf = append(buf, k...)
		buf = appendValue(buf, ch.Before)
		buf = appendValue(buf, ch.After)
	}
	return buf
}

// unpack reads what pack wrote.
func (s *eventsState) unpack(p []byte) events.Changes {
	if p == nil {
		return nil
	}
	n, w := binary.Uvarint(p)
	p = p[w:]
	c := make(events.Changes, n)
	for range n {
		l, w := binary.Uvarint(p)
		name := p[w : w+int(l)]
		p = p[w+int(l):]
		k, ok := s.names[string(name)]
		if !ok {
			k = string(name)
		}
		var ch events.Change
		ch.Before, p = readValue(p)
		ch.After, p = readValue(p)
		c[k] = ch
	}
	return c
}

func valueLen(v json.RawMessage) int {
	if v == nil {
		return 1
	}
	return uvarintLen(uint64(len(v))+1) + len(v)
}

func appendValue(dst []byte, v json.RawMessage) []byte {
	if v == nil {
		return append(dst, 0)
	}
	return append(binary.AppendUvarint(dst, uint64(len(v))+1), v...)
}

// readValue returns the value at the start of p, capped so that a caller
// appending to it cannot write over the next, and the rest of p.
func readValue(p []byte) (json.RawMessage, []byte) {
	l, w := binary.Uvarint(p)
	if l == 0 {
		return nil, p[w:]
	}
	end := w + int(l) - 1
	return json.RawMessage(p[w:end:end]), p[end:]
}

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
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
		ready := s.log.n > 0 && s.log.last().seq > after
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

// Append packs each event into the feed (see stored). The followers get
// the events as given, with the Seq set: the caller's changes, which the
// caller does not touch once appended (playerbase builds a map per event
// and drops it).
func (t eventsTx) Append(ctx context.Context, evs ...events.Event) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	oldLast := s.last
	for _, e := range evs {
		s.last++
		e.Seq = s.last
		s.log.append(stored{
			seq: e.Seq, id: e.ID, typ: e.Type, time: e.Time, actor: e.Actor,
			customer: e.Customer, subject: e.Subject, changes: s.pack(e.Changes),
		})
		if e.Customer != "" {
			s.byCustomer[e.Customer] = append(s.byCustomer[e.Customer], e.Seq)
		}
		t.published = append(t.published, e)
	}
	t.undo = append(t.undo, func() {
		i := s.at(oldLast)
		for j := s.log.n - 1; j >= i; j-- {
			if c := s.log.at(j).customer; c != "" {
				seqs := s.byCustomer[c]
				if n := len(seqs); n > 0 && seqs[n-1] == s.log.at(j).seq {
					s.byCustomer[c] = seqs[:n-1]
				}
			}
		}
		s.log.truncate(i)
		s.last = oldLast
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
	keep := func(k stored) bool {
		return len(q.Types) == 0 || slices.Contains(q.Types, k.typ)
	}
	if q.Customer != "" {
		seqs := s.byCustomer[q.Customer]
		i, _ := slices.BinarySearch(seqs, q.After+1)
		for ; i < len(seqs) && len(out) < q.Limit; i++ {
			if k := s.log.at(s.at(seqs[i] - 1)); keep(*k) {
				out = append(out, s.event(*k))
			}
		}
		return out, nil
	}
	for i := s.at(q.After); i < s.log.n && len(out) < q.Limit; i++ {
		if k := s.log.at(i); keep(*k) {
			out = append(out, s.event(*k))
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
		out = append(out, s.event(*s.log.at(s.at(seqs[i] - 1))))
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
	if s.log.n == 0 {
		return s.horizon, nil
	}
	return max(s.log.last().seq, s.horizon), nil
}

func (t eventsTx) Prune(ctx context.Context, before, now time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	s := t.state()
	liveBan := func(k stored) bool {
		b, ok := t.db.bans.byID[bans.ID(k.subject)]
		return ok && b.Active(now)
	}
	oldLog, oldByCustomer, oldHorizon := s.log, s.byCustomer, s.horizon
	var kept eventLog
	byCustomer := map[customer.ID][]events.Seq{}
	horizon := s.horizon
	for i := range s.log.n {
		k := *s.log.at(i)
		if k.time.Before(before) && !liveBan(k) {
			horizon = max(horizon, k.seq)
			continue
		}
		kept.append(k)
		if k.customer != "" {
			byCustomer[k.customer] = append(byCustomer[k.customer], k.seq)
		}
	}
	n := s.log.n - kept.n
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
