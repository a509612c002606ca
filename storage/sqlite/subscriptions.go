package sqlite

import (
	"context"
	"time"

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

func scanSubscription(row scanner) (subscriptions.Subscription, error) {
	var s subscriptions.Subscription
	var amount decimal.Decimal
	var code string
	err := row.Scan(&s.ID, &s.Customer, &s.ProductID, &amount, &code, &s.Period.Count, &s.Period.Unit, &s.Status,
		&s.Trial, timePtrCol{&s.ActivatedAt}, &s.Periods, timePtrCol{&s.CurrentPeriodEnd}, &s.CancelAtPeriodEnd,
		timePtrCol{&s.CanceledAt}, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, &s.Version, &s.PriceOverridden)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	cur, err := currencyOf(code)
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	s.Amount = money.Amount{Value: amount, Currency: cur}
	return s, nil
}

func (t subscriptionsTx) Create(ctx context.Context, s subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into subscriptions (`+subscriptionColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)`,
		s.ID, s.Customer, s.ProductID, s.Amount.Value.String(), s.Amount.Currency.Code(), s.Period.Count, s.Period.Unit,
		s.Status, s.Trial, tsPtr(s.ActivatedAt), s.Periods, tsPtr(s.CurrentPeriodEnd), s.CancelAtPeriodEnd,
		tsPtr(s.CanceledAt), ts(s.CreatedAt), ts(s.UpdatedAt), s.Version, s.PriceOverridden)
	return t.translate(ctx, err, "subscription", string(s.ID), parent{"customer", "customers", string(s.Customer)})
}

func (t subscriptionsTx) Get(ctx context.Context, id subscriptions.ID) (subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return subscriptions.Subscription{}, err
	}
	s, err := scanSubscription(t.queryRow(ctx, `select `+subscriptionColumns+` from subscriptions where id = ?1`, id))
	if err != nil {
		return subscriptions.Subscription{}, t.translate(ctx, err, "subscription", string(id))
	}
	return s, nil
}

func (t subscriptionsTx) Update(ctx context.Context, s subscriptions.Subscription) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, `update subscriptions
		set product_id = ?4, amount = ?5, currency = ?6, period_count = ?7, period_unit = ?8, status = ?9,
		    trial = ?10, activated_at = ?11, periods = ?12, current_period_end = ?13, cancel_at_period_end = ?14,
		    canceled_at = ?15, created_at = ?16, updated_at = ?17, price_overridden = ?18, version = version + 1
		where id = ?1 and version = ?2 and customer_id = ?3`,
		s.ID, s.Version, s.Customer, s.ProductID, s.Amount.Value.String(), s.Amount.Currency.Code(), s.Period.Count,
		s.Period.Unit, s.Status, s.Trial, tsPtr(s.ActivatedAt), s.Periods, tsPtr(s.CurrentPeriodEnd),
		s.CancelAtPeriodEnd, tsPtr(s.CanceledAt), ts(s.CreatedAt), ts(s.UpdatedAt), s.PriceOverridden)
	if err != nil {
		return t.translate(ctx, err, "subscription", string(s.ID))
	}
	if n == 1 {
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
	q := `select ` + subscriptionColumns + ` from subscriptions where customer_id = ` + a.add(p.Customer)
	if len(p.Statuses) > 0 {
		sts := make([]any, len(p.Statuses))
		for i, s := range p.Statuses {
			sts[i] = string(s)
		}
		q += ` and ` + statusAt(a.add(ts(p.Now))) + ` in (` + a.list(sts...) + `)`
	}
	if p.Cursor != "" {
		q += ` and id < ` + a.add(p.Cursor)
	}
	q += ` order by id desc`
	if p.Limit > 0 {
		q += ` limit ` + a.add(p.Limit)
	}
	return collect(ctx, t.tx, q, a, scanSubscription)
}

// Active reads the partial index of subscriptions recorded active and drops
// those whose cancellation fell due.
func (t subscriptionsTx) Active(ctx context.Context, c customer.ID, now time.Time) ([]subscriptions.Subscription, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	return collect(ctx, t.tx, `select `+subscriptionColumns+` from subscriptions
		where customer_id = ?1 and status = 'active'
		  and not (cancel_at_period_end and current_period_end is not null and current_period_end <= ?2)
		order by id desc`, []any{c, ts(now)}, scanSubscription)
}
