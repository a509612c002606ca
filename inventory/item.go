package inventory

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
)

// ItemID identifies an item: "inv_" + a ULID.
type ItemID string

// NewItemID returns a new item ID stamped with now.
func NewItemID(now time.Time) ItemID { return ItemID(ids.New("inv", now)) }

// ParseItemID checks a pasted item ID.
func ParseItemID(s string) (ItemID, error) {
	id, err := ids.Parse("inv", "item_id", s)
	return ItemID(id), err
}

// State is an item's state.
type State string

// States.
const (
	Active  State = "active"
	Expired State = "expired"
	Revoked State = "revoked"
)

// ParseState checks a state name.
func ParseState(s string) (State, error) {
	switch State(s) {
	case Active, Expired, Revoked:
		return State(s), nil
	}
	return "", errs.Invalid("state", s, "want active, expired or revoked")
}

// SourceKind says where an item came from.
type SourceKind string

// Source kinds.
const (
	FromOrder        SourceKind = "order"
	FromSubscription SourceKind = "subscription"
	FromManual       SourceKind = "manual" // assigned by a staff member
)

// Source is where an item came from.
type Source struct {
	Kind           SourceKind `json:"kind"`
	OrderID        string     `json:"order_id"`        // ord_…, for FromOrder
	SubscriptionID string     `json:"subscription_id"` // sub_…, for FromSubscription
	// Actor is who assigned a manual item (required for FromManual); for
	// the other kinds, optionally what granted it.
	Actor string `json:"actor"`
}

// MaxActorLen and MaxReasonLen bound actor names and revoke reasons.
const (
	MaxActorLen  = 100
	MaxReasonLen = 500
)

// CheckSource validates a source and returns it with IDs in canonical form.
func CheckSource(s Source) (Source, error) {
	var err error
	s.Actor = strings.TrimSpace(s.Actor)
	if utf8.RuneCountInString(s.Actor) > MaxActorLen || !printable(s.Actor) {
		return Source{}, errs.Invalid("source.actor", s.Actor, "want at most 100 printable characters")
	}
	switch s.Kind {
	case FromOrder:
		if s.SubscriptionID != "" {
			return Source{}, errs.Invalid("source.subscription_id", s.SubscriptionID, "an order source names an order only")
		}
		s.OrderID, err = ids.Parse("ord", "source.order_id", s.OrderID)
	case FromSubscription:
		if s.OrderID != "" {
			return Source{}, errs.Invalid("source.order_id", s.OrderID, "a subscription source names a subscription only")
		}
		s.SubscriptionID, err = ids.Parse("sub", "source.subscription_id", s.SubscriptionID)
	case FromManual:
		if s.OrderID != "" || s.SubscriptionID != "" {
			return Source{}, errs.Invalid("source", string(s.Kind), "a manual source names no order or subscription")
		}
		if s.Actor == "" {
			return Source{}, errs.Invalid("source.actor", "", "a manual assignment names who made it")
		}
	default:
		return Source{}, errs.Invalid("source.kind", string(s.Kind), "want order, subscription or manual")
	}
	if err != nil {
		return Source{}, err
	}
	return s, nil
}

// Ref returns the order or subscription ID s names, the key
// ItemStore.ListBySource looks items up by; ok is false for a manual
// source or one missing its ID.
func (s Source) Ref() (ref string, ok bool) {
	switch s.Kind {
	case FromOrder:
		return s.OrderID, s.OrderID != ""
	case FromSubscription:
		return s.SubscriptionID, s.SubscriptionID != ""
	}
	return "", false
}

// Item is one product a customer holds.
type Item struct {
	ID        ItemID      `json:"id"`
	Customer  customer.ID `json:"customer_id"`
	ProductID ProductID   `json:"product_id"`
	Source    Source      `json:"source"`
	GrantedAt time.Time   `json:"granted_at"`
	// ExpiresAt is nil for an item that never expires. Stacking moves it.
	ExpiresAt *time.Time `json:"expires_at,omitzero"`
	// State is the recorded state. The state at a given time is StateAt:
	// a recorded active item past its expiry reads expired before a sweep
	// records it. The root Client returns items with State already derived
	// at its clock.
	State        State      `json:"state"`
	RevokedAt    *time.Time `json:"revoked_at,omitzero"`
	RevokeReason string     `json:"revoke_reason"`
	RevokedBy    string     `json:"revoked_by"`
	// DiscordUserID is a canonical snowflake (see ParseSnowflake), or "".
	DiscordUserID string `json:"discord_user_id"`
	// Version counts stored changes; Update takes the version the caller
	// read.
	Version int64 `json:"version"`
}

