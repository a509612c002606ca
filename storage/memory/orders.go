package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/orders"
)

type ordersState struct {
	byID  map[orders.ID]storedOrder
	byRef map[string]orders.ID
	// ofCustomer holds each customer's order IDs in ascending order, so a
	// page is a walk backwards from the cursor.
	ofCustomer map[customer.ID][]orders.ID
	// ofStatus holds, per customer and status, the IDs of the customer's
	// orders in that status, in ascending order, so a status filter walks
	// the orders it returns, not the customer's others.
	ofStatus map[statusKey]*idList
	// summaries is each customer's running orders.Summary, kept on every
	// write so the stats never walk the orders.
	summaries map[customer.ID]orders.Summary
	// amounts holds one decimal.Decimal per amount value stored (up to
	// maxInterned), shared by every stored order that holds the value; see
	// stored.
	amounts map[amountKey]decimal.Decimal
}

type amountKey struct {
	coef int64
	exp  int32
}

type statusKey struct {
	customer customer.ID
	status   orders.Status
}

// idList is a sorted list of IDs changed in place. An order changes status
// soon after it was created, so its ID is near the end of both lists and
// moving it copies few entries; its undo is the inverse move, not a copy
// of the list.
type idList struct{ ids []orders.ID }

func (l *idList) insert(id orders.ID) {
	i, _ := slices.BinarySearch(l.ids, id)
	l.ids = slices.Insert(l.ids, i, id)
}

func (l *idList) remove(id orders.ID) {
	if i, found := slices.BinarySearch(l.ids, id); found {
		l.ids = slices.Delete(l.ids, i, i+1)
	}
}

// indexStatus moves o's ID from old's status list to its own (old is the
// zero Order for a new one).
func (t ordersTx) indexStatus(old, o orders.Order) {
	if old.ID != "" && old.Status == o.Status {
		return
	}
	s := t.state()
	if old.ID != "" {
		l := s.ofStatus[statusKey{old.Customer, old.Status}]
		l.remove(old.ID)
		t.undo = append(t.undo, func() { l.insert(old.ID) })
	}
	k := statusKey{o.Customer, o.Status}
	l := s.ofStatus[k]
	if l == nil {
		l = &idList{}
		put(t.tx, s.ofStatus, k, l)
	}
	l.insert(o.ID)
	t.undo = append(t.undo, func() { l.remove(o.ID) })
}

func (s *ordersState) init() {
	s.byID = map[orders.ID]storedOrder{}
	s.byRef = map[string]orders.ID{}
	s.ofCustomer = map[customer.ID][]orders.ID{}
	s.ofStatus = map[statusKey]*idList{}
	s.summaries = map[customer.ID]orders.Summary{}
	s.amounts = map[amountKey]decimal.Decimal{}
}

// maxInterned bounds ordersState.amounts: a store whose amounts are all
// different stops sharing them there, and keeps its own copies.
const maxInterned = 1 << 16

// storedOrder is an order as the store keeps it, laid out for the garbage
// collector: each collection marks every stored order, and a read's
// garbage pays for it in proportion to the marking per stored byte, so
// 100 000 stored orders made every details page cost 2.5 times what it
// cost with 1 000 (BenchmarkCustomerDetailsScale). The times are values
// here and an order's only line sits in the record, where the Order held a
// pointer to each, and its amounts of equal value share one decimal
// (amounts): a decimal is immutable, and reads shared it with the caller
// before too. A read builds the Order afresh (order), allocating what
// Order.Clone did.
type storedOrder struct {
	o     orders.Order // Lines nil when line holds the only one; the time pointers nil
	line  orders.Line
	times [4]time.Time // CompletedAt, RefundedAt, ChargebackAt, CanceledAt
	has   uint8        // bit i: times[i] is set; hasLine: line is o's only line
}

const hasLine = 1 << 4

// stored returns the record the store keeps for o, sharing no memory with
// it but its immutable parts (strings, decimals).
func (s *ordersState) stored(o orders.Order) storedOrder {
	var r storedOrder
	for i, t := range [...]*time.Time{o.CompletedAt, o.RefundedAt, o.ChargebackAt, o.CanceledAt} {
		if t != nil {
			r.times[i], r.has = *t, r.has|1<<i
		}
	}
	o.CompletedAt, o.RefundedAt, o.ChargebackAt, o.CanceledAt = nil, nil, nil, nil
	if len(o.Lines) == 1 {
		r.line, r.has, o.Lines = o.Lines[0], r.has|hasLine, nil
		r.line.UnitPrice.Value = s.intern(r.line.UnitPrice.Value)
	}
	o = o.Clone()
	o.Total.Value = s.intern(o.Total.Value)
	o.Fees.Value = s.intern(o.Fees.Value)
	o.Refunded.Value = s.intern(o.Refunded.Value)
	o.DisputeFee.Value = s.intern(o.DisputeFee.Value)
	for i := range o.Lines {
		o.Lines[i].UnitPrice.Value = s.intern(o.Lines[i].UnitPrice.Value)
	}
	for i := range o.Refunds {
		o.Refunds[i].Amount.Value = s.intern(o.Refunds[i].Amount.Value)
	}
	r.o = o
	return r
}

