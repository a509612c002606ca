package admin

import (
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// OrderView is an order's page.
type OrderView struct {
	Page
	ID, Customer, Status, Currency string
	Lines                          []LineRow
	Total, Fees, DisputeFee        string
	Refunded, Refundable, Net      string
	PaymentRef, CheckoutIP, Email  string
	Created, Completed             Stamp
	RefundedAt, ChargebackAt       Stamp
	Canceled                       Stamp
	Refunds                        []RefundRow
	Granted                        []string
	CanRefund, CanChargeback       bool
	Form                           *Form
	// Action names the form Form belongs to: "refund" or "chargeback".
	Action string
}

// LineRow is one line of an order.
type LineRow struct {
	Product, UnitPrice, Amount string
	Quantity                   int
	Overridden                 bool
}

// RefundRow is one refund of an order.
type RefundRow struct {
	Ref, Amount string
	At          Stamp
}

func (h *handler) orderView(r *http.Request, o orders.Order, f *Form, action string) (OrderView, error) {
	ps, err := h.products(r.Context())
	if err != nil {
		return OrderView{}, err
	}
	v := OrderView{
		Page: h.page(r, "Order "+string(o.ID)), ID: string(o.ID), Customer: string(o.Customer), Status: string(o.Status),
		Currency: o.Currency().Code(), Total: amount(o.Total), Fees: amount(o.Fees), DisputeFee: amount(o.DisputeFee),
		Refunded: amount(o.Refunded), Refundable: amount(o.Refundable()), Net: netOf(o),
		PaymentRef: o.PaymentRef, Email: o.CheckoutEmail,
		Created: stamp(o.CreatedAt), Completed: stampPtr(o.CompletedAt), RefundedAt: stampPtr(o.RefundedAt),
		ChargebackAt: stampPtr(o.ChargebackAt), Canceled: stampPtr(o.CanceledAt),
		Granted: strs(o.Granted), CanRefund: o.Status == orders.Completed, CanChargeback: o.Status == orders.Completed,
		Form: f, Action: action,
	}
	if o.CheckoutIP.IsValid() {
		v.CheckoutIP = o.CheckoutIP.String()
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, LineRow{
			Product: productName(ps, l.ProductID), Quantity: l.Quantity, UnitPrice: amount(l.UnitPrice),
			Amount: l.UnitPrice.Mul(decimal.NewFromInt(int64(l.Quantity))).String(), Overridden: l.PriceOverridden,
		})
	}
	for _, rf := range o.Refunds {
		v.Refunds = append(v.Refunds, RefundRow{Ref: rf.Ref, Amount: amount(rf.Amount), At: stamp(rf.At)})
	}
	return v, nil
}

func (h *handler) order(w http.ResponseWriter, r *http.Request) (orders.Order, bool) {
	id, err := orders.ParseID(r.PathValue("id"))
	if err == nil {
		var o orders.Order
		if o, err = h.pb.OrderGet(r.Context(), id); err == nil {
			return o, true
		}
	}
	h.failErr(w, r, err)
	return orders.Order{}, false
}

func (h *handler) orderPage(w http.ResponseWriter, r *http.Request) {
	o, ok := h.order(w, r)
	if !ok {
		return
	}
	v, err := h.orderView(r, o, nil, "")
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "order.html", v)
}

func (h *handler) orderAction(w http.ResponseWriter, r *http.Request, action, field, done string, do func(orders.Order, money.Amount) error) {
	o, ok := h.order(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	a, err := money.Parse(f.V(field), o.Currency().Code())
	if err == nil {
		err = do(o, a)
	}
	if err == nil {
		h.redirect(w, r, "/orders/"+string(o.ID), done)
		return
	}
	status := f.refuse(err, func(string) string { return field })
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	if cur, gerr := h.pb.OrderGet(r.Context(), o.ID); gerr == nil {
		o = cur
	}
	v, verr := h.orderView(r, o, f, action)
	if verr != nil {
		h.failErr(w, r, verr)
		return
	}
	h.render(w, status, "order.html", v)
}

func (h *handler) refund(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "refund", "amount", "refunded", func(o orders.Order, a money.Amount) error {
		_, err := h.pb.OrderRefund(r.Context(), o.ID, playerbase.OrderRefundParams{Amount: a})
		return err
	})
}

func (h *handler) chargeback(w http.ResponseWriter, r *http.Request) {
	h.orderAction(w, r, "chargeback", "dispute_fee", "chargeback", func(o orders.Order, a money.Amount) error {
		_, err := h.pb.OrderChargeback(r.Context(), o.ID, playerbase.OrderChargebackParams{DisputeFee: a})
		return err
	})
}

// SubscriptionView is a subscription's page.
type SubscriptionView struct {
	Page
	ID, Customer, Product, Status, Amount, Period string
	Trial, AtPeriodEnd, CanCancel                 bool
	Periods                                       int
	Created, Activated, PeriodEnd, Canceled       Stamp
	Message                                       string
}

func (h *handler) subscriptionView(r *http.Request, s subscriptions.Subscription) (SubscriptionView, error) {
	ps, err := h.products(r.Context())
	if err != nil {
		return SubscriptionView{}, err
	}
	return SubscriptionView{
		Page: h.page(r, "Subscription "+string(s.ID)), ID: string(s.ID), Customer: string(s.Customer),
		Product: productName(ps, s.ProductID), Status: string(s.Status), Amount: amount(s.Amount), Period: s.Period.String(),
		Trial: s.Trial, AtPeriodEnd: s.CancelAtPeriodEnd, Periods: s.Periods,
		CanCancel: s.Status != subscriptions.Canceled,
		Created:   stamp(s.CreatedAt), Activated: stampPtr(s.ActivatedAt), PeriodEnd: stampPtr(s.CurrentPeriodEnd),
		Canceled: stampPtr(s.CanceledAt),
	}, nil
}

func (h *handler) subscription(w http.ResponseWriter, r *http.Request) (subscriptions.Subscription, bool) {
	id, err := subscriptions.ParseID(r.PathValue("id"))
	if err == nil {
		var s subscriptions.Subscription
		if s, err = h.pb.SubscriptionGet(r.Context(), id); err == nil {
			return s, true
		}
	}
	h.failErr(w, r, err)
	return subscriptions.Subscription{}, false
}

func (h *handler) subscriptionPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.subscription(w, r)
	if !ok {
		return
	}
	v, err := h.subscriptionView(r, s)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "subscription.html", v)
}

func (h *handler) subscriptionCancel(w http.ResponseWriter, r *http.Request) {
	s, ok := h.subscription(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	atEnd, _ := strconv.ParseBool(f.V("at_period_end"))
	_, err := h.pb.SubscriptionCancel(r.Context(), s.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: atEnd})
	if err == nil {
		h.redirect(w, r, "/subscriptions/"+string(s.ID), "sub-cancel")
		return
	}
	if f.refuse(err, only()) == 0 {
		h.failErr(w, r, err)
		return
	}
	if cur, gerr := h.pb.SubscriptionGet(r.Context(), s.ID); gerr == nil {
		s = cur
	}
	v, verr := h.subscriptionView(r, s)
	if verr != nil {
		h.failErr(w, r, verr)
		return
	}
	v.Message = f.Message
	h.render(w, http.StatusConflict, "subscription.html", v)
}
