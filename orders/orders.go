package orders

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
)

// ID identifies an order: "ord_" + a ULID.
type ID string

// NewID returns a new order ID stamped with now.
func NewID(now time.Time) ID { return ID(ids.New("ord", now)) }

// ParseID checks a pasted order ID.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("ord", "order_id", s)
	return ID(id), err
}

// Status is where an order is in its life.
type Status string

// PayNow's order statuses.
const (
	Created    Status = "created"    // checked out, not paid yet
	Completed  Status = "completed"  // paid (possibly partly refunded)
	Refunded   Status = "refunded"   // paid, then refunded in full
	Chargeback Status = "chargeback" // paid, then reversed by the customer's bank
	Canceled   Status = "canceled"   // never paid
)

// Statuses lists every status, for tests and UIs.
var Statuses = []Status{Created, Completed, Refunded, Chargeback, Canceled}

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", errs.Invalid("status", s, "want created, completed, refunded, chargeback or canceled")
}

// Paid reports whether an order in this status was paid: it reached
// completed, whatever happened after.
func (s Status) Paid() bool { return s == Completed || s == Refunded || s == Chargeback }

// Event names a transition, for TransitionError.
type Event string

// The transitions an order knows.
const (
	EventComplete   Event = "complete"
	EventRefund     Event = "refund"
	EventChargeback Event = "chargeback"
	EventCancel     Event = "cancel"
)

// TransitionError is returned for a move the status machine does not allow.
// It matches errs.ErrConflict: the request collides with the order's state.
type TransitionError struct {
	ID     ID
	From   Status
	Event  Event
	Reason string // optional detail, e.g. "completed with another payment reference"
}

func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("order %s: cannot %s a %s order", e.ID, e.Event, e.From)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is reports errs.ErrConflict.
func (e *TransitionError) Is(target error) bool { return target == errs.ErrConflict }

// RefundRefError is returned for a refund whose reference the order has
// already recorded with another amount: a provider reusing a reference, or
// a typo, that must not silently refund twice or be dropped. It matches
// errs.ErrConflict.
type RefundRefError struct {
	ID        ID
	Ref       string
	Recorded  money.Amount // the amount refunded under Ref
	Requested money.Amount
}

func (e *RefundRefError) Error() string {
	return fmt.Sprintf("order %s: refund %s was for %s, not %s", e.ID, e.Ref, e.Recorded, e.Requested)
}

// Is reports errs.ErrConflict.
func (e *RefundRefError) Is(target error) bool { return target == errs.ErrConflict }

// Line is one product on an order, as it was charged.
type Line struct {
	// ProductID names what was bought. The root Client requires the ID of
	// a stored inventory product (prd_…); this package only checks its
	// length.
	ProductID inventory.ProductID `json:"product_id"`
	Quantity  int                 `json:"quantity"`
	// UnitPrice is what one unit was charged: the product's catalog price
	// in the order's currency at checkout, unless PriceOverridden.
	UnitPrice money.Amount `json:"unit_price"`
	// PriceOverridden records that the host set UnitPrice itself (a sale,
	// a coupon) instead of taking the catalog price.
	PriceOverridden bool `json:"price_overridden"`
}

// Refund is one refund of an order, as recorded on it.
type Refund struct {
	// Ref is the payment provider's refund reference, unique per order;
	// "" for a refund made without one (by hand), which is never matched.
	Ref    string       `json:"ref"`
	Amount money.Amount `json:"amount"` // in the order's currency
	At     time.Time    `json:"refunded_at"`
}

// Order is a purchase as the Customer Details Page lists it.
type Order struct {
	ID       ID          `json:"id"`
	Customer customer.ID `json:"customer_id"`
	Lines    []Line      `json:"lines"`
	// Total is Σ quantity × unit price, rounded once; it carries the
	// order's currency. Fees, Refunded and DisputeFee share it.
	Total      money.Amount `json:"total"`
	Fees       money.Amount `json:"fees"`        // the payment processor's fees, set on completion
	Refunded   money.Amount `json:"refunded"`    // refunded so far (partial refunds add up)
	DisputeFee money.Amount `json:"dispute_fee"` // charged by the bank on a chargeback
	Status     Status       `json:"status"`
	// PaymentRef is the payment provider's reference, unique per store once
	// set (at checkout or on completion).
	PaymentRef    string     `json:"payment_ref"`
	CheckoutIP    netip.Addr `json:"checkout_ip"`    // zero if unknown
	CheckoutEmail string     `json:"checkout_email"` // normalised; "" if unknown
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CompletedAt   *time.Time `json:"completed_at,omitzero"`
	RefundedAt    *time.Time `json:"refunded_at,omitzero"` // the latest refund, partial or full
	ChargebackAt  *time.Time `json:"chargeback_at,omitzero"`
	CanceledAt    *time.Time `json:"canceled_at,omitzero"`
	// Granted lists the inventory items (inv_… IDs) the order's payment
	// granted or extended, once each, in grant order: what a refund or a
	// chargeback acts on. The workflow that completes the order sets it.
	Granted []inventory.ItemID `json:"granted_item_ids"`
	// Refunds lists the refunds in the order they were made; their amounts
	// add up to Refunded (for orders stored before refunds were listed,
	// the list may be short).
	Refunds []Refund `json:"refunds"`
	// Version counts stored changes; Store.Update refuses a stale one.
	Version int64 `json:"version"`
}

