package playerbase

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// SubscriptionCreateParams describes a new subscription.
type SubscriptionCreateParams struct {
	// ProductID is the ID of the stored inventory product (prd_…) the
	// subscription keeps granted, one billing period at a time.
	ProductID inventory.ProductID
	// Currency is the subscription's currency: each period is charged the
	// product's catalog price in it.
	Currency money.Currency
	// PriceOverride, if set, is charged each period instead of the catalog
	// price: the host pricing the subscription itself (a sale, a coupon),
	// in Currency. The subscription records it
	// (subscriptions.Subscription.PriceOverridden).
	PriceOverride *money.Amount
	Period        period.Period
	Trial         bool // starts with a free trial: worth 0 in MRR until the first renewal
}

// SubscriptionCreate checks a customer out for a subscription, in the
// created status, charged the product's price in p.Currency each period
// (or p.PriceOverride). A banned customer is refused (an error matching
// ErrForbidden that carries the ban IDs), as is a ProductID that names no
// stored product (an *errs.InvalidError for "product_id") or one without a
// price in the currency, overridden or not (an *inventory.NoPriceError for
// "product_id", matching ErrInvalid).
func (c *Client) SubscriptionCreate(ctx context.Context, id customer.ID, p SubscriptionCreateParams) (s subscriptions.Subscription, err error) {
	now := c.clock()
	product, err := inventory.ParseProductID(strings.TrimSpace(string(p.ProductID)))
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	if err := checkCurrency(p.Currency); err != nil {
		return subscriptions.Subscription{}, err
	}
	if err := subscriptions.CheckPeriod(p.Period); err != nil {
		return subscriptions.Subscription{}, err
	}
	override, err := checkOverride("price_override", p.PriceOverride, p.Currency)
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
		prod, err := subscriptionProduct(ctx, tx, product)
		if err != nil {
			return err
		}
		params := subscriptions.Params{Customer: id, ProductID: product, Period: p.Period, Trial: p.Trial}
		if params.Amount, params.PriceOverridden, err = priceOf(prod, "product_id", p.Currency, override); err != nil {
			return err
		}
		if s, err = subscriptions.New(params, now); err != nil {
			return err
		}
		if err := tx.Subscriptions().Create(ctx, s); err != nil {
			return err
		}
		return record(ctx, tx, now, events.SubscriptionCreated, s.Customer, string(s.ID), nil, s)
	})
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	return s, nil
}

// SubscriptionActivate starts a created subscription's first period now
// and grants its product: a new item, sourced from the subscription, that
// expires at the period end, with the product's on_purchase commands.
func (c *Client) SubscriptionActivate(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, activateSubscription)
}

// SubscriptionRenew records the next period's payment: the period end
// moves by one period, month ends clamped (see package subscriptions), and
// the subscription's item is extended to the new period end, with the
// product's on_renew commands. If the item lapsed before a late renewal
// (or staff revoked it), a new item is granted instead, with on_purchase.
func (c *Client) SubscriptionRenew(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, renewSubscription)
}

// SubscriptionCancelParams say when a subscription ends.
type SubscriptionCancelParams struct {
	// AtPeriodEnd ends it at the end of its current period (it stays
	// active, and counts as active, until then); false ends it now.
	AtPeriodEnd bool
}

