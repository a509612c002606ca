package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// SubscriptionParams describes a new subscription.
type SubscriptionParams struct {
	ProductID string
	Amount    money.Amount // charged each period
	Period    subscriptions.Period
	Trial     bool // starts with a free trial: worth 0 in MRR until the first renewal
}

// CreateSubscription checks a customer out for a subscription, in the
// created status. A banned customer is refused (an error matching
// ErrForbidden that carries the ban IDs).
func (c *Client) CreateSubscription(ctx context.Context, id customer.ID, p SubscriptionParams) (subscriptions.Subscription, error) {
	now := c.clock()
	s, err := subscriptions.New(subscriptions.Params{Customer: id, ProductID: p.ProductID, Amount: p.Amount, Period: p.Period, Trial: p.Trial}, now)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err := tx.Customers().Get(ctx, id)
		if err != nil {
			return err
		}
		if err := checkNotBanned(ctx, tx, cust, now); err != nil {
			return err
		}
		return tx.Subscriptions().Create(ctx, s)
	})
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	return s, nil
}

// ActivateSubscription starts a created subscription's first period now.
func (c *Client) ActivateSubscription(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, activateSubscription)
}

// RenewSubscription records the next period's payment: the period end
// moves by one period, month ends clamped (see package subscriptions).
func (c *Client) RenewSubscription(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, renewSubscription)
}

// CancelSubscription ends a subscription now, or at the end of its current
// period if atPeriodEnd (it stays active, and counts as active, until
// then).
func (c *Client) CancelSubscription(ctx context.Context, id subscriptions.ID, atPeriodEnd bool) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, func(ctx context.Context, tx storage.Tx, id subscriptions.ID, now time.Time) (subscriptions.Subscription, error) {
		return cancelSubscription(ctx, tx, id, atPeriodEnd, now)
	})
}

// changeSubscription runs one transition in a transaction and returns the
// subscription as it reads now.
func (c *Client) changeSubscription(ctx context.Context, id subscriptions.ID, change func(context.Context, storage.Tx, subscriptions.ID, time.Time) (subscriptions.Subscription, error)) (s subscriptions.Subscription, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		s, err = change(ctx, tx, id, now)
		return err
	})
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	return s.At(now), nil
}

// The transitions inside a transaction, one function each, so a workflow
// (the subscription's inventory item) hooks in where its rule applies.

func activateSubscription(ctx context.Context, tx storage.Tx, id subscriptions.ID, now time.Time) (subscriptions.Subscription, error) {
	s, err := tx.Subscriptions().Get(ctx, id)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	if s, err = s.Activate(now); err != nil {
		return subscriptions.Subscription{}, err
	}
	return saveSubscription(ctx, tx, s)
}

func renewSubscription(ctx context.Context, tx storage.Tx, id subscriptions.ID, now time.Time) (subscriptions.Subscription, error) {
	s, err := tx.Subscriptions().Get(ctx, id)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	if s, err = s.Renew(now); err != nil {
		return subscriptions.Subscription{}, err
	}
	return saveSubscription(ctx, tx, s)
}

func cancelSubscription(ctx context.Context, tx storage.Tx, id subscriptions.ID, atPeriodEnd bool, now time.Time) (subscriptions.Subscription, error) {
	s, err := tx.Subscriptions().Get(ctx, id)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	next, changed, err := s.Cancel(atPeriodEnd, now)
	if err != nil || !changed {
		return next, err
	}
	return saveSubscription(ctx, tx, next)
}

// saveSubscription stores a changed subscription and returns it with its
// new version.
func saveSubscription(ctx context.Context, tx storage.Tx, s subscriptions.Subscription) (subscriptions.Subscription, error) {
	if err := tx.Subscriptions().Update(ctx, s); err != nil {
		return subscriptions.Subscription{}, err
	}
	s.Version++
	return s, nil
}

// Subscription returns one subscription as it reads now.
func (c *Client) Subscription(ctx context.Context, id subscriptions.ID) (s subscriptions.Subscription, err error) {
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		s, err = tx.Subscriptions().Get(ctx, id)
		return err
	})
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	return s.At(now), nil
}

// SubscriptionsParams select a page of a customer's subscriptions.
type SubscriptionsParams struct {
	Statuses []subscriptions.Status // keep only these, as of now; empty keeps all
	Cursor   subscriptions.ID       // the NextCursor of the previous page
	Limit    int                    // ≤ 0: DefaultSubscriptionPage; at most MaxSubscriptionPage
}

// Page sizes for Subscriptions.
const (
	DefaultSubscriptionPage = 50
	MaxSubscriptionPage     = 500
)

// SubscriptionPage is one page of subscriptions, newest first, each as it
// reads now. NextCursor is "" on the last page.
type SubscriptionPage struct {
	Subscriptions []subscriptions.Subscription
	NextCursor    subscriptions.ID
}

// Subscriptions lists a customer's subscriptions newest first, a page at a
// time.
func (c *Client) Subscriptions(ctx context.Context, id customer.ID, p SubscriptionsParams) (SubscriptionPage, error) {
	for _, s := range p.Statuses {
		if _, err := subscriptions.ParseStatus(string(s)); err != nil {
			return SubscriptionPage{}, err
		}
	}
	if p.Cursor != "" {
		if _, err := subscriptions.ParseID(string(p.Cursor)); err != nil {
			return SubscriptionPage{}, err
		}
	}
	now := c.clock()
	want := pageSize(p.Limit, DefaultSubscriptionPage, MaxSubscriptionPage)
	var page SubscriptionPage
	err := c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		list, err := tx.Subscriptions().List(ctx, subscriptions.ListParams{Customer: id, Statuses: p.Statuses, Now: now, Cursor: p.Cursor, Limit: want + 1})
		if err != nil {
			return err
		}
		if len(list) > want {
			list = list[:want]
			page.NextCursor = list[want-1].ID
		}
		for i := range list {
			list[i] = list[i].At(now)
		}
		page.Subscriptions = list
		return nil
	})
	return page, err
}
