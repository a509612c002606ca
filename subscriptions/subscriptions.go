package subscriptions

import (
	"fmt"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
)

// ID identifies a subscription: "sub_" + a ULID.
type ID string

// NewID returns a new subscription ID stamped with now.
func NewID(now time.Time) ID { return ID(ids.New("sub", now)) }

// ParseID checks a pasted subscription ID.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("sub", "subscription_id", s)
	return ID(id), err
}

// Status is where a subscription is in its life.
type Status string

// The statuses of a subscription.
const (
	Created  Status = "created"  // checked out, not paid yet
	Active   Status = "active"   // paid for the current period
	Canceled Status = "canceled" // over
)

// Statuses lists every status, for tests and UIs.
var Statuses = []Status{Created, Active, Canceled}

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	return "", errs.Invalid("status", s, "want created, active or canceled")
}

// Event names a transition, for TransitionError.
type Event string

// The transitions a subscription knows.
const (
	EventActivate Event = "activate"
	EventRenew    Event = "renew"
	EventCancel   Event = "cancel"
)

// TransitionError is returned for a move the status machine does not allow.
// It matches errs.ErrConflict.
type TransitionError struct {
	ID     ID
	From   Status
	Event  Event
	Reason string // optional detail
}

func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("subscription %s: cannot %s a %s subscription", e.ID, e.Event, e.From)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is reports errs.ErrConflict.
func (e *TransitionError) Is(target error) bool { return target == errs.ErrConflict }

