package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// Backend keeps everything in maps guarded by one RWMutex; the bans also
// have their own, for CheckBans.
type Backend struct {
	mu     sync.RWMutex
	bansMu sync.RWMutex
	db     db
	// commandLog is the last writer's tx.commandWrites, emptied, for the
	// next one: writers hold mu one at a time, so a poll or an ack
	// allocates no undo log.
	commandLog []commandWrite
	// events wakes the feed's followers after each commit.
	events notifier
}

// db is the stored state, one struct per domain, each declared in the file
// of the stores that use it.
type db struct {
	customers customersState
	metadata  metadataState

	orders        ordersState
	subscriptions subscriptionsState

	inventory inventoryState
	bans      bansState

	gameservers gameserversState

	events eventsState
}

// New returns an empty backend.
func New() *Backend {
	b := &Backend{}
	b.db.customers.init()
	b.db.metadata.init()
	b.db.orders.init()
	b.db.subscriptions.init()
	b.db.inventory.init()
	b.db.bans.init()
	b.db.gameservers.init()
	b.db.events.init()
	return b
}

var _ storage.Backend = (*Backend)(nil)

// errReadOnly is returned by a write attempted inside View.
var errReadOnly = errors.New("memory: write in a read-only transaction")

// View runs fn under the read lock.
func (b *Backend) View(ctx context.Context, fn func(storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	t := &tx{db: &b.db}
	defer t.close()
	return fn(t)
}

// Update runs fn under the write lock and undoes its writes if it fails
// (or panics). Once the lock is released, the events it appended go to
// the feed's followers.
func (b *Backend) Update(ctx context.Context, fn func(storage.Tx) error) error {
	appended, heads, err := b.update(ctx, fn)
	if err == nil && appended {
		b.events.published(heads)
	}
	return err
}

// update runs fn and says whether it appended events; if someone
// subscribed, it also returns their heads (see SubscribeEvents), read
// before the lock is released.
func (b *Backend) update(ctx context.Context, fn func(storage.Tx) error) (appended bool, heads []events.Event, err error) {
	if err := ctx.Err(); err != nil {
		return false, nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := &tx{db: &b.db, writable: true, bansMu: &b.bansMu, commandWrites: b.commandLog}
	defer func() { b.commandLog = reuse(t.commandWrites) }()
	defer t.close()
	defer func() {
		if p := recover(); p != nil {
			t.rollback()
			panic(p)
		}
	}()
	if err = fn(t); err != nil {
		t.rollback()
		return false, nil, err
	}
	if t.appended && b.events.subscribed.Load() > 0 {
		heads = b.db.events.heads(t.firstSeq)
	}
	return t.appended, heads, nil
}

// Close does nothing: there is nothing to release.
func (b *Backend) Close() error { return nil }

// tx is one transaction. undo holds, newest last, how to reverse each
// write; commandWrites does the same for the commands map alone (a poll
// or an ack writes a batch of commands, and a closure holding each old
// command would cost an allocation of a command's size per write).
type tx struct {
	db            *db
	writable      bool
	closed        bool
	undo          []func()
	commandWrites []commandWrite
	// bansMu is the backend's; bansLocked says this transaction wrote a
	// ban and holds it until close, after any rollback.
	bansMu     *sync.RWMutex
	bansLocked bool
	// appended says the transaction appended events, from firstSeq on,
	// which its rollback takes back (see eventsTx.undoAppend).
	appended bool
	firstSeq events.Seq
	// seqs is the Seqs of the customer seqsOf, whose event this
	// transaction appended last (see eventsTx.add).
	seqsOf customer.ID
	seqs   *[]events.Seq
}

func (t *tx) close() {
	t.closed = true
	if t.bansLocked {
		t.bansLocked = false
		t.bansMu.Unlock()
	}
}

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
	if t.appended {
		t.db.events.rollBack(t.firstSeq - 1)
		t.appended = false
	}
	m := t.db.inventory.commands
	for i := len(t.commandWrites) - 1; i >= 0; i-- {
		if w := t.commandWrites[i]; w.had {
			m[w.id] = w.old
		} else {
			delete(m, w.id)
		}
	}
	t.commandWrites = t.commandWrites[:0]
}

// reuse returns log emptied, holding no command, for the next writer; a
// log grown past a batch (a bulk import) is left to the collector.
func reuse(log []commandWrite) []commandWrite {
	if cap(log) > 1024 {
		return nil
	}
	clear(log)
	return log[:0]
}

// check guards every store call: a store used after its transaction ended,
// or a write in View, is a programming error reported as an error.
func (t *tx) check(ctx context.Context, write bool) error {
	if t.closed {
		return errors.New("memory: store used after its transaction ended")
	}
	if write && !t.writable {
		return errReadOnly
	}
	return ctx.Err()
}

func (t *tx) Products() inventory.ProductStore { return productsTx{t} }
func (t *tx) Items() inventory.ItemStore       { return itemsTx{t} }
func (t *tx) Commands() inventory.CommandStore { return commandsTx{t} }

func (t *tx) Customers() customer.Store   { return customersTx{t} }
func (t *tx) Tokens() customer.TokenStore { return tokensTx{t} }
func (t *tx) Metadata() metadata.Store    { return metadataTx{t} }
func (t *tx) Bans() bans.Store            { return bansTx{t} }

func (t *tx) GameServers() gameserver.Store { return gameserversTx{t} }
func (t *tx) Events() events.Store          { return eventsTx{t} }

func (t *tx) Orders() orders.Store               { return ordersTx{t} }
func (t *tx) Subscriptions() subscriptions.Store { return subscriptionsTx{t} }

// put sets m[k] = v and records how to restore the old entry.
func put[K comparable, V any](t *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	t.undo = append(t.undo, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = v
}

// del deletes m[k] and records how to restore it.
func del[K comparable, V any](t *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	t.undo = append(t.undo, func() { m[k] = old })
	delete(m, k)
}
