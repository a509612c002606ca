package memory

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/eventdiff"
)

// eventsState is the feed: every event in Seq order, each customer's
// positions in it, and what followers need to know. Seqs are given at
// Append: writers hold the write lock one at a time, so append order is
// commit order.
type eventsState struct {
	log eventLog
	// byCustomer holds each customer's Seqs, by address: an append
	// looks the customer up once.
	byCustomer map[customer.ID]*[]events.Seq
	last       events.Seq // the greatest Seq given, committed or rolled back
	horizon    events.Seq // the newest Seq pruned
	cursors    map[string]events.Seq
	// arena holds the events' bytes (see stored), in chunks the
	// collector allocates rarely and never scans.
	arena [][]byte
	// lastActor is the actor interned last: a transaction's events
	// share one.
	lastActor string
	// names holds each type, actor and field name once, so reading an
	// event does not allocate them again.
	names map[string]string
	// locs are the time zones of the events' times.
	locs []*time.Location
}

func (s *eventsState) init() {
	s.byCustomer = map[customer.ID]*[]events.Seq{}
	s.cursors = map[string]events.Seq{}
	s.names = map[string]string{}
	// Every type at once: an append then interns none.
	for _, t := range events.Types {
		s.intern(string(t))
	}
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
// says: its time, and where in the arena its bytes are (see pack). It
// holds no pointer, nor does the arena: a feed of a million events is a
// few thousand objects for the collector, not millions of strings and
// maps it would mark at every collection (that marking was half the CPU
// time of BenchmarkPollAck on memory).
type stored struct {
	seq   events.Seq
	sec   int64  // the time, in Unix seconds
	nsec  int32  // and nanoseconds
	loc   int32  // its zone, in locs
	chunk uint32 // the arena chunk of its bytes
	off   uint32 // where in it they start
	n     uint32 // how many
	// packed: the bytes hold, after the head, the change as
	// eventdiff.Pack wrote it, not its changes (see AppendRecord).
	packed bool
	// rawID: the head holds the ID as its 16 bytes (events.RawID), not
	// its text.
	rawID bool
}

// arenaChunk is the size of the arena's chunks: a few dozen events each.
const arenaChunk = 64 << 10

// alloc returns n bytes of the arena, and where they are. An event of
// more than an eighth of a chunk gets a chunk of its own.
func (s *eventsState) alloc(n int) (buf []byte, chunk, off uint32) {
	last := len(s.arena) - 1
	if n > arenaChunk/8 {
		s.arena = append(s.arena, make([]byte, n))
		return s.arena[last+1], uint32(last + 1), 0
	}
	buf, chunk, off = s.tail(n)
	s.commit(chunk, n)
	return buf[:n:n], chunk, off
}

// tail returns the free end of the arena's last chunk, empty, with room
// for n bytes at least (a new chunk if it has less), and where it starts:
// an event is written there in place, and kept by commit.
func (s *eventsState) tail(n int) (buf []byte, chunk, off uint32) {
	last := len(s.arena) - 1
	if last < 0 || cap(s.arena[last])-len(s.arena[last]) < n {
		s.arena = append(s.arena, make([]byte, 0, max(n, arenaChunk)))
		last++
	}
	c := s.arena[last]
	return c[len(c):], uint32(last), uint32(len(c))
}

// commit keeps the n bytes written at the tail of chunk.
func (s *eventsState) commit(chunk uint32, n int) {
	c := s.arena[chunk]
	s.arena[chunk] = c[:len(c)+n]
}

// bytes returns k's bytes.
func (s *eventsState) bytes(k *stored) []byte {
	return s.arena[k.chunk][k.off : k.off+k.n : k.off+k.n]
}

// intern returns s's copy of name, adding it; under the write lock.
func (s *eventsState) intern(name string) string {
	if n, ok := s.names[name]; ok {
		return n
	}
	s.names[name] = name
	return name
}

// name returns the interned copy of b, or a new string if there is none.
func (s *eventsState) name(b []byte) string {
	if n, ok := s.names[string(b)]; ok {
		return n
	}
	return string(b)
}

// store packs e into the arena: its head (see appendHead), then its
// changes (the number of fields, then for each its name, its before and
// its after), every one preceded by its length as a uvarint (a change's
// value: its length plus one, 0 for nil, so a nil value reads back nil
// and an empty one empty; the changes: 0 for nil). raw, if not nil, is
// e's ID.
func (s *eventsState) store(e *events.Event, raw *events.RawID) stored {
	n := s.headLen(e, raw)
	if e.Changes != nil {
		n += uvarintLen(uint64(len(e.Changes)) + 1)
		for k, ch := range e.Changes {
			n += strLen(k) + valueLen(ch.Before) + valueLen(ch.After)
		}
	} else {
		n++
	}
	buf, chunk, off := s.alloc(n)
	buf = s.appendHead(buf[:0], e, raw)
	if e.Changes == nil {
		buf = append(buf, 0)
	} else {
		buf = binary.AppendUvarint(buf, uint64(len(e.Changes))+1)
		for k, ch := range e.Changes {
			buf = appendStr(buf, s.intern(k))
			buf = appendValue(buf, ch.Before)
			buf = appendValue(buf, ch.After)
		}
	}
	return s.stored(e, raw, chunk, off, len(buf), false)
}

// packFree is the room storeRecord asks of a chunk for a record's bytes:
// what most records take. A larger one is copied to a place of its own.
const packFree = 1 << 10

// storeRecord packs e into the arena with the change from before to
// after as eventdiff.Pack writes it, written in place at the arena's
// tail, as Pack's ok and changed say; with either false it keeps
// nothing.
func (s *eventsState) storeRecord(e *events.Event, raw *events.RawID, before, after any) (k stored, changed, ok bool) {
	head := s.headLen(e, raw)
	dst, chunk, off := s.tail(head + packFree)
	start := dst[:1] // where the bytes stay, unless they outgrow the chunk
	out, changed, ok := eventdiff.Pack(s.appendHead(dst, e, raw), before, after)
	if !ok || !changed {
		return stored{}, changed, ok
	}
	if &out[0] == &start[0] {
		s.commit(chunk, len(out))
	} else {
		// Pack outgrew the chunk.
		var buf []byte
		buf, chunk, off = s.alloc(len(out))
		copy(buf, out)
	}
	return s.stored(e, raw, chunk, off, len(out), true), true, true
}

// headLen is how many bytes appendHead writes for e.
func (s *eventsState) headLen(e *events.Event, raw *events.RawID) int {
	n := strLen(string(e.Type)) + strLen(e.Actor) + strLen(string(e.Customer)) + strLen(e.Subject)
	if raw != nil {
		return n + len(raw)
	}
	return n + strLen(string(e.ID))
}

// appendHead appends e's ID (raw's 16 bytes, or its text), type, actor,
// customer and subject.
func (s *eventsState) appendHead(buf []byte, e *events.Event, raw *events.RawID) []byte {
	if raw != nil {
		buf = append(buf, raw[:]...)
	} else {
		buf = appendStr(buf, string(e.ID))
	}
	buf = appendStr(buf, string(e.Type)) // interned by init, unless one Append was given unchecked
	if e.Actor != s.lastActor {
		s.lastActor = s.intern(e.Actor)
	}
	buf = appendStr(buf, e.Actor)
	buf = appendStr(buf, string(e.Customer))
	return appendStr(buf, e.Subject)
}

// stored is the entry for e, whose n bytes are at off in chunk.
func (s *eventsState) stored(e *events.Event, raw *events.RawID, chunk, off uint32, n int, packed bool) stored {
	loc := slices.Index(s.locs, e.Time.Location())
	if loc < 0 {
		loc = len(s.locs)
		s.locs = append(s.locs, e.Time.Location())
	}
	return stored{
		seq: e.Seq, sec: e.Time.Unix(), nsec: int32(e.Time.Nanosecond()), loc: int32(loc),
		chunk: chunk, off: off, n: uint32(n), packed: packed, rawID: raw != nil,
	}
}

// head reads what event reads but the changes: the type, customer and
// subject the feed filters by, and where the changes start.
type head struct {
	id, actor, subject []byte // id: 16 bytes for a raw ID (see stored)
	typ                events.Type
	customer           customer.ID
	rest               []byte
}

func (s *eventsState) head(k *stored) head {
	var h head
	p := s.bytes(k)
	var typ, cust []byte
	h.id, p = s.readID(k, p)
	typ, p = readStr(p)
	h.actor, p = readStr(p)
	cust, p = readStr(p)
	h.subject, p = readStr(p)
	h.typ = events.Type(s.name(typ))
	if len(cust) > 0 {
		h.customer = customer.ID(cust)
	}
	h.rest = p
	return h
}

// typ returns k's type, without allocating.
func (s *eventsState) typ(k *stored) events.Type {
	_, p := s.readID(k, s.bytes(k))
	typ, _ := readStr(p)
	return events.Type(s.name(typ))
}

// customerOf returns k's customer.
func (s *eventsState) customerOf(k *stored) customer.ID {
	return s.head(k).customer
}

// readID returns the ID at the start of p, k's bytes, and the rest.
func (s *eventsState) readID(k *stored, p []byte) (id, rest []byte) {
	if k.rawID {
		return p[:len(events.RawID{})], p[len(events.RawID{}):]
	}
	return readStr(p)
}

func (s *eventsState) time(k *stored) time.Time {
	return time.Unix(k.sec, int64(k.nsec)).In(s.locs[k.loc])
}

// event returns the event k keeps. Its changes' values share the arena's
// bytes, as the map a caller got shared the store's before; a packed
// change's are written now.
func (s *eventsState) event(k *stored) (events.Event, error) {
	h := s.head(k)
	e := s.headEvent(k, h)
	p := h.rest
	if k.packed {
		before, after, err := eventdiff.Unpack(p)
		if err == nil {
			e.Changes, err = eventdiff.Diff(before, after)
		}
		if err != nil {
			return events.Event{}, fmt.Errorf("memory: event %d: %w", k.seq, err)
		}
		return e, nil
	}
	n, w := binary.Uvarint(p)
	p = p[w:]
	if n == 0 {
		return e, nil
	}
	e.Changes = make(events.Changes, n-1)
	for range n - 1 {
		var name []byte
		name, p = readStr(p)
		var ch events.Change
		ch.Before, p = readValue(p)
		ch.After, p = readValue(p)
		e.Changes[s.name(name)] = ch
	}
	return e, nil
}

func strLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

func appendStr(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

func readStr(p []byte) (str, rest []byte) {
	l, w := binary.Uvarint(p)
	end := w + int(l)
	return p[w:end], p[end:]
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
	// subscribed counts subs, for a commit to know without the lock
	// whether to read its events' heads for them.
	subscribed atomic.Int32
}

// heads returns the events from Seq from on, without their changes: what
// the subscribers get.
func (s *eventsState) heads(from events.Seq) []events.Event {
	i := s.at(from - 1)
	out := make([]events.Event, 0, s.log.n-i)
	for ; i < s.log.n; i++ {
		k := s.log.at(i)
		out = append(out, s.headEvent(k, s.head(k)))
	}
	return out
}

// headEvent is k's event without its changes.
func (s *eventsState) headEvent(k *stored, h head) events.Event {
	id := events.ID(h.id)
	if k.rawID {
		id = events.RawID(h.id).ID()
	}
	return events.Event{
		Seq: k.seq, ID: id, Type: h.typ, Time: s.time(k), Actor: s.name(h.actor),
		Customer: h.customer, Subject: string(h.subject),
	}
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
// its Update returns, without their changes (the feed has them): a commit
// writes nothing for subscribers when there are none.
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
	n.subscribed.Add(1)
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if _, ok := n.subs[id]; ok {
			delete(n.subs, id)
			n.subscribed.Add(-1)
		}
	}
}

type eventsTx struct{ *tx }

func (t eventsTx) state() *eventsState { return &t.db.events }

// Append packs each event into the feed (see stored).
func (t eventsTx) Append(ctx context.Context, evs ...events.Event) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	t.undoAppend()
	s := t.state()
	for _, e := range evs {
		t.add(&e, s.store(t.next(&e), nil))
	}
	return nil
}