// SubscriptionCancel ends a subscription now, or at the end of its current
// period if p.AtPeriodEnd.
//
// Canceled at the period end, the subscription's item is simply not
// extended: it expires at the period end like any timed item (the sweep
// records it and queues its on_expire commands). Canceled now, the item
// ends now: its expiry moves to now and it is recorded expired, with its
// on_expire commands queued, as if its period had just ended. It reads
// expired, not revoked: revoking is a staff or payment-dispute action, and
// the subscription ending is neither.
func (c *Client) SubscriptionCancel(ctx context.Context, id subscriptions.ID, p SubscriptionCancelParams) (subscriptions.Subscription, error) {
	return c.changeSubscription(ctx, id, func(ctx context.Context, tx storage.Tx, id subscriptions.ID, now time.Time) (subscriptions.Subscription, error) {
		return cancelSubscription(ctx, tx, id, p.AtPeriodEnd, now)
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
	was, err := tx.Subscriptions().Get(ctx, id)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	s, err := was.Activate(now)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	if s, err = saveSubscription(ctx, tx, now, events.SubscriptionActivated, was, s); err != nil {
		return subscriptions.Subscription{}, err
	}
	return s, grantSubscription(ctx, tx, s, now)
}

func renewSubscription(ctx context.Context, tx storage.Tx, id subscriptions.ID, now time.Time) (subscriptions.Subscription, error) {
	was, err := tx.Subscriptions().Get(ctx, id)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	s, err := was.Renew(now)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	if s, err = saveSubscription(ctx, tx, now, events.SubscriptionRenewed, was, s); err != nil {
		return subscriptions.Subscription{}, err
	}
	return s, grantSubscription(ctx, tx, s, now)
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
	if next, err = saveSubscription(ctx, tx, now, events.SubscriptionCanceled, s, next); err != nil {
		return subscriptions.Subscription{}, err
	}
	if next.Status != subscriptions.Canceled {
		return next, nil // set to cancel at the period end: the item expires then
	}
	return next, endSubscriptionItems(ctx, tx, next, now)
}

// subscriptionProduct returns the product a subscription grants, or an
// *errs.InvalidError for "product_id" if it is not stored.
func subscriptionProduct(ctx context.Context, tx storage.Tx, id inventory.ProductID) (inventory.Product, error) {
	p, err := tx.Products().Get(ctx, id)
	if errors.Is(err, errs.ErrNotFound) {
		return inventory.Product{}, errs.Invalid("product_id", string(id), "no such product")
	}
	return p, err
}

// grantSubscription grants (on activation) or extends (on renewal) the
// subscription's item so that it expires at the current period end.
func grantSubscription(ctx context.Context, tx storage.Tx, s subscriptions.Subscription, now time.Time) error {
	cust, err := tx.Customers().Get(ctx, s.Customer)
	if err != nil {
		return err
	}
	p, err := subscriptionProduct(ctx, tx, s.ProductID)
	if err != nil {
		return err
	}
	src := inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: string(s.ID)}
	_, err = grantItemUntil(ctx, tx, cust, p, src, nil, s.CurrentPeriodEnd, now)
	return err
}

// endSubscriptionItems ends now every item of a subscription canceled now
// that is still active (see SubscriptionCancel).
func endSubscriptionItems(ctx context.Context, tx storage.Tx, s subscriptions.Subscription, now time.Time) error {
	items, err := tx.Items().ListBySource(ctx, inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: string(s.ID)})
	if err != nil {
		return err
	}
	var cust customer.Customer
	var p inventory.Product
	for _, it := range items {
		if it.StateAt(now) != inventory.Active {
			continue
		}
		if cust.ID == "" {
			if cust, err = tx.Customers().Get(ctx, s.Customer); err != nil {
				return err
			}
			if p, err = tx.Products().Get(ctx, it.ProductID); err != nil {
				return err
			}
		}
		ended := it.Clone()
		ended.ExpiresAt = &now
		if _, err := expireItemFrom(ctx, tx, cust, p, it, ended, now); err != nil {
			return err
		}
	}
	return nil
}

// saveSubscription stores s, a change of was, and appends the change's
// event; it returns s with its new version. Canceling at the period end is
// a subscription.canceled event too: its changes say cancel_at_period_end.
func saveSubscription(ctx context.Context, tx storage.Tx, now time.Time, typ events.Type, was, s subscriptions.Subscription) (subscriptions.Subscription, error) {
	if err := tx.Subscriptions().Update(ctx, s); err != nil {
		return subscriptions.Subscription{}, err
	}
	s.Version++
	return s, record(ctx, tx, now, typ, s.Customer, string(s.ID), was, s)
}

// Subscription returns one subscription as it reads now.
func (c *Client) SubscriptionGet(ctx context.Context, id subscriptions.ID) (s subscriptions.Subscription, err error) {
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

// SubscriptionListParams select a page of a customer's subscriptions.
type SubscriptionListParams struct {
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
	Subscriptions []subscriptions.Subscription `json:"subscriptions"`
	NextCursor    subscriptions.ID             `json:"next_cursor"`
}

// Subscriptions lists a customer's subscriptions newest first, a page at a
// time.
func (c *Client) SubscriptionList(ctx context.Context, id customer.ID, p SubscriptionListParams) (page SubscriptionPage, err error) {
	if err := p.check(); err != nil {
		return SubscriptionPage{}, err
	}
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		page, err = subscriptionsPage(ctx, tx, id, p, now)
		return err
	})
	return page, err
}

func (p SubscriptionListParams) check() error {
	for _, s := range p.Statuses {
		if _, err := subscriptions.ParseStatus(string(s)); err != nil {
			return err
		}
	}
	if p.Cursor != "" {
		if _, err := subscriptions.ParseID(string(p.Cursor)); err != nil {
			return err
		}
	}
	return nil
}

// subscriptionsPage reads one page of a customer's subscriptions in tx
// (Subscriptions and CustomerDetails), each as it reads at now; p has
// passed check.
func subscriptionsPage(ctx context.Context, tx storage.Tx, id customer.ID, p SubscriptionListParams, now time.Time) (SubscriptionPage, error) {
	want := pageSize(p.Limit, DefaultSubscriptionPage, MaxSubscriptionPage)
	list, err := tx.Subscriptions().List(ctx, subscriptions.ListParams{Customer: id, Statuses: p.Statuses, Now: now, Cursor: p.Cursor, Limit: want + 1})
	if err != nil {
		return SubscriptionPage{}, err
	}
	var page SubscriptionPage
	page.Subscriptions, page.NextCursor = cutPage(list, want, func(s subscriptions.Subscription) subscriptions.ID { return s.ID })
	for i := range page.Subscriptions {
		page.Subscriptions[i] = page.Subscriptions[i].At(now)
	}
	return page, nil
}
