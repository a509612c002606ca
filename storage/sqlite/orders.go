package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
)

// currencyOf reads a stored ISO code; "" is the zero Currency.
func currencyOf(code string) (money.Currency, error) {
	if code == "" {
		return money.Currency{}, nil
	}
	return money.ParseCurrency(code)
}

// lineJSON is an order line as the orders.lines column holds it: the price
// as a decimal string, so no precision is lost to JSON numbers.
type lineJSON struct {
	ProductID       inventory.ProductID `json:"product_id"`
	Quantity        int                 `json:"quantity"`
	UnitPrice       string              `json:"unit_price"`
	Currency        string              `json:"currency"`
	PriceOverridden bool                `json:"price_overridden,omitempty"`
}

func linesJSON(ls []orders.Line) string {
	out := make([]lineJSON, len(ls))
	for i, l := range ls {
		out[i] = lineJSON{l.ProductID, l.Quantity, l.UnitPrice.Value.String(), l.UnitPrice.Currency.Code(), l.PriceOverridden}
	}
	return jsonText(out)
}

func linesOf(js []lineJSON) ([]orders.Line, error) {
	if len(js) == 0 {
		return nil, nil
	}
	out := make([]orders.Line, len(js))
	for i, j := range js {
		v, err := decimal.NewFromString(j.UnitPrice)
		if err != nil {
			return nil, err
		}
		c, err := currencyOf(j.Currency)
		if err != nil {
			return nil, err
		}
		out[i] = orders.Line{ProductID: j.ProductID, Quantity: j.Quantity, UnitPrice: money.Amount{Value: v, Currency: c}, PriceOverridden: j.PriceOverridden}
	}
	return out, nil
}

// refundJSON is one refund as the orders.refunds column holds it: the
// amount as a decimal string, in the order's currency.
type refundJSON struct {
	Ref    string `json:"ref"`
	Amount string `json:"amount"`
	At     string `json:"at"`
}

func refundsJSON(rs []orders.Refund) string {
	out := make([]refundJSON, len(rs))
	for i, r := range rs {
		out[i] = refundJSON{r.Ref, r.Amount.Value.String(), ts(r.At)}
	}
	return jsonText(out)
}

func refundsOf(js []refundJSON, cur money.Currency) ([]orders.Refund, error) {
	if len(js) == 0 {
		return nil, nil
	}
	out := make([]orders.Refund, len(js))
	for i, j := range js {
		v, err := decimal.NewFromString(j.Amount)
		if err != nil {
			return nil, err
		}
		at, err := parseTime(j.At)
		if err != nil {
			return nil, err
		}
		out[i] = orders.Refund{Ref: j.Ref, Amount: money.Amount{Value: v, Currency: cur}, At: at}
	}
	return out, nil
}

// addrText is the column value for an optional address: "" if unset.
func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

type ordersTx struct{ *tx }

const orderColumns = `id, customer_id, lines, currency, total, fees, refunded, dispute_fee, status, payment_ref,
	checkout_ip, checkout_email, created_at, updated_at, completed_at, refunded_at, chargeback_at, canceled_at, version,
	granted, refunds`

// grantedJSON is the granted column's value: a JSON array, never null.
func grantedJSON(ids []inventory.ItemID) string {
	if ids == nil {
		return "[]"
	}
	return jsonText(ids)
}

func scanOrder(row scanner) (orders.Order, error) {
	var o orders.Order
	var lines []lineJSON
	var code, ip string
	var total, fees, refunded, dispute decimal.Decimal
	var granted []inventory.ItemID
	var refunds []refundJSON
	err := row.Scan(&o.ID, &o.Customer, jsonCol{&lines}, &code, &total, &fees, &refunded, &dispute, &o.Status,
		&o.PaymentRef, &ip, &o.CheckoutEmail, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt}, timePtrCol{&o.CompletedAt},
		timePtrCol{&o.RefundedAt}, timePtrCol{&o.ChargebackAt}, timePtrCol{&o.CanceledAt}, &o.Version,
		jsonCol{&granted}, jsonCol{&refunds})
	if err != nil {
		return orders.Order{}, err
	}
	if len(granted) > 0 {
		o.Granted = granted
	}
	cur, err := currencyOf(code)
	if err != nil {
		return orders.Order{}, err
	}
	if o.Lines, err = linesOf(lines); err != nil {
		return orders.Order{}, err
	}
	if o.Refunds, err = refundsOf(refunds, cur); err != nil {
		return orders.Order{}, err
	}
	o.Total = money.Amount{Value: total, Currency: cur}
	o.Fees = money.Amount{Value: fees, Currency: cur}
	o.Refunded = money.Amount{Value: refunded, Currency: cur}
	o.DisputeFee = money.Amount{Value: dispute, Currency: cur}
	if ip != "" {
		if o.CheckoutIP, err = netip.ParseAddr(ip); err != nil {
			return orders.Order{}, err
		}
	}
	return o, nil
}

