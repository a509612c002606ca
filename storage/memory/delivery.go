package memory

import (
	"context"
	"slices"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

// commandWrite records how to undo one write to the commands map.
type commandWrite struct {
	id  inventory.CommandID
	old inventory.Command
	had bool
}

// putCommand stores c, recording how to restore what was there.
func (t commandsTx) putCommand(c inventory.Command) {
	m := t.db.inventory.commands
	old, had := m[c.ID]
	t.commandWrites = append(t.commandWrites, commandWrite{c.ID, old, had})
	m[c.ID] = c
}

// openKey names one queue of the open-command index: a server's commands
// that run whenever, or its online-only commands for one player, so a poll
// reads the queues of the players online and never the commands that wait
// for players who are not.
type openKey struct {
	server     string
	player     string // "" unless onlineOnly
	onlineOnly bool
}

func keyOf(c inventory.Command) openKey {
	if c.OnlineOnly {
		return openKey{server: c.Server, player: c.Player, onlineOnly: true}
	}
	return openKey{server: c.Server}
}

// openQueue holds, in ID order, the IDs of commands that were pending or
// leased under its key when they were written. Entries go stale when their
// command gets a result or moves to another key; writes do not look for
// them (removing from the middle of a sorted slice costs a copy of the
// rest), Leasable skips and drops them as it meets them. So a poll reads
// the oldest entries, not every open command of the server.
type openQueue struct {
	ids []inventory.CommandID
}

// setIDs replaces q's slice, recording how to restore it: a rolled-back
// transaction must not lose an entry whose command it had closed.
func (t commandsTx) setIDs(q *openQueue, ids []inventory.CommandID) {
	old := q.ids
	t.undo = append(t.undo, func() { q.ids = old })
	q.ids = ids
}

// indexOpen queues c if it is open and was not open under the same key as
// old (the zero Command for a new one).
func (t commandsTx) indexOpen(old, c inventory.Command) {
	if c.Status.Final() || old.ID != "" && !old.Status.Final() && keyOf(old) == keyOf(c) {
		return
	}
	s := &t.db.inventory
	key := keyOf(c)
	q := s.open[key]
	if q == nil {
		q = &openQueue{}
		put(t.tx, s.open, key, q)
	}
	ids := q.ids
	switch i, found := slices.BinarySearch(ids, c.ID); {
	case found: // moved away and back: still queued
		return
	case i == len(ids):
		// IDs grow with time, so this is the usual case. append may write
		// past the end of a slice an undo would restore, where nothing
		// reads.
		ids = append(ids, c.ID)
	default:
		ids = insertSorted(ids, c.ID)
	}
	t.setIDs(q, ids)
}

// stale reports whether queue key's entry id no longer names an open
// command under key.
func (s *inventoryState) stale(key openKey, id inventory.CommandID) bool {
	c, ok := s.commands[id]
	return !ok || c.Status.Final() || keyOf(c) != key
}

// leasable returns up to limit IDs of queue key that q may lease, in
// order, and drops the stale entries it met at the front; if more than
// half the queue turned out stale, it rebuilds the queue without them.
func (t commandsTx) leasable(key openKey, q inventory.LeaseQuery, limit int) []inventory.CommandID {
	s := &t.db.inventory
	qu := s.open[key]
	if qu == nil {
		return nil
	}
	var out []inventory.CommandID
	front, stale := 0, 0
	for i, id := range qu.ids {
		if s.stale(key, id) {
			if stale++; stale == i+1 {
				front = stale
			}
			continue
		}
		if q.Leasable(s.commands[id]) {
			if out = append(out, id); len(out) == limit {
				break
			}
		}
	}
	switch {
	case front == len(qu.ids):
		del(t.tx, s.open, key)
	case stale-front > len(qu.ids)/2:
		live := make([]inventory.CommandID, 0, len(qu.ids)-stale)
		for _, id := range qu.ids[front:] {
			if !s.stale(key, id) {
				live = append(live, id)
			}
		}
		t.setIDs(qu, live)
	case front > 0:
		t.setIDs(qu, qu.ids[front:])
	}
	return out
}

// trimFront drops the entries at the front of queue key that no longer
// name an open command under it: an ack closes the commands a poll took,
// the oldest of the queue, so they leave it with the ack instead of
// waiting there for the next poll.
func (t commandsTx) trimFront(key openKey) {
	s := &t.db.inventory
	q := s.open[key]
	if q == nil {
		return
	}
	front := 0
	for front < len(q.ids) && s.stale(key, q.ids[front]) {
		front++
	}
	switch {
	case front == len(q.ids):
		del(t.tx, s.open, key)
	case front > 0:
		t.setIDs(q, q.ids[front:])
	}
}

func (t commandsTx) Leasable(ctx context.Context, q inventory.LeaseQuery) ([]inventory.Command, error) {
	// A write: the contract makes it a locking read, refused in View, and
	// it tidies the index.
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	limit := max(q.Limit, 1)
	ids := t.leasable(openKey{server: q.Server}, q, limit)
	for _, p := range q.Players {
		ids = append(ids, t.leasable(openKey{server: q.Server, player: p, onlineOnly: true}, q, limit)...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids) // a player listed twice
	ids = ids[:min(len(ids), limit)]
	out := make([]inventory.Command, len(ids))
	for i, id := range ids {
		out[i] = t.db.inventory.commands[id].Clone()
	}
	return out, nil
}

func (t commandsTx) GetMany(ctx context.Context, ids []inventory.CommandID) ([]inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]inventory.Command, 0, len(ids))
	for _, id := range ids {
		if c, ok := t.db.inventory.commands[id]; ok {
			out = append(out, c.Clone())
		}
	}
	return out, nil
}

func (t commandsTx) UpdateMany(ctx context.Context, cs []inventory.Command) ([]inventory.CommandID, error) {
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	if err := distinctCommands(cs); err != nil {
		return nil, err
	}
	t.commandWrites = slices.Grow(t.commandWrites, len(cs))
	var unchanged []inventory.CommandID
	var closed []openKey // queues a command of the batch left, each once
	for _, c := range cs {
		old, ok := t.db.inventory.commands[c.ID]
		if !ok || old.Version != c.Version || old.ItemID != c.ItemID {
			unchanged = append(unchanged, c.ID)
			continue
		}
		if err := t.write(old, c); err != nil {
			return nil, err
		}
		if k := keyOf(old); !old.Status.Final() && (c.Status.Final() || keyOf(c) != k) && !slices.Contains(closed, k) {
			closed = append(closed, k)
		}
	}
	for _, k := range closed {
		t.trimFront(k)
	}
	return unchanged, nil
}

// distinctCommands refuses a batch naming a command twice: which of the
// two versions would win is not the store's to guess.
func distinctCommands(cs []inventory.Command) error {
	ids := make([]inventory.CommandID, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return errs.Invalid("command", string(ids[i]), "named twice in one batch")
		}
	}
	return nil
}
