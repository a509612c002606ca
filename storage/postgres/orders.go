package postgres

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
// Lines stored before prices came from the catalog have no
// "price_overridden": they read false.
type lineJSON struct {
	ProductID       inventory.ProductID `json:"product_id"`
	Quantity        int                 `json:"quantity"`
	UnitPrice       string              `json:"unit_price"`
	Currency        string              `json:"currency"`
	PriceOverridden bool                `json:"price_overridden,omitempty"`
}

func linesJSON(ls []orders.Line) []lineJSON {
	out := make([]lineJSON, len(ls))
	for i, l := range ls {
		out[i] = lineJSON{l.ProductID, l.Quantity, l.UnitPrice.Value.String(), l.UnitPrice.Currency.Code(), l.PriceOverridden}
	}
	return out
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
	Ref    string    `json:"ref"`
	Amount string    `json:"amount"`
	At     time.Time `json:"at"`
}

// refundsJSON is the refunds column's value: a JSON array, never null.
func refundsJSON(rs []orders.Refund) []refundJSON {
	out := make([]refundJSON, len(rs))
	for i, r := range rs {
		out[i] = refundJSON{r.Ref, r.Amount.Value.String(), r.At.UTC()}
	}
	return out
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
		out[i] = orders.Refund{Ref: j.Ref, Amount: money.Amount{Value: v, Currency: cur}, At: j.At.UTC()}
	}
	return out, nil
}

// addrParam is the inet value for an optional address: NULL if unset.
func addrParam(a netip.Addr) any {
	if !a.IsValid() {
		return nil
	}
	return a
}

type ordersTx struct{ *tx }

const orderColumns = `id, customer_id, lines, currency, total, fees, refunded, dispute_fee, status, payment_ref,
	checkout_ip, checkout_email, created_at, updated_at, completed_at, refunded_at, chargeback_at, canceled_at, version,
	granted, refunds`

// grantedJSON is the granted column's value: a JSON array, never null.
func grantedJSON(ids []inventory.ItemID) []inventory.ItemID {
	if ids == nil {
		return []inventory.ItemID{}
	}
	return ids
}

