package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// OrderParams describes a checkout.
type OrderParams struct {
	Lines []orders.Line
	// PaymentRef is the payment provider's reference if it is known at
	// checkout; it may instead come with the completion.
	PaymentRef string
	IP         string // the buyer's IP address, if known
	Email      string // the buyer's email, if known
}

// CreateOrder checks a customer out. In one transaction it records the
// checkout IP and email on the customer, refuses a banned customer (an
// error matching ErrForbidden that carries the ban IDs, see
// bans.BannedError) and stores the order as created. The total is computed
// from the lines.
func (c *Client) CreateOrder(ctx context.Context, id customer.ID, p OrderParams) (orders.Order, error) {
	ip, email, err := parseCheckoutContact(p.IP, p.Email)
	if err != nil {
		return orders.Order{}, err
	}
	now := c.clock()
	o, err := orders.New(orders.Params{Customer: id, Lines: p.Lines, PaymentRef: p.PaymentRef, CheckoutIP: ip, CheckoutEmail: email}, now)
	if err != nil {
		return orders.Order{}, err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err := recordCheckout(ctx, tx, id, ip, email, now)
		if err != nil {
			return err
		}
		if err := checkNotBanned(ctx, tx, cust, now); err != nil {
			return err
		}
		return tx.Orders().Create(ctx, o)
	})
	if err != nil {
		return orders.Order{}, err
	}
	return o, nil
}

// CompleteParams names a paid order, as a payment webhook reports it.
type CompleteParams struct {
	// OrderID names the order; "" finds it by PaymentRef.
	OrderID    orders.ID
	PaymentRef string
	Fees       money.Amount // the processor's fees; the zero Amount for none
}

// CompleteOrder records an order's payment. It is idempotent: a retried
// webhook with the same payment reference returns the order as it is and
// has no further effect. Another reference for a completed order is a
// conflict.
func (c *Client) CompleteOrder(ctx context.Context, p CompleteParams) (o orders.Order, err error) {
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

// completeOrder is the one place an order becomes paid. changed is false
// for a retried webhook, so whatever completion triggers (granting the
// items) happens once.
func completeOrder(ctx context.Context, tx storage.Tx, p CompleteParams, now time.Time) (o orders.Order, changed bool, err error) {
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
	if next, err = saveOrder(ctx, tx, next); err != nil {
		return orders.Order{}, false, err
	}
	return next, true, nil
}

// saveOrder stores a changed order and returns it with its new version.
func saveOrder(ctx context.Context, tx storage.Tx, o orders.Order) (orders.Order, error) {
	if err := tx.Orders().Update(ctx, o); err != nil {
		return orders.Order{}, err
	}
	o.Version++
	return o, nil
}

// RefundOrder gives amount of a completed order back. Refunding what is
// left (see orders.Order.Refundable) makes the order refunded; less keeps
// it completed. More than what is left is refused.
func (c *Client) RefundOrder(ctx context.Context, id orders.ID, amount money.Amount) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		o, err = refundOrder(ctx, tx, id, amount, now)
		return err
	})
	return o, err
}

func refundOrder(ctx context.Context, tx storage.Tx, id orders.ID, amount money.Amount, now time.Time) (orders.Order, error) {
	o, err := tx.Orders().Get(ctx, id)
	if err != nil {
		return orders.Order{}, err
	}
	if o, err = o.Refund(amount, now); err != nil {
		return orders.Order{}, err
	}
	return saveOrder(ctx, tx, o)
}

// ChargebackOrder records that the customer's bank reversed a completed
// order's payment, charging the store disputeFee (the zero Amount for
// none).
func (c *Client) ChargebackOrder(ctx context.Context, id orders.ID, disputeFee money.Amount) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		o, err = chargebackOrder(ctx, tx, id, disputeFee, now)
		return err
	})
	return o, err
}

func chargebackOrder(ctx context.Context, tx storage.Tx, id orders.ID, disputeFee money.Amount, now time.Time) (orders.Order, error) {
	o, err := tx.Orders().Get(ctx, id)
	if err != nil {
		return orders.Order{}, err
	}
	if o, err = o.Chargeback(disputeFee, now); err != nil {
		return orders.Order{}, err
	}
	return saveOrder(ctx, tx, o)
}

// CancelOrder abandons an unpaid order.
func (c *Client) CancelOrder(ctx context.Context, id orders.ID) (o orders.Order, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		if o, err = tx.Orders().Get(ctx, id); err != nil {
			return err
		}
		if o, err = o.Cancel(now); err != nil {
			return err
		}
		o, err = saveOrder(ctx, tx, o)
		return err
	})
	return o, err
}

// Order returns one order.
func (c *Client) Order(ctx context.Context, id orders.ID) (o orders.Order, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		o, err = tx.Orders().Get(ctx, id)
		return err
	})
	return o, err
}

// OrdersParams select a page of a customer's orders.
type OrdersParams struct {
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
	Orders     []orders.Order
	NextCursor orders.ID
}

// Orders lists a customer's orders newest first, a page at a time.
func (c *Client) Orders(ctx context.Context, id customer.ID, p OrdersParams) (OrderPage, error) {
	for _, s := range p.Statuses {
		if _, err := orders.ParseStatus(string(s)); err != nil {
			return OrderPage{}, err
		}
	}
	if p.Cursor != "" {
		if _, err := orders.ParseID(string(p.Cursor)); err != nil {
			return OrderPage{}, err
		}
	}
	want := pageSize(p.Limit, DefaultOrderPage, MaxOrderPage)
	var page OrderPage
	err := c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		// One more than a page tells whether a next page exists.
		list, err := tx.Orders().List(ctx, orders.ListParams{Customer: id, Statuses: p.Statuses, Cursor: p.Cursor, Limit: want + 1})
		if err != nil {
			return err
		}
		if len(list) > want {
			list = list[:want]
			page.NextCursor = list[want-1].ID
		}
		page.Orders = list
		return nil
	})
	return page, err
}

// pageSize applies a list's default and maximum page size to a requested
// limit.
func pageSize(limit, def, max int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, max)
}