// Currency returns the order's currency.
func (o Order) Currency() money.Currency { return o.Total.Currency }

// Clone returns a copy that shares no memory with o.
func (o Order) Clone() Order {
	o.Lines = append([]Line(nil), o.Lines...)
	o.Granted = append([]inventory.ItemID(nil), o.Granted...)
	o.Refunds = append([]Refund(nil), o.Refunds...)
	o.CompletedAt = cloneTime(o.CompletedAt)
	o.RefundedAt = cloneTime(o.RefundedAt)
	o.ChargebackAt = cloneTime(o.ChargebackAt)
	o.CanceledAt = cloneTime(o.CanceledAt)
	return o
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Limits on what a checkout may send. Paying an order grants an item (or
// extends one) and queues its commands once per unit, all in one
// transaction, so MaxUnits caps the units of an order, its lines'
// quantities added up, and with them how long that transaction runs and
// how many commands one payment queues. A store sells a larger amount as
// a bundle product.
const (
	MaxLines         = 100
	MaxUnits         = 1000
	MaxQuantity      = MaxUnits
	MaxProductIDLen  = 100
	MaxPaymentRefLen = 255 // also the limit of a refund reference
)

// Params describes a new order.
type Params struct {
	Customer      customer.ID
	Lines         []Line
	PaymentRef    string // optional; may instead come with the completion
	CheckoutIP    netip.Addr
	CheckoutEmail string
}

// New checks p and returns a created order stamped with now. The total is
// computed from the lines.
func New(p Params, now time.Time) (Order, error) {
	if p.Customer == "" {
		return Order{}, errs.Invalid("customer_id", "", "missing")
	}
	if len(p.Lines) == 0 {
		return Order{}, errs.Invalid("lines", "", "an order needs at least one line")
	}
	if len(p.Lines) > MaxLines {
		return Order{}, errs.Invalid("lines", strconv.Itoa(len(p.Lines)), fmt.Sprintf("at most %d lines", MaxLines))
	}
	ref, err := CheckPaymentRef(p.PaymentRef)
	if err != nil {
		return Order{}, err
	}
	lines := make([]Line, len(p.Lines))
	cur := p.Lines[0].UnitPrice.Currency
	var sum decimal.Decimal
	units := 0
	for i, l := range p.Lines {
		if l, err = checkLine(i, l); err != nil {
			return Order{}, err
		}
		units += l.Quantity
		if l.UnitPrice.Currency != cur {
			return Order{}, &money.MismatchError{A: cur, B: l.UnitPrice.Currency}
		}
		lines[i] = l
		sum = sum.Add(l.UnitPrice.Value.Mul(decimal.NewFromInt(int64(l.Quantity))))
	}
	if units > MaxUnits {
		return Order{}, errs.Invalid("quantity", strconv.Itoa(units), fmt.Sprintf("at most %d units per order, all lines added up", MaxUnits))
	}
	now = now.UTC()
	o := Order{
		ID:         NewID(now),
		Customer:   p.Customer,
		Lines:      lines,
		Total:      money.Amount{Value: sum, Currency: cur}.Rounded(),
		Fees:       zero(cur),
		Refunded:   zero(cur),
		DisputeFee: zero(cur),
		Status:     Created,
		PaymentRef: ref,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	if p.CheckoutIP.IsValid() {
		o.CheckoutIP = customer.NormalizeIP(p.CheckoutIP)
	}
	o.CheckoutEmail = customer.NormalizeEmail(p.CheckoutEmail)
	return o, nil
}

// checkLine checks line i, naming the line in errors ("lines[1].quantity").
func checkLine(i int, l Line) (Line, error) {
	field := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
	l.ProductID = inventory.ProductID(strings.TrimSpace(string(l.ProductID)))
	if l.ProductID == "" {
		return Line{}, errs.Invalid(field("product_id"), "", "missing")
	}
	if len(l.ProductID) > MaxProductIDLen {
		return Line{}, errs.Invalid(field("product_id"), string(l.ProductID), fmt.Sprintf("at most %d bytes", MaxProductIDLen))
	}
	if l.Quantity < 1 || l.Quantity > MaxQuantity {
		return Line{}, errs.Invalid(field("quantity"), strconv.Itoa(l.Quantity), fmt.Sprintf("want 1 to %d", MaxQuantity))
	}
	if err := l.UnitPrice.CheckPrice(field("unit_price")); err != nil {
		return Line{}, err
	}
	return l, nil
}

// CheckPaymentRef cleans a payment reference and checks it; "" means none.
// A provider's bytes are cleaned, not refused (textin.CleanLine: invalid
// UTF-8 replaced with U+FFFD, control characters dropped, surrounding
// space trimmed, cut to MaxPaymentRefLen bytes), so its webhook is
// recorded and a retry, cleaned the same way, finds the same order; what
// is left must be printable without spaces.
func CheckPaymentRef(ref string) (string, error) { return checkRef("payment_ref", ref) }

// CheckRefundRef checks a refund reference as CheckPaymentRef checks a
// payment reference.
func CheckRefundRef(ref string) (string, error) { return checkRef("refund_ref", ref) }

func checkRef(field, ref string) (string, error) {
	ref = textin.CleanLine(ref, MaxPaymentRefLen)
	for _, r := range ref {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return "", errs.Invalid(field, ref, "must be printable, without spaces")
		}
	}
	return ref, nil
}

func zero(c money.Currency) money.Amount { return money.Amount{Value: decimal.Zero, Currency: c} }

// checkFee checks a fee as input, whatever the order: the zero Amount
// (no fee), or a non-negative amount no finer than its currency's minor
// unit.
func checkFee(field string, a money.Amount) error {
	if a.Currency.IsZero() && a.Value.IsZero() {
		return nil
	}
	return a.CheckPrice(field)
}

// feeIn checks a fee for an order in currency c. The zero Amount means no
// fee, so callers may leave it out.
func feeIn(field string, a money.Amount, c money.Currency) (money.Amount, error) {
	if a.Currency.IsZero() {
		if !a.Value.IsZero() {
			return money.Amount{}, errs.Invalid(field, a.Value.String(), "missing currency")
		}
		return zero(c), nil
	}
	if a.Currency != c {
		return money.Amount{}, &money.MismatchError{A: c, B: a.Currency}
	}
	if err := a.CheckPrice(field); err != nil {
		return money.Amount{}, err
	}
	return a, nil
}

func (o Order) refuse(e Event, reason string) *TransitionError {
	return &TransitionError{ID: o.ID, From: o.Status, Event: e, Reason: reason}
}

// Complete records the payment: created → completed with the payment
// reference and the processor's fees (the zero Amount for none). ref may be
// "" if the order got its reference at checkout.
//
// Completing an order that was already completed (whatever its status now)
// with its own payment reference is a retried webhook: it returns the order
// unchanged with changed == false. Another reference, or none, is a
// *TransitionError, as is completing a canceled order.
func (o Order) Complete(ref string, fees money.Amount, now time.Time) (next Order, changed bool, err error) {
	ref, err = CheckPaymentRef(ref)
	if err != nil {
		return o, false, err
	}
	if err := checkFee("fees", fees); err != nil {
		return o, false, err
	}
	if o.Status.Paid() {
		switch {
		case ref != "" && ref == o.PaymentRef:
			return o, false, nil
		case ref == "":
			return o, false, o.refuse(EventComplete, "already completed; a retry must name its payment reference")
		}
		return o, false, o.refuse(EventComplete, "completed with another payment reference")
	}
	if o.Status != Created {
		return o, false, o.refuse(EventComplete, "")
	}
	if ref != "" && o.PaymentRef != "" && ref != o.PaymentRef {
		return o, false, o.refuse(EventComplete, "the order was checked out with another payment reference")
	}
	if fees, err = feeIn("fees", fees, o.Currency()); err != nil {
		return o, false, err
	}
	// Fields are replaced, none written in place: next shares o's lists
	// (its lines), which the event of the change then finds unchanged at
	// a glance instead of line by line.
	now = now.UTC()
	if ref != "" {
		o.PaymentRef = ref
	}
	o.Fees = fees
	o.Status = Completed
	o.CompletedAt = &now
	o.UpdatedAt = now
	return o, true, nil
}

// Refundable returns what is left to refund: Total − Refunded for a
// completed order, zero otherwise.
func (o Order) Refundable() money.Amount {
	if o.Status != Completed {
		return zero(o.Currency())
	}
	return money.Amount{Value: o.Total.Value.Sub(o.Refunded.Value), Currency: o.Currency()}
}

// Refund gives amount back to the customer, without a refund reference
// (a refund made by hand): see RefundRef.
func (o Order) Refund(amount money.Amount, now time.Time) (Order, error) {
	next, _, err := o.RefundRef("", amount, now)
	return next, err
}

// RefundRef gives amount back to the customer under the payment provider's
// refund reference ref. Only a completed order can be refunded; amount must
// be more than zero and at most Refundable. Refunding the rest makes the
// order refunded; less keeps it completed. The refund is recorded in
// Refunds.
//
// A refund whose ref the order has already recorded is a retried webhook:
// with the same amount it returns the order unchanged with changed ==
// false, whatever the order's status now; with another amount it is a
// *RefundRefError. ref "" (none) is never matched, so every such refund
// counts.
func (o Order) RefundRef(ref string, amount money.Amount, now time.Time) (next Order, changed bool, err error) {
	if ref, err = CheckRefundRef(ref); err != nil {
		return o, false, err
	}
	if err := amount.Check("amount"); err != nil {
		return o, false, err
	}
	if i := o.refundIndex(ref); i >= 0 {
		if rec := o.Refunds[i].Amount; !rec.Equal(amount) {
			return o, false, &RefundRefError{ID: o.ID, Ref: ref, Recorded: rec, Requested: amount}
		}
		return o, false, nil
	}
	if o, err = o.refund(ref, amount, now); err != nil {
		return o, false, err
	}
	return o, true, nil
}

// refundIndex returns the index in Refunds of the refund with reference
// ref, or -1 (always for "").
func (o Order) refundIndex(ref string) int {
	if ref == "" {
		return -1
	}
	for i, r := range o.Refunds {
		if r.Ref == ref {
			return i
		}
	}
	return -1
}

func (o Order) refund(ref string, amount money.Amount, now time.Time) (Order, error) {
	if o.Status != Completed {
		return o, o.refuse(EventRefund, "")
	}
	if amount.Currency != o.Currency() {
		return o, &money.MismatchError{A: o.Currency(), B: amount.Currency}
	}
	if !amount.Value.IsPositive() {
		return o, errs.Invalid("amount", amount.String(), "must be more than zero")
	}
	left := o.Refundable()
	if amount.Value.GreaterThan(left.Value) {
		return o, errs.Invalid("amount", amount.String(), "more than the "+left.String()+" left to refund")
	}
	o = o.Clone()
	now = now.UTC()
	o.Refunded = money.Amount{Value: o.Refunded.Value.Add(amount.Value), Currency: o.Currency()}
	o.Refunds = append(o.Refunds, Refund{Ref: ref, Amount: amount, At: now})
	if o.Refunded.Value.Equal(o.Total.Value) {
		o.Status = Refunded
	}
	o.RefundedAt = &now
	o.UpdatedAt = now
	return o, nil
}

// Chargeback records that the customer's bank reversed the payment of a
// completed (possibly partly refunded) order, with the bank's dispute fee
// (the zero Amount for none). Like Complete it is idempotent, for retried
// dispute webhooks: on an order already charged back with the same
// dispute fee it returns the order unchanged with changed false; another
// fee is a *TransitionError.
func (o Order) Chargeback(disputeFee money.Amount, now time.Time) (_ Order, changed bool, err error) {
	if err := checkFee("dispute_fee", disputeFee); err != nil {
		return o, false, err
	}
	if o.Status != Completed && o.Status != Chargeback {
		return o, false, o.refuse(EventChargeback, "")
	}
	fee, err := feeIn("dispute_fee", disputeFee, o.Currency())
	if err != nil {
		return o, false, err
	}
	if o.Status == Chargeback {
		if !fee.Value.Equal(o.DisputeFee.Value) {
			return o, false, o.refuse(EventChargeback, "charged back already, with a dispute fee of "+o.DisputeFee.String())
		}
		return o, false, nil
	}
	o = o.Clone()
	now = now.UTC()
	o.DisputeFee = fee
	o.Status = Chargeback
	o.ChargebackAt = &now
	o.UpdatedAt = now
	return o, true, nil
}

// Cancel abandons an unpaid order: created → canceled.
func (o Order) Cancel(now time.Time) (Order, error) {
	if o.Status != Created {
		return o, o.refuse(EventCancel, "")
	}
	o = o.Clone()
	now = now.UTC()
	o.Status = Canceled
	o.CanceledAt = &now
	o.UpdatedAt = now
	return o, nil
}
