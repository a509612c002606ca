package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

type inventoryState struct {
	products map[inventory.ProductID]inventory.Product
	items    map[inventory.ItemID]inventory.Item
	itemsOf  map[customer.ID][]inventory.ItemID // sorted by ID
	// expiring holds the items recorded active that have an expiry, by
	// expiry then ID, so a sweep batch reads the due items at its start:
	// O(batch + log n), not a scan and sort of every expiring item.
	expiring tree[stackEntry]
	// stacks holds the same items per customer and product, ordered for
	// ItemStore.Lapsed and Extendable.
	stacks map[stackKey]tree[stackEntry]
	// bySource holds the IDs of the items each order or subscription
	// granted (key sourceKey), sorted by ID.
	bySource   map[string][]inventory.ItemID
	commands   map[inventory.CommandID]inventory.Command
	commandsOf map[inventory.ItemID][]inventory.CommandID // sorted by ID
	// open indexes pending and leased commands by server (delivery.go).
	open map[openKey]*openQueue
}

func (s *inventoryState) init() {
	s.products = map[inventory.ProductID]inventory.Product{}
	s.items = map[inventory.ItemID]inventory.Item{}
	s.itemsOf = map[customer.ID][]inventory.ItemID{}
	s.expiring = tree[stackEntry]{cmp: byExpiry}
	s.stacks = map[stackKey]tree[stackEntry]{}
	s.bySource = map[string][]inventory.ItemID{}
	s.commands = map[inventory.CommandID]inventory.Command{}
	s.commandsOf = map[inventory.ItemID][]inventory.CommandID{}
	s.open = map[openKey]*openQueue{}
}

// insertSorted returns s with v in its sorted place, leaving the elements
// the old slice shows as they were, so the undo log can restore it. IDs
// grow with time, so v usually goes last: append, which may write past the
// old slice's end, where nothing reads, instead of copying the whole slice
// on every insert (quadratic for an order of many items).
func insertSorted[T cmp.Ordered](s []T, v T) []T {
	if len(s) == 0 || s[len(s)-1] < v {
		return append(s, v)
	}
	i, _ := slices.BinarySearch(s, v)
	out := make([]T, 0, len(s)+1)
	out = append(out, s[:i]...)
	out = append(out, v)
	return append(out, s[i:]...)
}

type productsTx struct{ *tx }

func (t productsTx) Create(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	if _, ok := s.products[p.ID]; ok {
		return errs.Conflict("product", string(p.ID), "ID already exists")
	}
	put(t.tx, s.products, p.ID, p.Clone())
	return nil
}

func (t productsTx) Get(ctx context.Context, id inventory.ProductID) (inventory.Product, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Product{}, err
	}
	p, ok := t.db.inventory.products[id]
	if !ok {
		return inventory.Product{}, errs.NotFound("product", string(id))
	}
	return p.Clone(), nil
}

func (t productsTx) Update(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	old, ok := s.products[p.ID]
	if !ok {
		return errs.NotFound("product", string(p.ID))
	}
	if old.Version != p.Version {
		return errs.Conflict("product", string(p.ID), staleVersion(p.Version, old.Version))
	}
	p = p.Clone()
	p.Version++
	put(t.tx, s.products, p.ID, p)
	return nil
}