// checkCurrencies refuses an order whose amounts are in different
// currencies: the table keeps one currency per order.
func checkCurrencies(o orders.Order) error {
	cur := o.Currency()
	amounts := []money.Amount{o.Fees, o.Refunded, o.DisputeFee}
	for _, r := range o.Refunds {
		amounts = append(amounts, r.Amount)
	}
	for _, a := range amounts {
		if a.Currency != cur && (!a.Currency.IsZero() || !a.Value.IsZero()) {
			return &money.MismatchError{A: cur, B: a.Currency}
		}
	}
	return nil
}

// orderArgs are the values of orderColumns, in order.
func orderArgs(o orders.Order) []any {
	return []any{o.ID, o.Customer, linesJSON(o.Lines), o.Currency().Code(), o.Total.Value.String(),
		o.Fees.Value.String(), o.Refunded.Value.String(), o.DisputeFee.Value.String(), o.Status, o.PaymentRef,
		addrText(o.CheckoutIP), o.CheckoutEmail, ts(o.CreatedAt), ts(o.UpdatedAt), tsPtr(o.CompletedAt),
		tsPtr(o.RefundedAt), tsPtr(o.ChargebackAt), tsPtr(o.CanceledAt), o.Version, grantedJSON(o.Granted),
		refundsJSON(o.Refunds)}
}

func (t ordersTx) Create(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkCurrencies(o); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into orders (`+orderColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)`,
		orderArgs(o)...)
	if err != nil {
		key := string(o.ID)
		if refTaken(err) {
			key = o.PaymentRef
		}
		return t.translate(ctx, err, "order", key, parent{"customer", "customers", string(o.Customer)})
	}
	return t.resum(ctx, nil, o)
}

// refTaken reports whether err is the unique index on payment references
// refusing a row.
func refTaken(err error) bool {
	return code(err) == sqliteConstraintUnique && strings.Contains(err.Error(), "orders.payment_ref")
}

func (t ordersTx) Get(ctx context.Context, id orders.ID) (orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Order{}, err
	}
	o, err := scanOrder(t.queryRow(ctx, `select `+orderColumns+` from orders where id = ?1`, id))
	if err != nil {
		return orders.Order{}, t.translate(ctx, err, "order", string(id))
	}
	return o, nil
}

func (t ordersTx) GetByPaymentRef(ctx context.Context, ref string) (orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Order{}, err
	}
	if ref == "" {
		return orders.Order{}, errs.NotFound("order with payment reference", ref)
	}
	o, err := scanOrder(t.queryRow(ctx, `select `+orderColumns+` from orders where payment_ref = ?1`, ref))
	if err != nil {
		return orders.Order{}, t.translate(ctx, err, "order with payment reference", ref)
	}
	return o, nil
}

