package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/subscriptions"
)

type subscriptionsTx struct{ *tx }

const subscriptionColumns = `id, customer_id, product_id, amount, currency, period_count, period_unit, status, trial,
	activated_at, periods, current_period_end, cancel_at_period_end, canceled_at, created_at, updated_at, version,
	price_overridden`

func scanSubscription(row pgx.Row) (subscriptions.Subscription, error) {
	var s subscriptions.Subscription
	var amount decimal.Decimal
	var code string
	err := row.Scan(&s.ID, &s.Customer, &s.ProductID, &amount, &code, &s.Period.Count, &s.Period.Unit, &s.Status,
		&s.Trial, &s.ActivatedAt, &s.Periods, &s.CurrentPeriodEnd, &s.CancelAtPeriodEnd, &s.CanceledAt,
		&s.CreatedAt, &s.UpdatedAt, &s.Version, &s.PriceOverridden)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	cur, err := currencyOf(code)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	s.Amount = money.Amount{Value: amount, Currency: cur}
	s.ActivatedAt, s.CurrentPeriodEnd, s.CanceledAt = utcPtr(s.ActivatedAt), utcPtr(s.CurrentPeriodEnd), utcPtr(s.CanceledAt)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, nil
}

func scanSubscriptions(r pgx.Rows) (subscriptions.Subscription, error) { return scanSubscription(r) }

func (t subscriptionsTx) Create(ctx context.Context, s subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into subscriptions (`+subscriptionColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) on conflict (id) do nothing`,
		s.ID, s.Customer, s.ProductID, s.Amount.Value, s.Amount.Currency.Code(), s.Period.Count, s.Period.Unit, s.Status,
		s.Trial, utcPtr(s.ActivatedAt), s.Periods, utcPtr(s.CurrentPeriodEnd), s.CancelAtPeriodEnd, utcPtr(s.CanceledAt),
		s.CreatedAt.UTC(), s.UpdatedAt.UTC(), s.Version, s.PriceOverridden)
	if err != nil {
		return translate(err, "subscription", string(s.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("subscription", string(s.ID), "ID already exists")
	}
	return nil
}

func (t subscriptionsTx) Get(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return subscriptions.Subscription{}, err
	}
	s, err := scanSubscription(t.queryRow(ctx, `select `+subscriptionColumns+` from subscriptions where id = $1`, id))
	t.note(err)
	if err != nil {
		return subscriptions.Subscription{}, translate(err, "subscription", string(id))
	}
	return s, nil
}

func (t subscriptionsTx) Update(ctx context.Context, s subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update subscriptions
		set product_id = $4, amount = $5, currency = $6, period_count = $7, period_unit = $8, status = $9,
		    trial = $10, activated_at = $11, periods = $12, current_period_end = $13, cancel_at_period_end = $14,
		    canceled_at = $15, created_at = $16, updated_at = $17, price_overridden = $18, version = version + 1
		where id = $1 and version = $2 and customer_id = $3`,
		s.ID, s.Version, s.Customer, s.ProductID, s.Amount.Value, s.Amount.Currency.Code(), s.Period.Count,
		s.Period.Unit, s.Status, s.Trial, utcPtr(s.ActivatedAt), s.Periods, utcPtr(s.CurrentPeriodEnd),
		s.CancelAtPeriodEnd, utcPtr(s.CanceledAt), s.CreatedAt.UTC(), s.UpdatedAt.UTC(), s.PriceOverridden)
	if err != nil {
		return translate(err, "subscription", string(s.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := t.whyUnchanged(ctx, "subscriptions", "subscription", string(s.ID), s.Version); err != nil {
		return err
	}
	return errs.Conflict("subscription", string(s.ID), "a subscription cannot move to another customer")
}

// statusAt is the SQL form of Subscription.StatusAt for the time in
// placeholder p: an active subscription set to cancel at its period end
// reads canceled from that instant.
func statusAt(p string) string {
	return `(case when status = 'active' and cancel_at_period_end and current_period_end <= ` + p +
		` then 'canceled' else status end)`
}

func (t subscriptionsTx) List(ctx context.Context, p subscriptions.ListParams) ([]subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	sql := `select ` + subscriptionColumns + ` from subscriptions where customer_id = ` + a.add(p.Customer)
	if len(p.Statuses) > 0 {
		sts := make([]string, len(p.Statuses))
		for i, s := range p.Statuses {
			sts[i] = string(s)
		}
		sql += ` and ` + statusAt(a.add(p.Now.UTC())) + ` = any(` + a.add(sts) + `::text[])`
	}
	if p.Cursor != "" {
		sql += ` and id < ` + a.add(p.Cursor)
	}
	sql += ` order by id desc`
	if p.Limit > 0 {
		sql += ` limit ` + a.add(p.Limit)
	}
	return collect(ctx, t.tx, sql, a, scanSubscriptions)
}

// Active reads the partial index of subscriptions recorded active and drops
// those whose cancellation fell due.
func (t subscriptionsTx) Active(ctx context.Context, c customer.ID, now time.Time) ([]subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	return collect(ctx, t.tx, `select `+subscriptionColumns+` from subscriptions
		where customer_id = $1 and status = 'active'
		  and not (cancel_at_period_end and current_period_end is not null and current_period_end <= $2)
		order by id desc`, []any{c, now.UTC()}, scanSubscriptions)
}