// AppendRecord keeps the change packed (eventdiff.Pack: the fields'
// bytes, no JSON, no map) and writes its changes only when the event is
// read, which most events never are: a purchase that grants three items,
// queues three commands and completes its order pays for some records'
// bytes, not for their JSON. A change Pack does not keep has its changes
// written at once. An event without an ID gets one kept as its 16 bytes.
func (t eventsTx) AppendRecord(ctx context.Context, e events.Event, before, after any) (bool, error) {
	if err := t.check(ctx, true); err != nil {
		return false, err
	}
	s := t.state()
	var raw *events.RawID
	if e.ID == "" {
		raw = new(events.NewRawID(e.Time))
	}
	seq := s.last + 1
	e.Seq = seq
	k, changed, ok := s.storeRecord(&e, raw, before, after)
	if !ok {
		changes, err := eventdiff.Diff(before, after)
		if err != nil || len(changes) == 0 {
			return false, err
		}
		e.Changes = changes
		k, changed = s.store(&e, raw), true
	}
	if !changed {
		return false, nil
	}
	t.undoAppend()
	s.last = seq
	t.add(&e, k)
	return true, nil
}

// next gives e the next Seq.
func (t eventsTx) next(e *events.Event) *events.Event {
	s := t.state()
	s.last++
	e.Seq = s.last
	return e
}