func scanOrder(row pgx.Row) (orders.Order, error) {
	var o orders.Order
	var lines []lineJSON
	var code string
	var total, fees, refunded, dispute decimal.Decimal
	var ip *netip.Addr
	var granted []inventory.ItemID
	var refunds []refundJSON
	err := row.Scan(&o.ID, &o.Customer, &lines, &code, &total, &fees, &refunded, &dispute, &o.Status, &o.PaymentRef,
		&ip, &o.CheckoutEmail, &o.CreatedAt, &o.UpdatedAt, &o.CompletedAt, &o.RefundedAt, &o.ChargebackAt,
		&o.CanceledAt, &o.Version, &granted, &refunds)
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
	if ip != nil {
		o.CheckoutIP = *ip
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	o.CompletedAt, o.RefundedAt = utcPtr(o.CompletedAt), utcPtr(o.RefundedAt)
	o.ChargebackAt, o.CanceledAt = utcPtr(o.ChargebackAt), utcPtr(o.CanceledAt)
	return o, nil
}

func scanOrders(r pgx.Rows) (orders.Order, error) { return scanOrder(r) }

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

func (t ordersTx) Create(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkCurrencies(o); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into orders (`+orderColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
		on conflict do nothing`,
		o.ID, o.Customer, linesJSON(o.Lines), o.Currency().Code(), o.Total.Value, o.Fees.Value, o.Refunded.Value,
		o.DisputeFee.Value, o.Status, o.PaymentRef, addrParam(o.CheckoutIP), o.CheckoutEmail, o.CreatedAt.UTC(),
		o.UpdatedAt.UTC(), utcPtr(o.CompletedAt), utcPtr(o.RefundedAt), utcPtr(o.ChargebackAt), utcPtr(o.CanceledAt),
		o.Version, grantedJSON(o.Granted), refundsJSON(o.Refunds))
	if err != nil {
		return translate(err, "order", string(o.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var idTaken bool
	if err := t.scanRow(ctx, `select exists (select 1 from orders where id = $1)`, []any{o.ID}, &idTaken); err != nil {
		return wrap(err)
	}
	if idTaken {
		return errs.Conflict("order", string(o.ID), "ID already exists")
	}
	return errs.Conflict("order", o.PaymentRef, "payment reference already belongs to an order")
}

func (t ordersTx) Get(ctx context.Context, id orders.ID) (orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Order{}, err
	}
	o, err := scanOrder(t.queryRow(ctx, `select `+orderColumns+` from orders where id = $1`, id))
	t.note(err)
	if err != nil {
		return orders.Order{}, translate(err, "order", string(id))
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
	// payment_ref <> '' spelled out lets the generic plan use the partial
	// unique index: a sequential scan would lock the whole table against
	// every other customer's order (serializable predicate locks).
	o, err := scanOrder(t.queryRow(ctx, `select `+orderColumns+` from orders where payment_ref = $1 and payment_ref <> ''`, ref))
	t.note(err)
	if err != nil {
		return orders.Order{}, translate(err, "order with payment reference", ref)
	}
	return o, nil
}

// Update writes only if the version matches, the customer is the stored
// one and no other order holds the payment reference; when it writes
// nothing, a second query says why.
func (t ordersTx) Update(ctx context.Context, o orders.Order) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkCurrencies(o); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update orders
		set lines = $4, currency = $5, total = $6, fees = $7, refunded = $8, dispute_fee = $9, status = $10,
		    payment_ref = $11, checkout_ip = $12, checkout_email = $13, created_at = $14, updated_at = $15,
		    completed_at = $16, refunded_at = $17, chargeback_at = $18, canceled_at = $19, granted = $20,
		    refunds = $21, version = version + 1
		where id = $1 and version = $2 and customer_id = $3
		  and ($11 = '' or not exists (select 1 from orders o
		                               where o.payment_ref = $11 and o.payment_ref <> '' and o.id <> $1))`,
		o.ID, o.Version, o.Customer, linesJSON(o.Lines), o.Currency().Code(), o.Total.Value, o.Fees.Value,
		o.Refunded.Value, o.DisputeFee.Value, o.Status, o.PaymentRef, addrParam(o.CheckoutIP), o.CheckoutEmail,
		o.CreatedAt.UTC(), o.UpdatedAt.UTC(), utcPtr(o.CompletedAt), utcPtr(o.RefundedAt), utcPtr(o.ChargebackAt),
		utcPtr(o.CanceledAt), grantedJSON(o.Granted), refundsJSON(o.Refunds))
	if err != nil {
		return translate(err, "order", string(o.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := t.whyUnchanged(ctx, "orders", "order", string(o.ID), o.Version); err != nil {
		return err
	}
	var moved bool
	if err := t.scanRow(ctx, `select customer_id <> $2 from orders where id = $1`, []any{o.ID, o.Customer}, &moved); err != nil {
		return wrap(err)
	}
	if moved {
		return errs.Conflict("order", string(o.ID), "an order cannot move to another customer")
	}
	return errs.Conflict("order", o.PaymentRef, "payment reference already belongs to an order")
}

func (t ordersTx) List(ctx context.Context, p orders.ListParams) ([]orders.Order, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	sql, a, ok := orderListSQL(p)
	if !ok {
		return nil, nil
	}
	return collect(ctx, t.tx, sql, a, scanOrders)
}

// orderListSQL reads each status asked for on its own, as one descent of the
// (customer_id, status, id) index from the cursor, and merges the branches
// (UNION ALL of ordered branches: a merge append): a filter on a status
// the customer has few orders in reads those, never the customer's other
// orders. The statuses are written into the SQL, not passed as a
// parameter, because the connections run generic plans: with
// "status = any($2)" the plan cannot know a status is rare and walks the
// customer's orders newest first, filtering (19 ms for no match among 100 000
// orders); with the status named, the statistics tell a rare status from a
// common one. Only orders.Statuses are written, so no text from outside
// reaches the SQL; a status outside them matches nothing, as on every
// backend. ok is false if nothing can match.
func orderListSQL(p orders.ListParams) (sql string, params []any, ok bool) {
	var a args
	where := `customer_id = ` + a.add(p.Customer)
	if p.Cursor != "" {
		where += ` and id < ` + a.add(p.Cursor)
	}
	limit := ""
	if p.Limit > 0 {
		limit = ` limit ` + a.add(p.Limit)
	}
	if len(p.Statuses) == 0 {
		return `select ` + orderColumns + ` from orders where ` + where + ` order by id desc` + limit, a, true
	}
	var branches []string
	for _, st := range orders.Statuses { // known statuses only, each once
		if slices.Contains(p.Statuses, st) {
			branches = append(branches, `(select `+orderColumns+` from orders where `+where+
				` and status = '`+string(st)+`' order by id desc`+limit+`)`)
		}
	}
	if len(branches) == 0 {
		return "", nil, false
	}
	if len(branches) == 1 {
		return branches[0], a, true
	}
	return strings.Join(branches, ` union all `) + ` order by id desc` + limit, a, true
}

// Summary reads the running sums the orders' trigger keeps; numeric sums
// are exact, so they agree with orders.Summarize.
func (t ordersTx) Summary(ctx context.Context, c customer.ID) (orders.Summary, error) {
	if err := t.check(ctx, false); err != nil {
		return orders.Summary{}, err
	}
	type row struct {
		sum                            orders.Sum
		payments, refunds, chargebacks int
	}
	rows, err := collect(ctx, t.tx, summarySQL, []any{c},
		func(r pgx.Rows) (row, error) {
			var x row
			var code string
			err := r.Scan(&code, &x.sum.Gross, &x.sum.Fees, &x.sum.Reversed, &x.payments, &x.refunds, &x.chargebacks)
			if err != nil {
				return x, err
			}
			x.sum.Currency, err = currencyOf(code)
			return x, err
		})
	if err != nil {
		return orders.Summary{}, err
	}
	var s orders.Summary
	for _, x := range rows {
		x.sum.Payments = x.payments
		s.Sums = append(s.Sums, x.sum)
		s.Payments += x.payments
		s.Refunds += x.refunds
		s.Chargebacks += x.chargebacks
	}
	return s, nil
}

// summarySQL reads the customer's summary rows (migration 0015), one per
// currency, which the orders table's trigger keeps: the stats cost the
// same for 10 orders as for 100 000.
const summarySQL = `select currency, gross, fees, reversed, payments, refunds, chargebacks
	from order_summaries
	where customer_id = $1 and payments <> 0
	order by currency collate "C"`