// Clone returns a copy that shares no memory with it.
func (it Item) Clone() Item {
	it.ExpiresAt = cloneTime(it.ExpiresAt)
	it.RevokedAt = cloneTime(it.RevokedAt)
	return it
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// StateAt returns the item's state at now: recorded active but at or past
// its expiry reads Expired (at the expiry instant the item is over).
func (it Item) StateAt(now time.Time) State {
	if it.State == Active && it.ExpiresAt != nil && !now.Before(*it.ExpiresAt) {
		return Expired
	}
	return it.State
}

// Extends reports whether a grant of p from src may extend an item other
// than one src granted: the one ItemStore.Extendable returns, which is
// then all Grant needs to be given. A subscription's grant needs the items
// that subscription granted (ItemStore.ListBySource); any other grant, of
// a permanent or an add-stacking product, needs none.
func Extends(p Product, src Source) bool {
	return src.Kind != FromSubscription && p.Duration != nil && p.Stacking == StackExtend
}

// Grant returns what granting p to cust from src at now does, given the
// customer's items of p it may extend (see Extends; others, and those
// past their expiry at now, are ignored). extended reports that the result
// is one of active, extended (its ExpiresAt moved, the rest kept), rather
// than a new item:
//   - a subscription grant extends the active item the same subscription
//     granted, whatever the stacking policy (a renewal);
//   - otherwise a timed product with StackExtend extends the active item
//     with the latest expiry that no subscription granted, counting the
//     Duration from that expiry (a subscription's item lasts exactly its
//     billing period, so bought time is kept on an item of its own);
//   - otherwise, and always for permanent products, it is a new item.
//
// An expiry past textin.MaxTime (year 9999; stacking a long duration many
// times reaches it) is an *errs.InvalidError for "expires_at".
//
// p must have passed CheckProduct.
func Grant(active []Item, p Product, cust customer.ID, src Source, now time.Time) (it Item, extended bool, err error) {
	if src, err = CheckSource(src); err != nil {
		return Item{}, false, err
	}
	var target *Item
	for i := range active {
		a := &active[i]
		if a.Customer != cust || a.ProductID != p.ID || a.StateAt(now) != Active {
			continue
		}
		if src.Kind == FromSubscription {
			if a.Source.Kind == FromSubscription && a.Source.SubscriptionID == src.SubscriptionID {
				target = a
				break
			}
			continue
		}
		if p.Duration == nil || p.Stacking != StackExtend || a.ExpiresAt == nil || a.Source.Kind == FromSubscription {
			continue
		}
		if target == nil || a.ExpiresAt.After(*target.ExpiresAt) {
			target = a
		}
	}
	if target != nil {
		it = target.Clone()
		if p.Duration != nil && it.ExpiresAt != nil {
			e := p.Duration.AddTo(*it.ExpiresAt)
			if err := textin.CheckTime("expires_at", e); err != nil {
				return Item{}, false, err
			}
			it.ExpiresAt = &e
		}
		return it, true, nil
	}
	it = Item{ID: NewItemID(now), Customer: cust, ProductID: p.ID, Source: src, GrantedAt: now, State: Active}
	if p.Duration != nil {
		e := p.Duration.AddTo(now)
		if err := textin.CheckTime("expires_at", e); err != nil {
			return Item{}, false, err
		}
		it.ExpiresAt = &e
	}
	return it, false, nil
}

// RevokeRefusal says why an item cannot be revoked.
type RevokeRefusal string

// Refusals.
const (
	RefusedExpired        RevokeRefusal = "the item has expired"
	RefusedRevoked        RevokeRefusal = "the item is already revoked"
	RefusedNoExpiryAction RevokeRefusal = "the item never expires and its product has no on-expiry action"
)

// RevokeError refuses a revoke. Expired and already revoked items match
// errs.ErrConflict (the state forbids the transition); a permanent item
// without an on-expiry action matches errs.ErrForbidden (revoking it would
// change nothing in game).
type RevokeError struct {
	Item ItemID
	Why  RevokeRefusal
}

func (e *RevokeError) Error() string { return "revoke " + string(e.Item) + ": " + string(e.Why) }

// Is reports ErrConflict or ErrForbidden, as above.
func (e *RevokeError) Is(target error) bool {
	if e.Why == RefusedNoExpiryAction {
		return target == errs.ErrForbidden
	}
	return target == errs.ErrConflict
}

// CheckRevocable says whether Revoke would revoke it at now: nil, or the
// *RevokeError it would return. A page asks it to show Revoke only where
// it works, and why not elsewhere.
func CheckRevocable(it Item, p Product, now time.Time) error {
	switch it.StateAt(now) {
	case Expired:
		return &RevokeError{Item: it.ID, Why: RefusedExpired}
	case Revoked:
		return &RevokeError{Item: it.ID, Why: RefusedRevoked}
	}
	if it.ExpiresAt == nil && !p.HasExpiryAction() {
		return &RevokeError{Item: it.ID, Why: RefusedNoExpiryAction}
	}
	return nil
}

// Revoke returns it revoked at now by actor, or a *RevokeError: only an
// item active at now can be revoked, and only if it expires or p has an
// on-expiry action. The caller queues p's on_expire commands (when
// p.HasExpiryAction) in the same transaction.
func Revoke(it Item, p Product, reason, actor string, now time.Time) (Item, error) {
	if it.ProductID != p.ID {
		return Item{}, errs.Invalid("product", string(p.ID), "not the item's product "+string(it.ProductID))
	}
	reason, actor = strings.TrimSpace(reason), strings.TrimSpace(actor)
	if utf8.RuneCountInString(reason) > MaxReasonLen || !printable(reason) {
		return Item{}, errs.Invalid("reason", reason, "want at most 500 printable characters")
	}
	if actor == "" || utf8.RuneCountInString(actor) > MaxActorLen || !printable(actor) {
		return Item{}, errs.Invalid("actor", actor, "want 1 to 100 printable characters")
	}
	if err := CheckRevocable(it, p, now); err != nil {
		return Item{}, err
	}
	it = it.Clone()
	it.State = Revoked
	it.RevokedAt = &now
	it.RevokeReason = reason
	it.RevokedBy = actor
	return it, nil
}

// Expire returns it recorded as expired. It fails with a conflict unless
// it is recorded active and its expiry has passed at now. The caller queues
// the product's on_expire commands in the same transaction.
func Expire(it Item, now time.Time) (Item, error) {
	if it.State != Active || it.StateAt(now) != Expired {
		return Item{}, errs.Conflict("item", string(it.ID), "not due for expiry")
	}
	it = it.Clone()
	it.State = Expired
	return it, nil
}
