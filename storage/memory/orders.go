package memory

import (
	"context"
	"slices"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/orders"
)

type ordersState struct {
	byID  map[orders.ID]orders.Order
	byRef map[string]orders.ID
	// ofCustomer holds each customer's order IDs in ascending order, so a
	// page is a walk backwards from the cursor.
	ofCustomer map[customer.ID][]orders.ID
	// summaries is each customer's running orders.Summary, kept on every
	// write so the stats never walk the orders.
	summaries map[customer.ID]orders.Summary
}

func (s *ordersState) init() {
	s.byID = map[orders.ID]orders.Order{}
	s.byRef = map[string]orders.ID{}
	s.ofCustomer = map[customer.ID][]orders.ID{}
	s.summaries = map[customer.ID]orders.Summary{}
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
	put(t.tx, s.byID, o.ID, o.Clone())
	put(t.tx, s.ofCustomer, o.Customer, appendSorted(s.ofCustomer[o.Customer], o.ID))
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
	return o.Clone(), nil
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
	return s.byID[id].Clone(), nil
}

func (t ordersTx) Update(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	old, ok := s.byID[o.ID]
	if !ok {
		return errs.NotFound("order", string(o.ID))
	}
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
	o = o.Clone()
	o.Version++
	put(t.tx, s.byID, o.ID, o)
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
	return newestFirst(s.ofCustomer[p.Customer], p.Cursor, p.Limit, func(id orders.ID) (orders.Order, bool) {
		o := s.byID[id]
		if len(p.Statuses) > 0 && !slices.Contains(p.Statuses, o.Status) {
			return orders.Order{}, false
		}
		return o.Clone(), true
	}), nil
}

func (t ordersTx) Summary(ctx context.Context, c customer.ID) (orders.Summary, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Summary{}, err
	}
	return t.state().summaries[c].Clone(), nil
}
