package memory

import (
	"context"
	"slices"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/subscriptions"
)

type subscriptionsState struct {
	byID map[subscriptions.ID]subscriptions.Subscription
	// ofCustomer holds each customer's subscription IDs in ascending order.
	ofCustomer map[customer.ID][]subscriptions.ID
}

func (s *subscriptionsState) init() {
	s.byID = map[subscriptions.ID]subscriptions.Subscription{}
	s.ofCustomer = map[customer.ID][]subscriptions.ID{}
}

type subscriptionsTx struct{ *tx }

func (t subscriptionsTx) state() *subscriptionsState { return &t.db.subscriptions }

func (t subscriptionsTx) Create(ctx context.Context, sub subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	if _, ok := s.byID[sub.ID]; ok {
		return errs.Conflict("subscription", string(sub.ID), "ID already exists")
	}
	put(t.tx, s.byID, sub.ID, sub.Clone())
	put(t.tx, s.ofCustomer, sub.Customer, appendSorted(s.ofCustomer[sub.Customer], sub.ID))
	return nil
}

func (t subscriptionsTx) Get(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return subscriptions.Subscription{}, err
	}
	sub, ok := t.state().byID[id]
	if !ok {
		return subscriptions.Subscription{}, errs.NotFound("subscription", string(id))
	}
	return sub.Clone(), nil
}

func (t subscriptionsTx) Update(ctx context.Context, sub subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	old, ok := s.byID[sub.ID]
	if !ok {
		return errs.NotFound("subscription", string(sub.ID))
	}
	if old.Version != sub.Version {
		return errs.Conflict("subscription", string(sub.ID), staleVersion(sub.Version, old.Version))
	}
	if old.Customer != sub.Customer {
		return errs.Conflict("subscription", string(sub.ID), "a subscription cannot move to another customer")
	}
	sub = sub.Clone()
	sub.Version++
	put(t.tx, s.byID, sub.ID, sub)
	return nil
}

func (t subscriptionsTx) List(ctx context.Context, p subscriptions.ListParams) ([]subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	return newestFirst(s.ofCustomer[p.Customer], p.Cursor, p.Limit, func(id subscriptions.ID) (subscriptions.Subscription, bool) {
		sub := s.byID[id]
		if len(p.Statuses) > 0 && !slices.Contains(p.Statuses, sub.StatusAt(p.Now)) {
			return subscriptions.Subscription{}, false
		}
		return sub.Clone(), true
	}), nil
}

func (t subscriptionsTx) Active(ctx context.Context, c customer.ID, now time.Time) ([]subscriptions.Subscription, error) {
	return t.List(ctx, subscriptions.ListParams{Customer: c, Statuses: []subscriptions.Status{subscriptions.Active}, Now: now})
}
