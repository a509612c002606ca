package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
	"github.com/playerbase/playerbase/subscriptions"
)

func TestCustomerStatsMonthLength(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		month time.Duration
		want  string
	}{
		{0, "10.14 EUR"},                   // 10.00 × (365/12 days) ÷ 30 days
		{30 * 24 * time.Hour, "10.00 EUR"}, // a store that counts 30-day months
	} {
		pb := comClient(t, memory.New(), &playerbase.Config{MonthLength: tt.month})
		cust := comCustomer(t, pb, 1)
		s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: period.Period{Count: 30, Unit: period.Day}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		st, err := pb.CustomerStats(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.MRR) != 1 || st.MRR[0].String() != tt.want || st.ActiveSubscriptions != 1 {
			t.Errorf("month %s: MRR %v, %d active; want %s, 1", tt.month, st.MRR, st.ActiveSubscriptions, tt.want)
		}
	}
	pb := playerbase.New(memory.New(), nil)
	if _, err := pb.CustomerStats(ctx, customer.NewID(comStart)); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("CustomerStats of an unknown customer = %v, want ErrNotFound", err)
	}
}

// The commerce state machine: orders and subscriptions driven through the
// Client on the memory backend, with the clock advancing, against a
// plain-Go model. After every step every order's and subscription's status
// and version, and every customer's stats (net and gross spent, payments,
// refunds, chargebacks, active subscriptions, MRR), agree with the model.

// minor is the model's own table of minor units.
var minor = map[string]int32{"EUR": 2, "USD": 2, "JPY": 0}

type modelOrder struct {
	id                      orders.ID
	cust                    int
	cur                     string
	total                   decimal.Decimal
	fees, dispute, refunded decimal.Decimal
	status                  orders.Status
	ref                     string
	version                 int64
	lines                   []modelLine
	refundRefs              map[string]decimal.Decimal // amount refunded under each refund reference
}

type modelSub struct {
	id          subscriptions.ID
	cust        int
	cur         string
	amount      decimal.Decimal
	period      period.Period
	trial       bool
	status      subscriptions.Status // as stored
	cancelAtEnd bool
	product     int
	anchor      time.Time
	periods     int
	end         time.Time
	version     int64
}

// effective is the status the model expects a read at now to show.
func (s *modelSub) effective(now time.Time) subscriptions.Status {
	if s.status == subscriptions.Active && s.cancelAtEnd && !now.Before(s.end) {
		return subscriptions.Canceled
	}
	return s.status
}

// modelPeriodEnd is the model's period arithmetic: the n-th end from the
// anchor, month ends clamped.
func modelPeriodEnd(p period.Period, anchor time.Time, n int) time.Time {
	months := 0
	switch p.Unit {
	case period.Day:
		return anchor.Add(time.Duration(n*p.Count) * 24 * time.Hour)
	case period.Week:
		return anchor.Add(time.Duration(n*p.Count) * 7 * 24 * time.Hour)
	case period.Month:
		months = n * p.Count
	case period.Year:
		months = 12 * n * p.Count
	}
	y, m, d := anchor.Date()
	total := int(m) - 1 + months
	y, m = y+total/12, time.Month(total%12+1)
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m, min(d, last), anchor.Hour(), anchor.Minute(), anchor.Second(), anchor.Nanosecond(), time.UTC)
}

type commerceMachine struct {
	ctx      context.Context
	pb       *playerbase.Client
	clock    *comClock
	policy   playerbase.ReversalPolicy
	custs    []customer.ID
	products []modelProduct
	orders   []*modelOrder
	subs     []*modelSub
	items    []*modelItem // creation order
	refs     int
}