func (t productsTx) List(ctx context.Context) ([]inventory.Product, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out := make([]inventory.Product, 0, len(t.db.inventory.products))
	for _, p := range t.db.inventory.products {
		out = append(out, p.Clone())
	}
	slices.SortFunc(out, func(a, b inventory.Product) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

type itemsTx struct{ *tx }

// stackKey names a customer's items of one product.
type stackKey struct {
	customer customer.ID
	product  inventory.ProductID
}

// stackEntry is an item recorded active that expires, in a stacks tree.
type stackEntry struct {
	expires time.Time
	id      inventory.ItemID
}

// byStack orders a stack by expiry, and the oldest item last among those
// that share one, so the last entry is the one Extendable picks unless a
// subscription granted it.
func byStack(a, b stackEntry) int {
	if c := a.expires.Compare(b.expires); c != 0 {
		return c
	}
	return cmp.Compare(b.id, a.id)
}

// byExpiry orders the expiring tree: earliest expiry first, then by ID.
func byExpiry(a, b stackEntry) int {
	if c := a.expires.Compare(b.expires); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// index keeps the expiring tree and the stacks in step with a stored item,
// old being what was stored before (the zero Item for a new one).
func (t itemsTx) index(old, it inventory.Item) {
	s := &t.db.inventory
	oldE, wasIn := stacked(old)
	newE, isIn := stacked(it)
	if wasIn != isIn || oldE != newE {
		exp := s.expiring
		t.undo = append(t.undo, func() { s.expiring = exp })
		if wasIn {
			s.expiring = s.expiring.without(oldE)
		}
		if isIn {
			s.expiring = s.expiring.with(newE)
		}
	}
	key := stackKey{it.Customer, it.ProductID}
	st, ok := s.stacks[key]
	if !ok {
		st = tree[stackEntry]{cmp: byStack}
	}
	if e, ok := stacked(old); ok {
		st = st.without(e)
	}
	if e, ok := stacked(it); ok {
		st = st.with(e)
	}
	if st.root == nil {
		del(t.tx, s.stacks, key)
	} else {
		put(t.tx, s.stacks, key, st)
	}
}

// stacked returns it's entry in its stack; ok is false for an item that is
// in none (not recorded active, or permanent).
func stacked(it inventory.Item) (stackEntry, bool) {
	if it.ID == "" || it.State != inventory.Active || it.ExpiresAt == nil {
		return stackEntry{}, false
	}
	return stackEntry{*it.ExpiresAt, it.ID}, true
}

func (t itemsTx) Create(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	if _, ok := s.items[it.ID]; ok {
		return errs.Conflict("item", string(it.ID), "ID already exists")
	}
	put(t.tx, s.items, it.ID, it.Clone())
	put(t.tx, s.itemsOf, it.Customer, insertSorted(s.itemsOf[it.Customer], it.ID))
	t.index(inventory.Item{}, it)
	t.indexSource(inventory.Item{}, it)
	return nil
}

// sourceKey is an item source's key in bySource; ok is false for a source
// that names no order or subscription.
func sourceKey(src inventory.Source) (string, bool) {
	ref, ok := src.Ref()
	return string(src.Kind) + ":" + ref, ok
}

// indexSource moves an item from old's source to its own in bySource.
func (t itemsTx) indexSource(old, it inventory.Item) {
	if old.Source == it.Source {
		return
	}
	s := &t.db.inventory
	if k, ok := sourceKey(old.Source); ok {
		ids := slices.Clone(s.bySource[k])
		if i, found := slices.BinarySearch(ids, it.ID); found {
			put(t.tx, s.bySource, k, slices.Delete(ids, i, i+1))
		}
	}
	if k, ok := sourceKey(it.Source); ok {
		put(t.tx, s.bySource, k, insertSorted(s.bySource[k], it.ID))
	}
}

func (t itemsTx) Get(ctx context.Context, id inventory.ItemID) (inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, err
	}
	it, ok := t.db.inventory.items[id]
	if !ok {
		return inventory.Item{}, errs.NotFound("item", string(id))
	}
	return it.Clone(), nil
}

func (t itemsTx) Update(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	old, ok := s.items[it.ID]
	if !ok {
		return errs.NotFound("item", string(it.ID))
	}
	if old.Version != it.Version {
		return errs.Conflict("item", string(it.ID), staleVersion(it.Version, old.Version))
	}
	if old.Customer != it.Customer || old.ProductID != it.ProductID {
		return errs.Invalid("item", string(it.ID), "customer and product never change")
	}
	it = it.Clone()
	it.Version++
	put(t.tx, s.items, it.ID, it)
	t.index(old, it)
	t.indexSource(old, it)
	return nil
}

func (t itemsTx) ListByCustomer(ctx context.Context, q inventory.ItemQuery) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := &t.db.inventory
	ids := s.itemsOf[q.Customer]
	end := len(ids)
	if q.Before != "" {
		end, _ = slices.BinarySearch(ids, q.Before)
	}
	// Sized for the page up front, as newestFirst does.
	out := make([]inventory.Item, 0, min(max(q.Limit, 1), end))
	for i := end - 1; i >= 0 && len(out) < max(q.Limit, 1); i-- {
		it := s.items[ids[i]]
		if q.State != "" && it.StateAt(q.Now) != q.State {
			continue
		}
		out = append(out, it.Clone())
	}
	return out, nil
}

func (t itemsTx) Lapsed(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := &t.db.inventory
	var out []inventory.Item
	s.stacks[stackKey{c, p}].ascend(func(e stackEntry) bool {
		if e.expires.After(now) {
			return false
		}
		out = append(out, s.items[e.id].Clone())
		return true
	})
	slices.SortFunc(out, func(a, b inventory.Item) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (t itemsTx) Extendable(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) (it inventory.Item, ok bool, err error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, false, err
	}
	s := &t.db.inventory
	// A customer has few subscriptions to one product, so few entries are
	// skipped.
	s.stacks[stackKey{c, p}].descend(func(e stackEntry) bool {
		if !e.expires.After(now) {
			return false
		}
		if a := s.items[e.id]; a.Source.Kind != inventory.FromSubscription {
			it, ok = a.Clone(), true
			return false
		}
		return true
	})
	return it, ok, nil
}

func (t itemsTx) DueForExpiry(ctx context.Context, now time.Time, limit int) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := &t.db.inventory
	var out []inventory.Item
	s.expiring.ascend(func(e stackEntry) bool {
		if e.expires.After(now) {
			return false
		}
		out = append(out, s.items[e.id].Clone())
		return len(out) < max(limit, 1)
	})
	return out, nil
}

func (t itemsTx) ListBySource(ctx context.Context, src inventory.Source) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	k, ok := sourceKey(src)
	if !ok {
		return nil, errs.Invalid("source", string(src.Kind), "name an order or a subscription")
	}
	s := &t.db.inventory
	ids := s.bySource[k]
	out := make([]inventory.Item, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.items[id].Clone())
	}
	return out, nil
}