// order returns the order r holds, sharing no memory with the store but
// its immutable parts, as Order.Clone would.
func (r storedOrder) order() orders.Order {
	o := r.o.Clone()
	if r.has&hasLine != 0 {
		o.Lines = []orders.Line{r.line}
	}
	if r.has&0xf != 0 {
		for i, p := range [...]**time.Time{&o.CompletedAt, &o.RefundedAt, &o.ChargebackAt, &o.CanceledAt} {
			if r.has&(1<<i) != 0 {
				t := r.times[i]
				*p = &t
			}
		}
	}
	return o
}

// intern returns the shared decimal equal to d, with d's exponent.
func (s *ordersState) intern(d decimal.Decimal) decimal.Decimal {
	c := d.Coefficient()
	if !c.IsInt64() {
		return d
	}
	k := amountKey{c.Int64(), d.Exponent()}
	if v, ok := s.amounts[k]; ok {
		return v
	}
	if len(s.amounts) < maxInterned {
		s.amounts[k] = d
	}
	return d
}

type ordersTx struct{ *tx }

func (t ordersTx) state() *ordersState { return &t.db.orders }

func (t ordersTx) Create(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	if _, ok := s.byID[o.ID]; ok {
		return errs.Conflict("order", string(o.ID), "ID already exists")
	}
	if o.PaymentRef != "" {
		if _, ok := s.byRef[o.PaymentRef]; ok {
			return errs.Conflict("order", o.PaymentRef, "payment reference already belongs to an order")
		}
		put(t.tx, s.byRef, o.PaymentRef, o.ID)
	}
	put(t.tx, s.byID, o.ID, s.stored(o))
	put(t.tx, s.ofCustomer, o.Customer, appendSorted(s.ofCustomer[o.Customer], o.ID))
	t.indexStatus(orders.Order{}, o)
	if o.Paid() {
		put(t.tx, s.summaries, o.Customer, s.summaries[o.Customer].Add(o))
	}
	return nil
}

// appendSorted returns ids with id in its sorted place. A new ID is nearly
// always the largest, so it appends in place (the undo restores the old
// slice header, which never saw the new element); otherwise it copies.
func appendSorted[ID ~string](ids []ID, id ID) []ID {
	if n := len(ids); n == 0 || ids[n-1] < id {
		return append(ids, id)
	}
	i, _ := slices.BinarySearch(ids, id)
	return slices.Insert(slices.Clone(ids), i, id)
}

func (t ordersTx) Get(ctx context.Context, id orders.ID) (orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Order{}, err
	}
	o, ok := t.state().byID[id]
	if !ok {
		return orders.Order{}, errs.NotFound("order", string(id))
	}
	return o.order(), nil
}

func (t ordersTx) GetByPaymentRef(ctx context.Context, ref string) (orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Order{}, err
	}
	s := t.state()
	id, ok := s.byRef[ref]
	if !ok || ref == "" {
		return orders.Order{}, errs.NotFound("order with payment reference", ref)
	}
	return s.byID[id].order(), nil
}

func (t ordersTx) Update(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	rec, ok := s.byID[o.ID]
	if !ok {
		return errs.NotFound("order", string(o.ID))
	}
	old := rec.order()
	if old.Version != o.Version {
		return errs.Conflict("order", string(o.ID), staleVersion(o.Version, old.Version))
	}
	if old.Customer != o.Customer {
		return errs.Conflict("order", string(o.ID), "an order cannot move to another customer")
	}
	if o.PaymentRef != old.PaymentRef {
		if owner, ok := s.byRef[o.PaymentRef]; ok && o.PaymentRef != "" && owner != o.ID {
			return errs.Conflict("order", o.PaymentRef, "payment reference already belongs to an order")
		}
		if old.PaymentRef != "" {
			del(t.tx, s.byRef, old.PaymentRef)
		}
		if o.PaymentRef != "" {
			put(t.tx, s.byRef, o.PaymentRef, o.ID)
		}
	}
	o.Version++
	put(t.tx, s.byID, o.ID, s.stored(o))
	t.indexStatus(old, o)
	if old.Paid() || o.Paid() {
		put(t.tx, s.summaries, o.Customer, s.summaries[o.Customer].Remove(old).Add(o))
	}
	return nil
}

func (t ordersTx) List(ctx context.Context, p orders.ListParams) ([]orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	if len(p.Statuses) == 0 {
		return newestFirst(s.ofCustomer[p.Customer], p.Cursor, p.Limit, func(id orders.ID) (orders.Order, bool) {
			return s.byID[id].order(), true
		}), nil
	}
	// Up to a page from each status's list, merged newest first.
	var ids []orders.ID
	for _, st := range orders.Statuses { // each once, however often p names it
		if l := s.ofStatus[statusKey{p.Customer, st}]; l != nil && slices.Contains(p.Statuses, st) {
			ids = append(ids, newestFirst(l.ids, p.Cursor, p.Limit, func(id orders.ID) (orders.ID, bool) { return id, true })...)
		}
	}
	slices.SortFunc(ids, func(a, b orders.ID) int { return strings.Compare(string(b), string(a)) })
	if p.Limit > 0 {
		ids = ids[:min(len(ids), p.Limit)]
	}
	out := make([]orders.Order, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.byID[id].order())
	}
	return out, nil
}

func (t ordersTx) Summary(ctx context.Context, c customer.ID) (orders.Summary, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Summary{}, err
	}
	return t.state().summaries[c].Clone(), nil
}
