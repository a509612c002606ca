package playerbase

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// OrderCreateParams describes a checkout.
type OrderCreateParams struct {
	// Currency is the order's currency: every line is charged its
	// product's price in it.
	Currency money.Currency
	// Lines name what is bought.
	Lines []OrderLineParams
	// PaymentRef is the payment provider's reference if it is known at
	// checkout; it may instead come with the completion.
	PaymentRef string
	IP         string // the buyer's IP address, if known
	Email      string // the buyer's email, if known
}

// OrderLineParams is one line of a checkout. It carries no price: the line
// is charged its product's catalog price (inventory.Product.Prices) in the
// order's currency, so a price a browser sends has nothing to change.
type OrderLineParams struct {
	// ProductID is the ID of a stored inventory product (prd_…), whose
	// items the order grants when it is paid, Quantity times.
	ProductID inventory.ProductID
	Quantity  int
	// PriceOverride, if set, is charged for one unit instead of the
	// catalog price: the host pricing the line itself (a sale, a coupon),
	// in the order's currency. The stored line records it
	// (orders.Line.PriceOverridden). The host sets it from its own rules,
	// never from what a request carries.
	PriceOverride *money.Amount
}

// OrderCreate checks a customer out. In one transaction it records the
// checkout IP and email on the customer, refuses a banned customer (an
// error matching ErrForbidden that carries the ban IDs, see
// bans.BannedError), prices every line from the catalog and stores the
// order as created. A line that names no stored product is an
// *errs.InvalidError whose Field names the line ("lines[1].product_id");
// one whose product has no price in the order's currency, overridden or
// not, is an *inventory.NoPriceError (matching ErrInvalid) naming it the
// same way. The total is computed from the lines. A refused checkout
// stores nothing.
func (c *Client) OrderCreate(ctx context.Context, id customer.ID, p OrderCreateParams) (o orders.Order, err error) {
	ip, email, err := parseCheckoutContact(p.IP, p.Email)
	if err != nil {
		return orders.Order{}, err
	}
	lines, err := checkoutLines(p.Currency, p.Lines)
	if err != nil {
		return orders.Order{}, err
	}
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err := recordCheckout(ctx, tx, id, ip, email, now)
		if err != nil {
			return err
		}
		if err := checkNotBanned(ctx, tx, cust, now); err != nil {
			return err
		}
		priced, err := priceLines(ctx, tx, p.Currency, lines)
		if err != nil {
			return err
		}
		o, err = orders.New(orders.Params{Customer: id, Lines: priced, PaymentRef: p.PaymentRef, CheckoutIP: ip, CheckoutEmail: email}, now)
		if err != nil {
			return err
		}
		if err := tx.Orders().Create(ctx, o); err != nil {
			return err
		}
		return recordOrder(ctx, tx, now, events.OrderCreated, orders.Order{}, o)
	})
	if err != nil {
		return orders.Order{}, err
	}
	return o, nil
}

// lineField names line i's product in errors.
func lineField(i int) string { return "lines[" + strconv.Itoa(i) + "].product_id" }

