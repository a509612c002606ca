package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/storage"
)

// CustomerStats returns the figures of a customer's details page: net and
// gross spent, payments, refunds and chargebacks, active subscriptions and
// MRR (see package stats for the rules).
func (c *Client) CustomerStats(ctx context.Context, id customer.ID) (st stats.Stats, err error) {
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		st, err = c.customerStats(ctx, tx, id, now)
		return err
	})
	return st, err
}

// customerStats reads what the stats need in tx: the orders' summary,
// which a backend aggregates, and the active subscriptions.
func (c *Client) customerStats(ctx context.Context, tx storage.Tx, id customer.ID, now time.Time) (stats.Stats, error) {
	sum, err := tx.Orders().Summary(ctx, id)
	if err != nil {
		return stats.Stats{}, err
	}
	subs, err := tx.Subscriptions().Active(ctx, id, now)
	if err != nil {
		return stats.Stats{}, err
	}
	return stats.Compute(sum, subs, now, &c.stats), nil
}