// Update reads the stored order first: the writer runs alone, so what it
// read is what it replaces, and the customer's running sums lose the
// stored order's share and gain the new one's.
func (t ordersTx) Update(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkCurrencies(o); err != nil {
		return err
	}
	old, err := scanOrder(t.queryRow(ctx, `select `+orderColumns+` from orders where id = ?1`, o.ID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.NotFound("order", string(o.ID))
	case err != nil:
		return t.b.wrap(err)
	case old.Version != o.Version:
		return errs.Conflict("order", string(o.ID), staleVersion(o.Version, old.Version))
	case old.Customer != o.Customer:
		return errs.Conflict("order", string(o.ID), "an order cannot move to another customer")
	}
	_, err = t.exec(ctx, `update orders
		set lines = ?3, currency = ?4, total = ?5, fees = ?6, refunded = ?7, dispute_fee = ?8, status = ?9,
		    payment_ref = ?10, checkout_ip = ?11, checkout_email = ?12, created_at = ?13, updated_at = ?14,
		    completed_at = ?15, refunded_at = ?16, chargeback_at = ?17, canceled_at = ?18, version = version + 1,
		    granted = ?20, refunds = ?21
		where id = ?1`, orderArgs(o)...)
	if err != nil {
		if refTaken(err) {
			return errs.Conflict("order", o.PaymentRef, "payment reference already belongs to an order")
		}
		return t.translate(ctx, err, "order", string(o.ID))
	}
	return t.resum(ctx, &old, o)
}

func (t ordersTx) List(ctx context.Context, p orders.ListParams) ([]orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	q := `select ` + orderColumns + ` from orders where customer_id = ` + a.add(p.Customer)
	if len(p.Statuses) > 0 {
		sts := make([]any, len(p.Statuses))
		for i, s := range p.Statuses {
			sts[i] = string(s)
		}
		q += ` and status in (` + a.list(sts...) + `)`
	}
	if p.Cursor != "" {
		q += ` and id < ` + a.add(p.Cursor)
	}
	q += ` order by id desc`
	if p.Limit > 0 {
		q += ` limit ` + a.add(p.Limit)
	}
	return collect(ctx, t.tx, q, a, scanOrder)
}

// share is what one paid order adds to its customer's running sums, or
// takes away (sign −1).
type share struct {
	currency                       string
	payments, refunds, chargebacks int
	gross, fees, reversed          decimal.Decimal
}

func shareOf(o orders.Order, sign int) (share, bool) {
	if !o.Paid() {
		return share{}, false
	}
	s := share{currency: o.Currency().Code(), payments: sign,
		gross: o.Total.Value, fees: o.AllFees().Value, reversed: o.Reversed().Value}
	if o.Refunded.Value.IsPositive() {
		s.refunds = sign
	}
	if o.Status == orders.Chargeback {
		s.chargebacks = sign
	}
	if sign < 0 {
		s.gross, s.fees, s.reversed = s.gross.Neg(), s.fees.Neg(), s.reversed.Neg()
	}
	return s, true
}

func (s share) plus(o share) share {
	s.payments += o.payments
	s.refunds += o.refunds
	s.chargebacks += o.chargebacks
	s.gross, s.fees, s.reversed = s.gross.Add(o.gross), s.fees.Add(o.fees), s.reversed.Add(o.reversed)
	return s
}

func (s share) isZero() bool {
	return s.payments == 0 && s.refunds == 0 && s.chargebacks == 0 &&
		s.gross.IsZero() && s.fees.IsZero() && s.reversed.IsZero()
}

// resum moves the customer's running sums from old's share (nil: a new
// order) to o's.
func (t ordersTx) resum(ctx context.Context, old *orders.Order, o orders.Order) error {
	var deltas []share
	if old != nil {
		if s, ok := shareOf(*old, -1); ok {
			deltas = append(deltas, s)
		}
	}
	if s, ok := shareOf(o, 1); ok {
		if len(deltas) == 1 && deltas[0].currency == s.currency {
			deltas[0] = deltas[0].plus(s)
		} else {
			deltas = append(deltas, s)
		}
	}
	for _, d := range deltas {
		if d.isZero() {
			continue
		}
		if err := t.addShare(ctx, o.Customer, d); err != nil {
			return err
		}
	}
	return nil
}

// addShare adds d to the customer's row for its currency. The row goes
// when its last paid order does: a summary lists only the currencies its
// paid orders have, as Summarize would.
func (t ordersTx) addShare(ctx context.Context, c customer.ID, d share) error {
	cur := share{currency: d.currency}
	err := t.queryRow(ctx, `select payments, refunds, chargebacks, gross, fees, reversed from order_sums
		where customer_id = ?1 and currency = ?2`, c, d.currency).
		Scan(&cur.payments, &cur.refunds, &cur.chargebacks, &cur.gross, &cur.fees, &cur.reversed)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t.b.wrap(err)
	}
	next := cur.plus(d)
	if next.payments == 0 {
		_, err = t.exec(ctx, `delete from order_sums where customer_id = ?1 and currency = ?2`, c, d.currency)
	} else {
		_, err = t.exec(ctx, `insert into order_sums (customer_id, currency, payments, refunds, chargebacks, gross, fees, reversed)
			values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
			on conflict (customer_id, currency) do update set payments = excluded.payments, refunds = excluded.refunds,
			    chargebacks = excluded.chargebacks, gross = excluded.gross, fees = excluded.fees, reversed = excluded.reversed`,
			c, d.currency, next.payments, next.refunds, next.chargebacks,
			next.gross.String(), next.fees.String(), next.reversed.String())
	}
	return t.translate(ctx, err, "order", string(c), parent{"customer", "customers", string(c)})
}

// Summary reads the customer's running sums: a row per currency, however
// many orders there are.
func (t ordersTx) Summary(ctx context.Context, c customer.ID) (orders.Summary, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Summary{}, err
	}
	rows, err := collect(ctx, t.tx, `select currency, payments, refunds, chargebacks, gross, fees, reversed
		from order_sums where customer_id = ?1 order by currency`, []any{c},
		func(r scanner) (share, error) {
			var s share
			err := r.Scan(&s.currency, &s.payments, &s.refunds, &s.chargebacks, &s.gross, &s.fees, &s.reversed)
			return s, err
		})
	if err != nil {
		return orders.Summary{}, err
	}
	var sum orders.Summary
	for _, s := range rows {
		cur, err := currencyOf(s.currency)
		if err != nil {
			return orders.Summary{}, err
		}
		sum.Sums = append(sum.Sums, orders.Sum{Currency: cur, Payments: s.payments, Gross: s.gross, Fees: s.fees, Reversed: s.reversed})
		sum.Payments += s.payments
		sum.Refunds += s.refunds
		sum.Chargebacks += s.chargebacks
	}
	return sum, nil
}