// checkoutLines returns a copy of lines with each product ID in canonical
// form and each override checked, or an *errs.InvalidError naming the
// first line whose product ID is not a product ID at all or whose override
// is not a price in cur.
func checkoutLines(cur money.Currency, lines []OrderLineParams) ([]OrderLineParams, error) {
	if err := checkCurrency(cur); err != nil {
		return nil, err
	}
	// orders.New refuses this too, but only after pricing, which reads a
	// product per line: refuse before reading any.
	if len(lines) > orders.MaxLines {
		return nil, errs.Invalid("lines", strconv.Itoa(len(lines)), "at most "+strconv.Itoa(orders.MaxLines)+" lines")
	}
	out := make([]OrderLineParams, len(lines))
	for i, l := range lines {
		id, err := inventory.ParseProductID(strings.TrimSpace(string(l.ProductID)))
		if err != nil {
			return nil, errs.Invalid(lineField(i), string(l.ProductID), "want the ID of a product (prd_…)")
		}
		l.ProductID = id
		if l.PriceOverride, err = checkOverride("lines["+strconv.Itoa(i)+"].price_override", l.PriceOverride, cur); err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// priceLines prices checked lines in cur (see priceOf). A line naming a
// product that is not stored is an *errs.InvalidError naming the line: a
// checkout that could never be delivered is bad input, not a missing
// order.
func priceLines(ctx context.Context, tx storage.Tx, cur money.Currency, lines []OrderLineParams) ([]orders.Line, error) {
	products := map[inventory.ProductID]inventory.Product{}
	out := make([]orders.Line, len(lines))
	for i, l := range lines {
		p, ok := products[l.ProductID]
		if !ok {
			var err error
			p, err = tx.Products().Get(ctx, l.ProductID)
			if errors.Is(err, errs.ErrNotFound) {
				return nil, errs.Invalid(lineField(i), string(l.ProductID), "no such product")
			}
			if err != nil {
				return nil, err
			}
			products[l.ProductID] = p
		}
		price, overridden, err := priceOf(p, lineField(i), cur, l.PriceOverride)
		if err != nil {
			return nil, err
		}
		out[i] = orders.Line{ProductID: l.ProductID, Quantity: l.Quantity, UnitPrice: price, PriceOverridden: overridden}
	}
	return out, nil
}

// OrderCompleteParams names a paid order, as a payment webhook reports it.
type OrderCompleteParams struct {
	// OrderID names the order; "" finds it by PaymentRef.
	OrderID    orders.ID
	PaymentRef string
	Fees       money.Amount // the processor's fees; the zero Amount for none
}

// OrderComplete records an order's payment and, in the same transaction,
// delivers it: every line grants its product's item Quantity times,
// through the product's stacking policy (a new item queues the product's
// on_purchase commands, an extended one on_renew), each item's source
// being the order. It is idempotent: a retried webhook with the same
// payment reference returns the order as it is and has no further effect,
// so items are granted once. Another reference for a completed order is a
// conflict.
func (c *Client) OrderComplete(ctx context.Context, p OrderCompleteParams) (o orders.Order, err error) {
	ref, err := orders.CheckPaymentRef(p.PaymentRef)
	if err != nil {
		return orders.Order{}, err
	}
	// Looked up as stored: a retried webhook's reference cleans alike.
	p.PaymentRef = ref
	if p.OrderID == "" && p.PaymentRef == "" {
		return orders.Order{}, errs.Invalid("order_id", "", "name the order or its payment reference")
	}
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		o, _, err = completeOrder(ctx, tx, p, now)
		return err
	})
	return o, err
}

// completeOrder is the one place an order becomes paid, and is delivered:
// changed is false for a retried webhook, which grants nothing.
func completeOrder(ctx context.Context, tx storage.Tx, p OrderCompleteParams, now time.Time) (o orders.Order, changed bool, err error) {
	if p.OrderID != "" {
		o, err = tx.Orders().Get(ctx, p.OrderID)
	} else {
		o, err = tx.Orders().GetByPaymentRef(ctx, p.PaymentRef)
	}
	if err != nil {
		return orders.Order{}, false, err
	}
	next, changed, err := o.Complete(p.PaymentRef, p.Fees, now)
	if err != nil || !changed {
		return next, false, err
	}
	if next.Granted, err = grantOrder(ctx, tx, next, now); err != nil {
		return orders.Order{}, false, err
	}
	if next, err = saveOrder(ctx, tx, next); err != nil {
		return orders.Order{}, false, err
	}
	return next, true, recordOrder(ctx, tx, now, events.OrderCompleted, o, next)
}

// grantOrder delivers a paid order's lines, line by line and Quantity
// times each, so stacking sees every earlier grant of the order, and
// returns the IDs of the items it granted or extended, once each.
func grantOrder(ctx context.Context, tx storage.Tx, o orders.Order, now time.Time) ([]inventory.ItemID, error) {
	cust, err := tx.Customers().Get(ctx, o.Customer)
	if err != nil {
		return nil, err
	}
	src := inventory.Source{Kind: inventory.FromOrder, OrderID: string(o.ID)}
	var granted []inventory.ItemID
	seen := map[inventory.ItemID]bool{}
	stacks := map[inventory.ProductID]*stack{}
	for i, l := range o.Lines {
		p, err := tx.Products().Get(ctx, l.ProductID)
		if errors.Is(err, errs.ErrNotFound) {
			// Checkout refuses such a line; an order stored past the Client
			// cannot be delivered, and recording its payment without its
			// items would hide that.
			return nil, errs.Invalid(lineField(i), string(l.ProductID), "no such product: the order cannot be delivered")
		}
		if err != nil {
			return nil, err
		}
		st := stacks[p.ID]
		if st == nil {
			st = &stack{}
			stacks[p.ID] = st
		}
		for range l.Quantity {
			it, err := st.grant(ctx, tx, cust, p, src, nil, nil, now)
			if err != nil {
				return nil, err
			}
			if !seen[it.ID] {
				seen[it.ID] = true
				granted = append(granted, it.ID)
			}
		}
	}
	return granted, nil
}

// recordOrder appends an order's event; a zero before is an order created.
func recordOrder(ctx context.Context, tx storage.Tx, now time.Time, typ events.Type, before, after orders.Order) error {
	var was any
	if before.ID != "" {
		was = before
	}
	return record(ctx, tx, now, typ, after.Customer, string(after.ID), was, after)
}