type commandsTx struct{ *tx }

func (t commandsTx) Create(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	if _, ok := s.commands[c.ID]; ok {
		return errs.Conflict("command", string(c.ID), "ID already exists")
	}
	t.putCommand(c.Clone())
	put(t.tx, s.commandsOf, c.ItemID, insertSorted(s.commandsOf[c.ItemID], c.ID))
	t.indexOpen(inventory.Command{}, c)
	return nil
}

func (t commandsTx) Get(ctx context.Context, id inventory.CommandID) (inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Command{}, err
	}
	c, ok := t.db.inventory.commands[id]
	if !ok {
		return inventory.Command{}, errs.NotFound("command", string(id))
	}
	return c.Clone(), nil
}

func (t commandsTx) Update(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := &t.db.inventory
	old, ok := s.commands[c.ID]
	if !ok {
		return errs.NotFound("command", string(c.ID))
	}
	if old.Version != c.Version {
		return errs.Conflict("command", string(c.ID), staleVersion(c.Version, old.Version))
	}
	if err := t.write(old, c); err != nil {
		return err
	}
	if k := keyOf(old); !old.Status.Final() && (c.Status.Final() || keyOf(c) != k) {
		t.trimFront(k)
	}
	return nil
}

// write stores c over old, the stored command of the same version.
func (t commandsTx) write(old, c inventory.Command) error {
	if old.ItemID != c.ItemID {
		return errs.Invalid("command", string(c.ID), "the item never changes")
	}
	c = c.Clone()
	c.Version++
	t.putCommand(c)
	t.indexOpen(old, c)
	return nil
}

func (t commandsTx) ListByItem(ctx context.Context, item inventory.ItemID) ([]inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := &t.db.inventory
	ids := s.commandsOf[item]
	out := make([]inventory.Command, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.commands[id].Clone())
	}
	return out, nil
}