// Subscription is a recurring purchase as the Customer Details Page lists
// it.
type Subscription struct {
	ID       ID          `json:"id"`
	Customer customer.ID `json:"customer_id"`
	// ProductID names what the subscription keeps granted: the root Client
	// requires the ID of a stored inventory product (prd_…).
	ProductID inventory.ProductID `json:"product_id"`
	Amount    money.Amount        `json:"amount"` // charged each period: the product's price, unless PriceOverridden
	Period    period.Period       `json:"period"`

	// PriceOverridden records that the host set Amount itself (a sale, a
	// coupon) instead of taking the product's catalog price.
	PriceOverridden bool `json:"price_overridden"`

	// Status as last stored; read it through StatusAt or At, which apply a
	// cancellation that fell due at the period end.
	Status Status `json:"status"`
	Trial  bool   `json:"trial"` // in a free trial: worth 0 in MRR until the first renewal
	// ActivatedAt anchors the billing periods; Periods counts the periods
	// started (1 on activation, +1 per renewal). The current period ends at
	// Period.AddN(*ActivatedAt, Periods), kept in CurrentPeriodEnd.
	ActivatedAt       *time.Time `json:"activated_at,omitzero"`
	Periods           int        `json:"periods"`
	CurrentPeriodEnd  *time.Time `json:"current_period_end,omitzero"`
	CancelAtPeriodEnd bool       `json:"cancel_at_period_end"`
	CanceledAt        *time.Time `json:"canceled_at,omitzero"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	// Version counts stored changes; Store.Update refuses a stale one.
	Version int64 `json:"version"`
}

// Clone returns a copy that shares no memory with s.
func (s Subscription) Clone() Subscription {
	s.ActivatedAt = cloneTime(s.ActivatedAt)
	s.CurrentPeriodEnd = cloneTime(s.CurrentPeriodEnd)
	s.CanceledAt = cloneTime(s.CanceledAt)
	return s
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// MaxProductIDLen bounds a product ID.
const MaxProductIDLen = 100

// Params describes a new subscription.
type Params struct {
	Customer  customer.ID
	ProductID inventory.ProductID
	Amount    money.Amount
	Period    period.Period
	Trial     bool

	PriceOverridden bool // the host set Amount instead of the catalog price
}

// New checks p and returns a created subscription stamped with now.
func New(p Params, now time.Time) (Subscription, error) {
	if p.Customer == "" {
		return Subscription{}, errs.Invalid("customer_id", "", "missing")
	}
	product := inventory.ProductID(strings.TrimSpace(string(p.ProductID)))
	if product == "" || len(product) > MaxProductIDLen {
		return Subscription{}, errs.Invalid("product_id", string(product), fmt.Sprintf("want 1 to %d bytes", MaxProductIDLen))
	}
	if err := p.Amount.CheckPrice("amount"); err != nil {
		return Subscription{}, err
	}
	if err := CheckPeriod(p.Period); err != nil {
		return Subscription{}, err
	}
	now = now.UTC()
	return Subscription{
		ID:        NewID(now),
		Customer:  p.Customer,
		ProductID: product,
		Amount:    p.Amount,
		Period:    p.Period,
		Status:    Created,
		Trial:     p.Trial,
		CreatedAt: now,
		UpdatedAt: now,

		PriceOverridden: p.PriceOverridden,
	}, nil
}

// cancelDue reports whether a cancellation set for the period end has come.
func (s Subscription) cancelDue(now time.Time) bool {
	return s.Status == Active && s.CancelAtPeriodEnd && s.CurrentPeriodEnd != nil && !now.Before(*s.CurrentPeriodEnd)
}

// StatusAt returns the status s reads as at now: an active subscription set
// to cancel at its period end is canceled from that instant.
func (s Subscription) StatusAt(now time.Time) Status {
	if s.cancelDue(now) {
		return Canceled
	}
	return s.Status
}

// At returns s as it reads at now: with a cancellation that fell due
// applied (Status canceled, CanceledAt the period end).
func (s Subscription) At(now time.Time) Subscription {
	if !s.cancelDue(now) {
		return s
	}
	s = s.Clone()
	s.Status = Canceled
	s.CancelAtPeriodEnd = false
	s.CanceledAt = cloneTime(s.CurrentPeriodEnd)
	return s
}

func (s Subscription) refuse(e Event, reason string) *TransitionError {
	return &TransitionError{ID: s.ID, From: s.Status, Event: e, Reason: reason}
}

// Activate starts the first period, at now: created → active. A period
// end past textin.MaxTime (year 9999) is an *errs.InvalidError for
// "current_period_end", here and in Renew.
func (s Subscription) Activate(now time.Time) (Subscription, error) {
	cur := s.At(now)
	if cur.Status != Created {
		return s, cur.refuse(EventActivate, "")
	}
	next := cur.Clone()
	now = now.UTC()
	end := next.Period.AddN(now, 1)
	if err := textin.CheckTime("current_period_end", end); err != nil {
		return s, err
	}
	next.Status = Active
	next.ActivatedAt = &now
	next.Periods = 1
	next.CurrentPeriodEnd = &end
	next.UpdatedAt = now
	return next, nil
}

// Renew records the next period's payment: the period end moves by one
// period (counted from the anchor, see the package doc) and a trial ends.
// Only an active subscription that is not set to cancel renews.
func (s Subscription) Renew(now time.Time) (Subscription, error) {
	cur := s.At(now)
	if cur.Status != Active {
		return s, cur.refuse(EventRenew, "")
	}
	if cur.CancelAtPeriodEnd {
		return s, cur.refuse(EventRenew, "set to cancel at the period end")
	}
	next := cur.Clone()
	next.Periods++
	end := next.Period.AddN(*next.ActivatedAt, next.Periods)
	if err := textin.CheckTime("current_period_end", end); err != nil {
		return s, err
	}
	next.CurrentPeriodEnd = &end
	next.Trial = false
	next.UpdatedAt = now.UTC()
	return next, nil
}

// Cancel ends s now, or, if atPeriodEnd, at the end of its current period
// (a created subscription, or one whose period is over unrenewed, ends
// now). Setting a
// cancellation at the period end that is already set is a success with
// changed == false. Canceling a canceled subscription is a
// *TransitionError.
func (s Subscription) Cancel(atPeriodEnd bool, now time.Time) (next Subscription, changed bool, err error) {
	cur := s.At(now)
	switch {
	case cur.Status == Canceled:
		return s, false, cur.refuse(EventCancel, "")
	case atPeriodEnd && cur.Status == Active && now.Before(*cur.CurrentPeriodEnd):
		if cur.CancelAtPeriodEnd {
			return s, false, nil
		}
		next = cur.Clone()
		next.CancelAtPeriodEnd = true
		next.UpdatedAt = now.UTC()
		return next, true, nil
	}
	next = cur.Clone()
	now = now.UTC()
	next.Status = Canceled
	next.CancelAtPeriodEnd = false
	next.CanceledAt = &now
	next.UpdatedAt = now
	return next, true, nil
}