// saveOrder stores a changed order and returns it with its new version.
func saveOrder(ctx context.Context, tx storage.Tx, o orders.Order) (orders.Order, error) {
	if err := tx.Orders().Update(ctx, o); err != nil {
		return orders.Order{}, err
	}
	o.Version++
	return o, nil
}

// ReversalPolicy is the store's policy for the items of an order whose
// payment is reversed. The zero value is the default: a full refund and a
// chargeback revoke the order's items, a partial refund leaves them alone.
//
// What happens to the order's items, every item its payment granted or
// extended (orders.Order.Granted):
//   - A full refund (the order becomes refunded) queues each item's
//     on_refund commands, then revokes the item unless KeepOnRefund.
//   - A chargeback queues each item's on_chargeback commands, then revokes
//     the item unless KeepOnChargeback.
//   - A partial refund (the order stays completed) is a price adjustment:
//     no commands, no revocation, unless PartialRefunds, which makes it act
//     as a full refund does.
//
// Revoking follows the one rule of ItemRevoke (inventory.Revoke), and
// queues the on_expire commands as ItemRevoke does. An item the rule
// refuses (already expired, already revoked, or permanent with no
// on-expiry action: revoking it would change nothing in game) is kept as
// it is and the refund or chargeback still succeeds; its stage commands
// are queued all the same. The revoke reason is "refund of ord_…" or
// "chargeback of ord_…", by actor "payment:refund" or "payment:chargeback".
//
// A retried refund webhook (OrderRefund with a reference the order has
// recorded) acts on nothing: its commands were queued and its revocations
// made the first time.
//
// An item the order only extended (stacking on an item an earlier order or
// an assignment granted) is one of its items too, and is revoked whole:
// stacking merged the purchases into one item, and leaving it active would
// keep the reversed purchase's time in game.
type ReversalPolicy struct {
	KeepOnRefund     bool // a full refund keeps the items (commands still run)
	KeepOnChargeback bool // a chargeback keeps the items (commands still run)
	PartialRefunds   bool // a partial refund acts on the items as a full one
}

// Actors of the revocations a reversal makes.
const (
	ActorRefund     = "payment:refund"
	ActorChargeback = "payment:chargeback"
)

// OrderRefundParams describe a refund.
type OrderRefundParams struct {
	// Amount is what goes back: at most what is left to refund (see
	// orders.Order.Refundable).
	Amount money.Amount
	// Reference is the payment provider's refund reference, from its
	// refund webhook; "" for a refund made by hand, which counts every time
	// it is made.
	Reference string
}

// OrderRefund gives p.Amount of a completed order back. Refunding what is
// left makes the order refunded; less keeps it completed; more is refused.
// With a Reference it is idempotent: a retried webhook (a reference the
// order has recorded, see orders.Order.Refunds) with the same amount
// returns the order as it is and has no further effect, so money is
// refunded and items are reversed once; the same reference with another
// amount is an *orders.RefundRefError, matching ErrConflict. References
// are unique per order only. In the same transaction the order's items
// get what Config.Reversals says (by default a full refund queues their
// on_refund commands and revokes them).
func (c *Client) OrderRefund(ctx context.Context, id orders.ID, p OrderRefundParams) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		o, err = refundOrder(ctx, tx, id, p.Reference, p.Amount, c.reversals, now)
		return err
	})
	return o, err
}

func refundOrder(ctx context.Context, tx storage.Tx, id orders.ID, ref string, amount money.Amount, policy ReversalPolicy, now time.Time) (orders.Order, error) {
	was, err := tx.Orders().Get(ctx, id)
	if err != nil {
		return orders.Order{}, err
	}
	o, changed, err := was.RefundRef(ref, amount, now)
	if err != nil {
		return orders.Order{}, err
	}
	if !changed {
		return o, nil // a retried webhook: its refund was made and reversed once
	}
	if o, err = saveOrder(ctx, tx, o); err != nil {
		return orders.Order{}, err
	}
	if err := recordOrder(ctx, tx, now, events.OrderRefunded, was, o); err != nil {
		return orders.Order{}, err
	}
	if o.Status != orders.Refunded && !policy.PartialRefunds {
		return o, nil
	}
	err = reverseItems(ctx, tx, o, inventory.OnRefund, !policy.KeepOnRefund, "refund of "+string(o.ID), ActorRefund, now)
	return o, err
}

// OrderChargebackParams describe a payment dispute the store lost.
type OrderChargebackParams struct {
	// DisputeFee is what the processor charged the store for the dispute;
	// the zero Amount for none.
	DisputeFee money.Amount
}