func newCommerceMachine(t *rapid.T, backend storage.Backend) *commerceMachine {
	clock := &comClock{t: comStart}
	policy := playerbase.ReversalPolicy{
		KeepOnRefund:     rapid.Bool().Draw(t, "keep on refund"),
		KeepOnChargeback: rapid.Bool().Draw(t, "keep on chargeback"),
		PartialRefunds:   rapid.Bool().Draw(t, "partial refunds"),
	}
	m := &commerceMachine{ctx: context.Background(), clock: clock, policy: policy}
	m.pb = comClient(t, backend, &playerbase.Config{Now: clock.Now, Reversals: policy})
	for i := range 2 {
		m.custs = append(m.custs, comCustomer(t, m.pb, i+1).ID)
	}
	// Beside the VIP, crate and rank: a one-day pass that adds an item per
	// purchase and has nothing to run on expiry, free in EUR.
	pass, err := m.pb.ProductCreate(m.ctx, inventory.Product{Name: "Pass", Duration: period.For(1, period.Day), Stacking: inventory.StackAdd,
		Prices: []money.Amount{money.MustParse("0", "EUR"), money.MustParse("2.5", "USD")},
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "pass {steam_id}"},
			{Stage: inventory.OnRefund, Server: "eu-1", Template: "unpass {steam_id}"},
			{Stage: inventory.OnRefund, Server: "eu-2", Template: "say refunded {order_id}"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append(comProducts(), pass) {
		p, err := inventory.CheckProduct(p)
		if err != nil {
			t.Fatal(err)
		}
		m.products = append(m.products, modelProductOf(p))
	}
	return m
}

func (m *commerceMachine) freshRef() string {
	m.refs++
	return fmt.Sprintf("pay_%d", m.refs)
}

func amount(v decimal.Decimal, cur string) money.Amount { return money.MustParse(v.String(), cur) }

// expect checks an error against the model's prediction: nil, or a
// sentinel the error must match.
func expect(t *rapid.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func (m *commerceMachine) CreateOrder(t *rapid.T) {
	cust := rapid.IntRange(0, len(m.custs)-1).Draw(t, "customer")
	cur := rapid.SampledFrom([]string{"EUR", "USD", "JPY"}).Draw(t, "currency")
	overrides := map[string][]string{"EUR": {"0", "0.99", "4.75", "10", "19.99"}, "USD": {"1", "2.5", "10"}, "JPY": {"0", "100", "1500"}}[cur]
	var lines []playerbase.OrderLineParams
	var mlines []modelLine
	var want []orders.Line
	var sum decimal.Decimal
	unsold := -1 // the first line whose product has no price in cur
	for i := range rapid.IntRange(1, 2).Draw(t, "lines") {
		product := rapid.IntRange(0, len(m.products)-1).Draw(t, "product")
		qty := rapid.IntRange(1, 3).Draw(t, "quantity")
		line := playerbase.OrderLineParams{ProductID: m.products[product].id, Quantity: qty}
		price, sold := m.products[product].prices[cur]
		if !sold && unsold < 0 {
			unsold = i
		}
		// The host's override is the only price a line carries in.
		if rapid.Bool().Draw(t, "override") {
			price = decimal.RequireFromString(rapid.SampledFrom(overrides).Draw(t, "price"))
			line.PriceOverride = new(amount(price, cur))
		}
		lines = append(lines, line)
		mlines = append(mlines, modelLine{product, qty})
		want = append(want, orders.Line{ProductID: line.ProductID, Quantity: qty, UnitPrice: amount(price, cur), PriceOverridden: line.PriceOverride != nil})
		sum = sum.Add(price.Mul(decimal.NewFromInt(int64(qty))))
	}
	ref := ""
	if rapid.Bool().Draw(t, "ref at checkout") {
		ref = m.freshRef()
	}
	o, err := m.pb.OrderCreate(m.ctx, m.custs[cust], playerbase.OrderCreateParams{Currency: money.MustCurrency(cur), Lines: lines, PaymentRef: ref})
	if unsold >= 0 {
		var np *inventory.NoPriceError
		if !errors.As(err, &np) || np.Field != fmt.Sprintf("lines[%d].product_id", unsold) {
			t.Fatalf("CreateOrder of a product not sold in %s = %v, want a NoPriceError for line %d", cur, err, unsold)
		}
		return
	}
	expect(t, "CreateOrder", err, nil)
	mo := &modelOrder{id: o.ID, cust: cust, cur: cur, total: sum.Round(minor[cur]), status: orders.Created, ref: ref, lines: mlines}
	if !o.Total.Value.Equal(mo.total) {
		t.Fatalf("CreateOrder total %s, model %s", o.Total, mo.total)
	}
	if d := cmp.Diff(want, o.Lines, amountOpts); d != "" {
		t.Fatalf("CreateOrder lines (-model +got):\n%s", d)
	}
	m.orders = append(m.orders, mo)
}

func (m *commerceMachine) pickOrder(t *rapid.T) *modelOrder {
	if len(m.orders) == 0 {
		t.Skip("no orders")
	}
	return rapid.SampledFrom(m.orders).Draw(t, "order")
}

// complete sends one completion webhook and checks it against the model.
func (m *commerceMachine) complete(t *rapid.T, o *modelOrder, p playerbase.OrderCompleteParams) {
	var want error
	changed := false
	switch {
	case o.status == orders.Created && (o.ref == "" || p.PaymentRef == "" || p.PaymentRef == o.ref):
		changed = true
	case o.status.Paid() && p.PaymentRef != "" && p.PaymentRef == o.ref:
		// a retried webhook: success, no effect
	default:
		want = playerbase.ErrConflict
	}
	if p.OrderID == "" && (p.PaymentRef == "" || p.PaymentRef != o.ref) {
		want, changed = playerbase.ErrNotFound, false // found by a reference no order has
	}
	_, err := m.pb.OrderComplete(m.ctx, p)
	expect(t, "CompleteOrder", err, want)
	if changed {
		o.status = orders.Completed
		if p.PaymentRef != "" {
			o.ref = p.PaymentRef
		}
		o.fees = p.Fees.Value
		o.version++
		// Paid: every line is delivered, quantity times.
		now := m.clock.Now()
		for _, l := range o.lines {
			for range l.qty {
				m.grant(o.cust, l.product, o, nil, nil, now)
			}
		}
	}
	m.learnIDs(t)
}

func (m *commerceMachine) CompleteOrder(t *rapid.T) {
	o := m.pickOrder(t)
	ref := rapid.SampledFrom([]string{"own", "fresh", "none"}).Draw(t, "ref")
	fees := decimal.RequireFromString(rapid.SampledFrom([]string{"0", "0.79", "3"}).Draw(t, "fees")).Round(minor[o.cur])
	p := playerbase.OrderCompleteParams{OrderID: o.id, Fees: amount(fees, o.cur)}
	switch ref {
	case "own":
		p.PaymentRef = o.ref
	case "fresh":
		p.PaymentRef = m.freshRef()
	}
	if p.PaymentRef != "" && rapid.Bool().Draw(t, "by reference only") {
		p.OrderID = ""
	}
	m.complete(t, o, p)
}

// DuplicateWebhook delivers the same completion twice: it takes effect
// once.
func (m *commerceMachine) DuplicateWebhook(t *rapid.T) {
	o := m.pickOrder(t)
	ref := o.ref
	if ref == "" {
		ref = m.freshRef()
	}
	p := playerbase.OrderCompleteParams{OrderID: o.id, PaymentRef: ref, Fees: amount(decimal.RequireFromString("0.5").Round(minor[o.cur]), o.cur)}
	m.complete(t, o, p)
	before := o.version
	m.complete(t, o, p)
	if o.version != before {
		t.Fatalf("the model counted a second completion")
	}
}

func (m *commerceMachine) RefundOrder(t *rapid.T) {
	o := m.pickOrder(t)
	m.refund(t, o, "", m.drawRefund(t, o))
}

// DuplicateRefund delivers a refund webhook twice, then its reference with
// another amount: the refund takes effect once and the reuse is refused.
func (m *commerceMachine) DuplicateRefund(t *rapid.T) {
	o := m.pickOrder(t)
	m.refs++
	ref := fmt.Sprintf("re_%d", m.refs)
	v := m.drawRefund(t, o)
	m.refund(t, o, ref, v)
	before := o.version
	m.refund(t, o, ref, v)
	if o.version != before {
		t.Fatalf("the model counted a second refund")
	}
	m.refund(t, o, ref, v.Add(decimal.New(1, -minor[o.cur])))
}

// drawRefund draws an amount to refund of o: what is left, one minor unit,
// half, too much, or zero.
func (m *commerceMachine) drawRefund(t *rapid.T, o *modelOrder) decimal.Decimal {
	unit := decimal.New(1, -minor[o.cur])
	left := o.total.Sub(o.refunded)
	var v decimal.Decimal
	switch rapid.SampledFrom([]string{"rest", "one unit", "half", "too much", "zero"}).Draw(t, "refund") {
	case "rest":
		v = left
	case "one unit":
		v = unit
	case "half":
		v = left.Div(decimal.NewFromInt(2)).Round(minor[o.cur])
	case "too much":
		v = left.Add(unit)
	}
	return v
}

// refund sends one refund (under refund reference ref, "" for none) and
// checks it against the model.
func (m *commerceMachine) refund(t *rapid.T, o *modelOrder, ref string, v decimal.Decimal) {
	left := o.total.Sub(o.refunded)
	recorded, seen := o.refundRefs[ref]
	retried := seen && recorded.Equal(v) // success, no effect
	var want error
	switch {
	case retried:
	case seen:
		want = playerbase.ErrConflict
	case o.status != orders.Completed:
		want = playerbase.ErrConflict
	case !v.IsPositive() || v.GreaterThan(left):
		want = playerbase.ErrInvalid
	}
	_, err := m.pb.OrderRefund(m.ctx, o.id, playerbase.OrderRefundParams{Reference: ref, Amount: amount(v, o.cur)})
	expect(t, "RefundOrderRef "+ref+" "+v.String()+" of "+left.String(), err, want)
	if want == nil && !retried {
		if ref != "" {
			if o.refundRefs == nil {
				o.refundRefs = map[string]decimal.Decimal{}
			}
			o.refundRefs[ref] = v
		}
		o.refunded = o.refunded.Add(v)
		if o.refunded.Equal(o.total) {
			o.status = orders.Refunded
		}
		o.version++
		if o.status == orders.Refunded || m.policy.PartialRefunds {
			m.reverse(o, inventory.OnRefund, !m.policy.KeepOnRefund, m.clock.Now())
		}
	}
}

func (m *commerceMachine) ChargebackOrder(t *rapid.T) {
	o := m.pickOrder(t)
	fee := decimal.RequireFromString(rapid.SampledFrom([]string{"0", "15"}).Draw(t, "dispute fee"))
	var want error
	retry := o.status == orders.Chargeback && o.dispute.Equal(fee) // a retried dispute webhook: no effect
	if o.status != orders.Completed && !retry {
		want = playerbase.ErrConflict
	}
	_, err := m.pb.OrderChargeback(m.ctx, o.id, playerbase.OrderChargebackParams{DisputeFee: amount(fee, o.cur)})
	expect(t, "ChargebackOrder", err, want)
	if want == nil && !retry {
		o.status, o.dispute = orders.Chargeback, fee
		o.version++
		m.reverse(o, inventory.OnChargeback, !m.policy.KeepOnChargeback, m.clock.Now())
	}
}

// FinerMoney sends money finer than its currency's minor unit, as a host
// that built the Amount itself may: whatever the order's state, it is
// invalid input and changes nothing (Check compares the store with the
// model).
func (m *commerceMachine) FinerMoney(t *rapid.T) {
	field := rapid.SampledFrom([]string{"fees", "amount", "dispute_fee", "lines[0].price_override", "subscription price_override"}).Draw(t, "input")
	var o *modelOrder
	cur := rapid.SampledFrom([]string{"EUR", "USD", "JPY"}).Draw(t, "currency")
	if field == "fees" || field == "amount" || field == "dispute_fee" {
		o = m.pickOrder(t)
		cur = o.cur
	}
	whole := decimal.RequireFromString(rapid.SampledFrom([]string{"0", "1", "10"}).Draw(t, "whole"))
	fine := money.Amount{Value: whole.Add(decimal.New(rapid.Int64Range(1, 9).Draw(t, "digit"), -minor[cur]-1)), Currency: money.MustCurrency(cur)}
	cust, product := rapid.IntRange(0, len(m.custs)-1).Draw(t, "customer"), rapid.IntRange(0, len(m.products)-1).Draw(t, "product")
	var err error
	switch field {
	case "fees":
		_, err = m.pb.OrderComplete(m.ctx, playerbase.OrderCompleteParams{OrderID: o.id, PaymentRef: o.ref, Fees: fine})
	case "amount":
		_, err = m.pb.OrderRefund(m.ctx, o.id, playerbase.OrderRefundParams{Reference: rapid.SampledFrom([]string{"", "re_fine"}).Draw(t, "ref"), Amount: fine})
	case "dispute_fee":
		_, err = m.pb.OrderChargeback(m.ctx, o.id, playerbase.OrderChargebackParams{DisputeFee: fine})
	case "lines[0].price_override":
		_, err = m.pb.OrderCreate(m.ctx, m.custs[cust], playerbase.OrderCreateParams{Currency: fine.Currency, Lines: []playerbase.OrderLineParams{{ProductID: m.products[product].id, Quantity: 1, PriceOverride: &fine}}})
	default:
		field = "price_override"
		_, err = m.pb.SubscriptionCreate(m.ctx, m.custs[cust], playerbase.SubscriptionCreateParams{ProductID: m.products[product].id, Currency: fine.Currency, PriceOverride: &fine, Period: periods[0]})
	}
	var inv *errs.InvalidError
	if !errors.As(err, &inv) || inv.Field != field {
		t.Fatalf("%s of %s: err = %v, want an *errs.InvalidError for %s", field, fine, err, field)
	}
}

func (m *commerceMachine) CancelOrder(t *rapid.T) {
	o := m.pickOrder(t)
	var want error
	if o.status != orders.Created {
		want = playerbase.ErrConflict
	}
	_, err := m.pb.OrderCancel(m.ctx, o.id)
	expect(t, "CancelOrder", err, want)
	if want == nil {
		o.status = orders.Canceled
		o.version++
	}
}

var periods = []period.Period{
	{Count: 1, Unit: period.Month}, {Count: 3, Unit: period.Month}, {Count: 1, Unit: period.Year},
	{Count: 30, Unit: period.Day}, {Count: 1, Unit: period.Week}, {Count: 2, Unit: period.Week},
}

func (m *commerceMachine) CreateSubscription(t *rapid.T) {
	cust := rapid.IntRange(0, len(m.custs)-1).Draw(t, "customer")
	cur := rapid.SampledFrom([]string{"EUR", "USD", "JPY"}).Draw(t, "currency")
	p := rapid.SampledFrom(periods).Draw(t, "period")
	trial := rapid.Bool().Draw(t, "trial")
	product := rapid.IntRange(0, len(m.products)-1).Draw(t, "product")
	params := playerbase.SubscriptionCreateParams{ProductID: m.products[product].id, Currency: money.MustCurrency(cur), Period: p, Trial: trial}
	v, sold := m.products[product].prices[cur]
	if rapid.Bool().Draw(t, "override") {
		v = decimal.RequireFromString(map[string]string{"EUR": "3.33", "USD": "10", "JPY": "1000"}[cur])
		params.PriceOverride = new(amount(v, cur))
	}
	s, err := m.pb.SubscriptionCreate(m.ctx, m.custs[cust], params)
	if !sold {
		var np *inventory.NoPriceError
		if !errors.As(err, &np) {
			t.Fatalf("CreateSubscription of a product not sold in %s = %v, want a NoPriceError", cur, err)
		}
		return
	}
	expect(t, "CreateSubscription", err, nil)
	if !s.Amount.Equal(amount(v, cur)) || s.PriceOverridden != (params.PriceOverride != nil) {
		t.Fatalf("CreateSubscription = %s overridden %t, model %s overridden %t", s.Amount, s.PriceOverridden, v, params.PriceOverride != nil)
	}
	m.subs = append(m.subs, &modelSub{id: s.ID, cust: cust, cur: cur, amount: v, period: p, trial: trial, status: subscriptions.Created, product: product})
}

func (m *commerceMachine) pickSub(t *rapid.T) *modelSub {
	if len(m.subs) == 0 {
		t.Skip("no subscriptions")
	}
	return rapid.SampledFrom(m.subs).Draw(t, "subscription")
}

func (m *commerceMachine) ActivateSubscription(t *rapid.T) {
	s := m.pickSub(t)
	now := m.clock.Now()
	var want error
	if s.effective(now) != subscriptions.Created {
		want = playerbase.ErrConflict
	}
	_, err := m.pb.SubscriptionActivate(m.ctx, s.id)
	expect(t, "ActivateSubscription", err, want)
	if want == nil {
		s.status, s.anchor, s.periods = subscriptions.Active, now, 1
		s.end = modelPeriodEnd(s.period, now, 1)
		s.version++
		m.grant(s.cust, s.product, nil, s, &s.end, now)
		m.learnIDs(t)
	}
}

func (m *commerceMachine) RenewSubscription(t *rapid.T) {
	s := m.pickSub(t)
	var want error
	if s.effective(m.clock.Now()) != subscriptions.Active || s.cancelAtEnd {
		want = playerbase.ErrConflict
	}
	_, err := m.pb.SubscriptionRenew(m.ctx, s.id)
	expect(t, "RenewSubscription", err, want)
	if want == nil {
		s.periods++
		s.end = modelPeriodEnd(s.period, s.anchor, s.periods)
		s.trial = false
		s.version++
		m.grant(s.cust, s.product, nil, s, &s.end, m.clock.Now())
		m.learnIDs(t)
	}
}

func (m *commerceMachine) CancelSubscription(t *rapid.T) {
	s := m.pickSub(t)
	atEnd := rapid.Bool().Draw(t, "at period end")
	now := m.clock.Now()
	var want error
	switch eff := s.effective(now); {
	case eff == subscriptions.Canceled:
		want = playerbase.ErrConflict
	case atEnd && eff == subscriptions.Active && now.Before(s.end):
		if !s.cancelAtEnd {
			s.cancelAtEnd = true
			s.version++
		}
	default:
		s.status, s.cancelAtEnd = subscriptions.Canceled, false
		s.version++
		m.endSubscription(s, now)
	}
	_, err := m.pb.SubscriptionCancel(m.ctx, s.id, playerbase.SubscriptionCancelParams{AtPeriodEnd: atEnd})
	expect(t, "CancelSubscription", err, want)
}

// ItemRevoke revokes an item by hand: it succeeds exactly when the revoke
// rule allows, never on an expired or revoked item, nor on a permanent one
// whose product has no on-expiry action.
func (m *commerceMachine) RevokeItem(t *rapid.T) {
	if len(m.items) == 0 {
		t.Skip("no items")
	}
	it := rapid.SampledFrom(m.items).Draw(t, "item")
	now := m.clock.Now()
	allowed := m.revocable(it, now)
	_, err := m.pb.ItemRevoke(m.ctx, it.id, playerbase.ItemRevokeParams{Reason: "test", Actor: "admin"})
	var re *inventory.RevokeError
	switch {
	case allowed && err != nil:
		t.Fatalf("RevokeItem(%s) = %v, want success", it.id, err)
	case !allowed && !errors.As(err, &re):
		t.Fatalf("RevokeItem(%s), %s, expires %v, expiry action %v = %v; want a *inventory.RevokeError",
			it.id, it.stateAt(now), it.expires, m.products[it.product].action(), err)
	case allowed:
		m.revoke(it)
	}
}

func (m *commerceMachine) Sweep(t *rapid.T) {
	now, want := m.clock.Now(), 0
	for _, it := range m.items {
		if it.recorded == inventory.Active && it.stateAt(now) == inventory.Expired {
			m.expire(it)
			want++
		}
	}
	if got, err := m.pb.ItemSweepExpired(m.ctx); got != want || err != nil {
		t.Fatalf("SweepExpired = %d, %v; want %d", got, err, want)
	}
}

func (m *commerceMachine) Advance(t *rapid.T) {
	m.clock.Advance(time.Duration(rapid.Int64Range(0, 40*24*3600).Draw(t, "seconds")) * time.Second)
}

// AdvanceToExpiry lands on an item's expiry instant (a subscription's
// period end, for its item): the instant the item is over.
func (m *commerceMachine) AdvanceToExpiry(t *rapid.T) {
	now := m.clock.Now()
	var at []time.Time
	for _, it := range m.items {
		if it.expires != nil && it.expires.After(now) {
			at = append(at, *it.expires)
		}
	}
	if len(at) == 0 {
		t.Skip("nothing expires later")
	}
	m.clock.Advance(rapid.SampledFrom(at).Draw(t, "expiry").Sub(now))
}

// Check compares every order, subscription and customer's stats with the
// model.
func (m *commerceMachine) Check(t *rapid.T) {
	now := m.clock.Now()
	for _, mo := range m.orders {
		o, err := m.pb.OrderGet(m.ctx, mo.id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != mo.status || o.Version != mo.version || !o.Refunded.Value.Equal(mo.refunded) || o.PaymentRef != mo.ref {
			t.Fatalf("order %s: %s v%d refunded %s ref %q; model %s v%d refunded %s ref %q",
				o.ID, o.Status, o.Version, o.Refunded.Value, o.PaymentRef, mo.status, mo.version, mo.refunded, mo.ref)
		}
	}
	for _, ms := range m.subs {
		s, err := m.pb.SubscriptionGet(m.ctx, ms.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status != ms.effective(now) || s.Version != ms.version || s.Trial != ms.trial {
			t.Fatalf("subscription %s: %s v%d trial %v; model %s v%d trial %v", s.ID, s.Status, s.Version, s.Trial, ms.effective(now), ms.version, ms.trial)
		}
		if ms.periods > 0 && !s.CurrentPeriodEnd.Equal(ms.end) {
			t.Fatalf("subscription %s (%v from %s, %d periods): ends %s, model %s", s.ID, ms.period, ms.anchor, ms.periods, s.CurrentPeriodEnd, ms.end)
		}
	}
	for i, id := range m.custs {
		st, err := m.pb.CustomerStats(m.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := m.stats(i, now)
		got := statsView{
			net: amountsOf(st.NetSpent), gross: amountsOf(st.GrossSpent), mrr: amountsOf(st.MRR),
			payments: st.TotalPayments, refunds: st.Refunds, chargebacks: st.Chargebacks, active: st.ActiveSubscriptions,
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("customer %d stats:\n got %+v\nwant %+v", i, got, want)
		}
		m.checkOrderPages(t, i)
	}
	m.checkItems(t, now)
}

// checkOrderPages walks a customer's orders in pages of 2: newest first,
// all of them, once.
func (m *commerceMachine) checkOrderPages(t *rapid.T, cust int) {
	var want, got []orders.ID
	for i := len(m.orders) - 1; i >= 0; i-- {
		if m.orders[i].cust == cust {
			want = append(want, m.orders[i].id)
		}
	}
	p := playerbase.OrderListParams{Limit: 2}
	for {
		page, err := m.pb.OrderList(m.ctx, m.custs[cust], p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			got = append(got, o.ID)
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("customer %d orders by page: %v, want %v", cust, got, want)
	}
}

// statsView is stats.Stats with money as "currency amount" strings, so the
// model and the Client compare as text.
type statsView struct {
	net, gross, mrr                        []string
	payments, refunds, chargebacks, active int
}

func amountsOf(as []money.Amount) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Currency.Code()+" "+a.Value.StringFixed(minor[a.Currency.Code()]))
	}
	return out
}

// stats is the model's reading of docs/RULES.md "Stats", computed its own way.
func (m *commerceMachine) stats(cust int, now time.Time) statsView {
	net, gross, mrr := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	var v statsView
	for _, o := range m.orders {
		if o.cust != cust || (o.status != orders.Completed && o.status != orders.Refunded && o.status != orders.Chargeback) {
			continue
		}
		v.payments++
		back := o.refunded
		if o.refunded.IsPositive() {
			v.refunds++
		}
		if o.status == orders.Chargeback {
			v.chargebacks++
			back = o.total
		}
		gross[o.cur] = gross[o.cur].Add(o.total)
		net[o.cur] = net[o.cur].Add(o.total).Sub(o.fees).Sub(o.dispute).Sub(back)
	}
	hoursPerMonth := decimal.NewFromInt(365 * 24).Div(decimal.NewFromInt(12)) // 730
	for _, s := range m.subs {
		if s.cust != cust || s.effective(now) != subscriptions.Active {
			continue
		}
		v.active++
		var monthly decimal.Decimal
		n := decimal.NewFromInt(int64(s.period.Count))
		switch s.period.Unit {
		case period.Month:
			monthly = s.amount.DivRound(n, 20)
		case period.Year:
			monthly = s.amount.DivRound(n.Mul(decimal.NewFromInt(12)), 20)
		case period.Day:
			monthly = s.amount.Mul(hoursPerMonth).DivRound(n.Mul(decimal.NewFromInt(24)), 20)
		case period.Week:
			monthly = s.amount.Mul(hoursPerMonth).DivRound(n.Mul(decimal.NewFromInt(7*24)), 20)
		}
		if s.trial {
			monthly = decimal.Zero
		}
		mrr[s.cur] = mrr[s.cur].Add(monthly)
	}
	view := func(sums map[string]decimal.Decimal) []string {
		out := []string{}
		for _, cur := range []string{"EUR", "JPY", "USD"} { // sorted by code
			if d, ok := sums[cur]; ok {
				out = append(out, cur+" "+d.Round(minor[cur]).StringFixed(minor[cur]))
			}
		}
		return out
	}
	v.net, v.gross, v.mrr = view(net), view(gross), view(mrr)
	return v
}

func TestCommerceStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newCommerceMachine(t, memory.New())
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestCommerceStateMachinePostgres runs the same machine on PostgreSQL,
// each iteration on emptied tables (sweeps and stats see the whole store).
// Every step is a few round trips, so it runs fewer iterations than the
// memory one unless -rapid.checks says otherwise.
func TestCommerceStateMachinePostgres(t *testing.T) {
	backend := pgtest.NewBackend(t)
	playerbase.FewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		pgtest.Truncate(t, backend)
		m := newCommerceMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestCommerceStateMachineSQLite runs the same machine on a SQLite file (WAL,
// the writer and the readers on separate connections), each iteration on
// emptied tables, fewer iterations unless -rapid.checks says otherwise.
func TestCommerceStateMachineSQLite(t *testing.T) {
	backend := sqlitetest.NewBackend(t)
	playerbase.FewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		sqlitetest.Truncate(t, backend)
		m := newCommerceMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// BenchmarkCustomerStats reads the stats of a customer with 10 000 orders
// and 100 subscriptions. The baseline sums the same order amounts in a
// plain loop: the memory backend keeps a running summary, so the stats do
// not grow with the orders.
func BenchmarkCustomerStats(b *testing.B) {
	ctx := context.Background()
	pb, _, cust := comSetup(b)
	var totals, fees []decimal.Decimal
	for i := range 10_000 {
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if err != nil {
			b.Fatal(err)
		}
		if i%10 == 9 {
			continue // left unpaid
		}
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pay_", i), Fees: eur("0.79")}); err != nil {
			b.Fatal(err)
		}
		totals, fees = append(totals, o.Total.Value), append(fees, decimal.RequireFromString("0.79"))
	}
	for range 100 {
		s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: period.Period{Count: 30, Unit: period.Day}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("CustomerStats", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := pb.CustomerStats(ctx, cust.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-loop", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var net decimal.Decimal
			for i := range totals {
				net = net.Add(totals[i]).Sub(fees[i])
			}
			_ = net.Round(2)
		}
	})
}