// add keeps k, e's entry in the feed, and e in its customer's Seqs.
func (t eventsTx) add(e *events.Event, k stored) {
	s := t.state()
	s.log.append(k)
	if e.Customer == "" {
		return
	}
	// A workflow's events are mostly one customer's: the transaction
	// keeps the last one's Seqs at hand.
	if t.seqsOf != e.Customer || t.seqs == nil {
		seqs := s.byCustomer[e.Customer]
		if seqs == nil {
			seqs = new(make([]events.Seq, 0, 8))
			s.byCustomer[e.Customer] = seqs
		}
		t.seqsOf, t.seqs = e.Customer, seqs
	}
	*t.seqs = append(*t.seqs, e.Seq)
}

// undoAppend makes the transaction's rollback take back every event it
// appends from here on (see tx.rollback): once per transaction, since
// the feed as it was before the first is all there is to restore.
func (t eventsTx) undoAppend() {
	if t.appended {
		return
	}
	t.appended = true
	t.firstSeq = t.state().last + 1
}

// rollBack takes back the events after Seq last: a transaction's
// rollback, after its other writes' (a Prune's among them).
func (s *eventsState) rollBack(last events.Seq) {
	i := s.at(last)
	for j := s.log.n - 1; j >= i; j-- {
		if c := s.customerOf(s.log.at(j)); c != "" {
			if seqs := s.byCustomer[c]; seqs != nil {
				if n := len(*seqs); n > 0 && (*seqs)[n-1] == s.log.at(j).seq {
					*seqs = (*seqs)[:n-1]
				}
			}
		}
	}
	s.log.truncate(i)
	s.last = last
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
	keep := func(k *stored) bool {
		return len(q.Types) == 0 || slices.Contains(q.Types, s.typ(k))
	}
	if q.Customer != "" {
		seqs := s.seqsOf(q.Customer)
		i, _ := slices.BinarySearch(seqs, q.After+1)
		for ; i < len(seqs) && len(out) < q.Limit; i++ {
			if k := s.log.at(s.at(seqs[i] - 1)); keep(k) {
				e, err := s.event(k)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
		}
		return out, nil
	}
	for i := s.at(q.After); i < s.log.n && len(out) < q.Limit; i++ {
		if k := s.log.at(i); keep(k) {
			e, err := s.event(k)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// seqsOf returns the customer's Seqs.
func (s *eventsState) seqsOf(id customer.ID) []events.Seq {
	if seqs := s.byCustomer[id]; seqs != nil {
		return *seqs
	}
	return nil
}

func (t eventsTx) History(ctx context.Context, id customer.ID, before events.Seq, limit int) ([]events.Event, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	seqs := s.seqsOf(id)
	i := len(seqs)
	if before > 0 {
		i, _ = slices.BinarySearch(seqs, before)
	}
	var out []events.Event
	for i--; i >= 0 && len(out) < limit; i-- {
		e, err := s.event(s.log.at(s.at(seqs[i] - 1)))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
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
	liveBan := func(h head) bool {
		b, ok := t.db.bans.byID[bans.ID(h.subject)]
		return ok && b.Active(now)
	}
	oldLog, oldByCustomer, oldHorizon := s.log, s.byCustomer, s.horizon
	var kept eventLog
	byCustomer := map[customer.ID]*[]events.Seq{}
	horizon := s.horizon
	for i := range s.log.n {
		k := s.log.at(i)
		h := s.head(k)
		if s.time(k).Before(before) && !liveBan(h) {
			horizon = max(horizon, k.seq)
			continue
		}
		kept.append(*k)
		if h.customer != "" {
			seqs := byCustomer[h.customer]
			if seqs == nil {
				seqs = new([]events.Seq)
				byCustomer[h.customer] = seqs
			}
			*seqs = append(*seqs, k.seq)
		}
	}
	n := s.log.n - kept.n
	if n == 0 {
		return 0, nil
	}
	// The chunks no kept event is in go to the collector.
	oldArena := s.arena
	used := make([]bool, len(s.arena))
	for i := range kept.n {
		used[kept.at(i).chunk] = true
	}
	arena := slices.Clone(s.arena)
	for i := range len(arena) - 1 { // the last is still being filled
		if !used[i] {
			arena[i] = nil
		}
	}
	s.log, s.byCustomer, s.horizon, s.arena = kept, byCustomer, horizon, arena
	t.seqs = nil // of the map replaced
	t.undo = append(t.undo, func() {
		s.log, s.byCustomer, s.horizon, s.arena = oldLog, oldByCustomer, oldHorizon, oldArena
	})
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