// OrderChargeback records that the customer's bank reversed a completed
// order's payment, charging the store p.DisputeFee. In the same transaction the order's items get what
// Config.Reversals says (by default their on_chargeback commands are
// queued and they are revoked). A retried dispute webhook (same fee)
// returns the order as it is and reverses nothing again.
func (c *Client) OrderChargeback(ctx context.Context, id orders.ID, p OrderChargebackParams) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		o, err = chargebackOrder(ctx, tx, id, p.DisputeFee, c.reversals, now)
		return err
	})
	return o, err
}

func chargebackOrder(ctx context.Context, tx storage.Tx, id orders.ID, disputeFee money.Amount, policy ReversalPolicy, now time.Time) (orders.Order, error) {
	was, err := tx.Orders().Get(ctx, id)
	if err != nil {
		return orders.Order{}, err
	}
	o, changed, err := was.Chargeback(disputeFee, now)
	if err != nil || !changed {
		return o, err // a retried dispute webhook: no second reversal
	}
	if o, err = saveOrder(ctx, tx, o); err != nil {
		return orders.Order{}, err
	}
	if err := recordOrder(ctx, tx, now, events.OrderChargedBack, was, o); err != nil {
		return orders.Order{}, err
	}
	err = reverseItems(ctx, tx, o, inventory.OnChargeback, !policy.KeepOnChargeback, "chargeback of "+string(o.ID), ActorChargeback, now)
	return o, err
}

// reverseItems queues stage's commands for every item the order granted or
// extended and, if revoke, revokes each item the revoke rule allows; one
// it refuses is kept (see ReversalPolicy).
func reverseItems(ctx context.Context, tx storage.Tx, o orders.Order, stage inventory.Stage, revoke bool, reason, actor string, now time.Time) error {
	vars := inventory.Vars{inventory.VarOrderID: string(o.ID)}
	for _, id := range o.Granted {
		it, err := tx.Items().Get(ctx, inventory.ItemID(id))
		if err != nil {
			return err
		}
		if _, err := queueStage(ctx, tx, it, stage, vars, now); err != nil {
			return err
		}
		if !revoke {
			continue
		}
		_, err = revokeItem(ctx, tx, it.ID, reason, actor, now)
		var refused *inventory.RevokeError
		if err != nil && !errors.As(err, &refused) {
			return err
		}
	}
	return nil
}

// OrderCancel abandons an unpaid order.
func (c *Client) OrderCancel(ctx context.Context, id orders.ID) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		was, err := tx.Orders().Get(ctx, id)
		if err != nil {
			return err
		}
		if o, err = was.Cancel(now); err != nil {
			return err
		}
		if o, err = saveOrder(ctx, tx, o); err != nil {
			return err
		}
		return recordOrder(ctx, tx, now, events.OrderCanceled, was, o)
	})
	return o, err
}

// Order returns one order.
func (c *Client) OrderGet(ctx context.Context, id orders.ID) (o orders.Order, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		o, err = tx.Orders().Get(ctx, id)
		return err
	})
	return o, err
}

// OrderListParams select a page of a customer's orders.
type OrderListParams struct {
	Statuses []orders.Status // keep only these; empty keeps all
	Cursor   orders.ID       // the NextCursor of the previous page
	Limit    int             // ≤ 0: DefaultOrderPage; at most MaxOrderPage
}

// Page sizes for Orders.
const (
	DefaultOrderPage = 50
	MaxOrderPage     = 500
)

// OrderPage is one page of orders, newest first. NextCursor is "" on the
// last page.
type OrderPage struct {
	Orders     []orders.Order `json:"orders"`
	NextCursor orders.ID      `json:"next_cursor"`
}

// Orders lists a customer's orders newest first, a page at a time.
func (c *Client) OrderList(ctx context.Context, id customer.ID, p OrderListParams) (page OrderPage, err error) {
	if err := p.check(); err != nil {
		return OrderPage{}, err
	}
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		page, err = ordersPage(ctx, tx, id, p)
		return err
	})
	return page, err
}

func (p OrderListParams) check() error {
	for _, s := range p.Statuses {
		if _, err := orders.ParseStatus(string(s)); err != nil {
			return err
		}
	}
	if p.Cursor != "" {
		if _, err := orders.ParseID(string(p.Cursor)); err != nil {
			return err
		}
	}
	return nil
}

// ordersPage reads one page of a customer's orders in tx (Orders and
// CustomerDetails); p has passed check.
func ordersPage(ctx context.Context, tx storage.Tx, id customer.ID, p OrderListParams) (OrderPage, error) {
	want := pageSize(p.Limit, DefaultOrderPage, MaxOrderPage)
	list, err := tx.Orders().List(ctx, orders.ListParams{Customer: id, Statuses: p.Statuses, Cursor: p.Cursor, Limit: want + 1})
	if err != nil {
		return OrderPage{}, err
	}
	var page OrderPage
	page.Orders, page.NextCursor = cutPage(list, want, func(o orders.Order) orders.ID { return o.ID })
	return page, nil
}
