package bans

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
)

// ID identifies a ban: "ban_" + a ULID.
type ID string

// NewID returns a new ban ID stamped with now.
func NewID(now time.Time) ID { return ID(ids.New("ban", now)) }

// ParseID checks a pasted ban ID.
func ParseID(s string) (ID, error) {
	id, err := ids.Parse("ban", "ban_id", s)
	return ID(id), err
}

// Limits on what a ban holds.
const (
	MaxReasonLen  = 1000 // characters
	MaxIdentities = 100
	MaxActorLen   = 200
)

// Ban is a ban as stored. It is never deleted: Unban sets RemovedAt and
// RemovedBy, and the history stays listable.
type Ban struct {
	ID         ID         `json:"id"`
	Reason     string     `json:"reason"`              // internal, required
	ExpiresAt  *time.Time `json:"expires_at,omitzero"` // nil: permanent
	Identities []Identity `json:"identities"`          // canonical, at least one, no duplicates
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedBy  string     `json:"updated_by"` // the last change, unban included
	UpdatedAt  time.Time  `json:"updated_at"`
	RemovedBy  string     `json:"removed_by"`
	RemovedAt  *time.Time `json:"removed_at,omitzero"` // nil: not lifted
}

// Clone returns a copy that shares no memory with b.
func (b Ban) Clone() Ban {
	b.ExpiresAt = cloneTime(b.ExpiresAt)
	b.RemovedAt = cloneTime(b.RemovedAt)
	b.Identities = append([]Identity(nil), b.Identities...)
	return b
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// Active reports whether the ban applies at now: not removed, and permanent
// or now before its expiry. At the expiry instant the ban is over.
func (b Ban) Active(now time.Time) bool {
	return b.RemovedAt == nil && (b.ExpiresAt == nil || now.Before(*b.ExpiresAt))
}

// Customer returns the customer the ban names by ID (its first identity
// of type customer), "" if it names none: whose history the ban's events
// belong to.
func (b Ban) Customer() customer.ID {
	for _, id := range b.Identities {
		if id.Type == Customer {
			return customer.ID(id.Value)
		}
	}
	return ""
}

// Removed reports whether the ban was lifted.
func (b Ban) Removed() bool { return b.RemovedAt != nil }

// Matches reports whether the ban names id: an equal identity, or, for an
// IP, an ip_range containing it. It ignores whether the ban is active.
func (b Ban) Matches(id Identity) bool {
	var ip netip.Addr
	for _, x := range b.Identities {
		if x == id {
			return true
		}
		if x.Type == IPRange && id.Type == IP {
			if !ip.IsValid() {
				var err error
				if ip, err = netip.ParseAddr(id.Value); err != nil {
					return false
				}
			}
			if p, err := netip.ParsePrefix(x.Value); err == nil && p.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// MatchesAny reports whether the ban names any of ids.
func (b Ban) MatchesAny(ids []Identity) bool {
	for _, id := range ids {
		if b.Matches(id) {
			return true
		}
	}
	return false
}

// Draft is what a new ban is made from. Identities may be raw (they are
// parsed); ExpiresAt nil makes the ban permanent.
type Draft struct {
	Reason     string
	ExpiresAt  *time.Time
	Identities []Identity
	Actor      string // who bans, e.g. "admin:alice"
}

// New checks d and returns the ban it describes, stamped with now and a new
// ID. The reason and actor are required, there is at least one identity, and
// an expiry must be after now (a ban that never applies is a mistake).
func New(d Draft, now time.Time) (Ban, error) {
	reason, err := checkReason(d.Reason)
	if err != nil {
		return Ban{}, err
	}
	actor, err := checkActor(d.Actor)
	if err != nil {
		return Ban{}, err
	}
	if err := checkExpiry(d.ExpiresAt, now); err != nil {
		return Ban{}, err
	}
	idents, err := ParseIdentities(d.Identities)
	if err != nil {
		return Ban{}, err
	}
	if err := checkIdentityCount(idents); err != nil {
		return Ban{}, err
	}
	return Ban{
		ID: NewID(now), Reason: reason, ExpiresAt: utcTime(d.ExpiresAt), Identities: idents,
		CreatedBy: actor, CreatedAt: now, UpdatedBy: actor, UpdatedAt: now,
	}, nil
}

// Change is an edit of a ban. Nil or empty fields keep what is there.
type Change struct {
	Reason *string
	// SetExpiry replaces the expiry with ExpiresAt (nil: permanent).
	SetExpiry bool
	ExpiresAt *time.Time
	Add       []Identity // raw or canonical; ones already on the ban are skipped
	Remove    []Identity // raw or canonical; ones not on the ban are skipped
	Actor     string
	// Loaded, if set, is the UpdatedAt of the ban as the editor read it (an
	// edit form sends it back): if the ban changed since, Apply refuses
	// with an *errs.ConflictError rather than overwrite that change.
	Loaded *time.Time
}

// Apply returns b with c applied at now, or an error and b untouched. A
// removed ban cannot change (*RemovedError); at least one identity stays; a
// new expiry must be after now (use Unban to end a ban early).
func (b Ban) Apply(c Change, now time.Time) (Ban, error) {
	if b.Removed() {
		return Ban{}, &RemovedError{ID: b.ID, RemovedAt: *b.RemovedAt}
	}
	if c.Loaded != nil && !c.Loaded.Equal(b.UpdatedAt) {
		return Ban{}, errs.Conflict("ban", string(b.ID), "the ban changed since the form was loaded")
	}
	actor, err := checkActor(c.Actor)
	if err != nil {
		return Ban{}, err
	}
	next := b.Clone()
	if c.Reason != nil {
		if next.Reason, err = checkReason(*c.Reason); err != nil {
			return Ban{}, err
		}
	}
	if c.SetExpiry {
		if err := checkExpiry(c.ExpiresAt, now); err != nil {
			return Ban{}, err
		}
		next.ExpiresAt = utcTime(c.ExpiresAt)
	}
	add, err := parseList("add", c.Add)
	if err != nil {
		return Ban{}, err
	}
	remove, err := parseList("remove", c.Remove)
	if err != nil {
		return Ban{}, err
	}
	kept := next.Identities[:0]
	for _, id := range next.Identities {
		if !contains(remove, id) {
			kept = append(kept, id)
		}
	}
	for _, id := range add {
		if !contains(kept, id) {
			kept = append(kept, id)
		}
	}
	next.Identities = kept
	if len(kept) == 0 {
		return Ban{}, errs.Invalid("remove", "", "a ban keeps at least one identity; unban it instead")
	}
	if err := checkIdentityCount(kept); err != nil {
		return Ban{}, err
	}
	next.UpdatedBy, next.UpdatedAt = actor, now
	return next, nil
}

// Unban returns b lifted by actor at now. Lifting a removed ban is a
// *RemovedError; an expired ban may still be lifted, to record it.
func (b Ban) Unban(actor string, now time.Time) (Ban, error) {
	if b.Removed() {
		return Ban{}, &RemovedError{ID: b.ID, RemovedAt: *b.RemovedAt}
	}
	actor, err := checkActor(actor)
	if err != nil {
		return Ban{}, err
	}
	next := b.Clone()
	next.RemovedBy, next.RemovedAt = actor, &now
	next.UpdatedBy, next.UpdatedAt = actor, now
	return next, nil
}

func checkReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Invalid("reason", "", "required")
	}
	if err := textin.CheckText("reason", s); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > MaxReasonLen {
		return "", errs.Invalid("reason", s, fmt.Sprintf("at most %d characters", MaxReasonLen))
	}
	return s, nil
}

func checkActor(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Invalid("actor", "", "required: who makes the change")
	}
	if err := textin.CheckLine("actor", s); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > MaxActorLen {
		return "", errs.Invalid("actor", s, fmt.Sprintf("at most %d characters", MaxActorLen))
	}
	return s, nil
}

func checkExpiry(t *time.Time, now time.Time) error {
	if t == nil {
		return nil
	}
	if err := textin.CheckTime("expires_at", *t); err != nil {
		return err
	}
	if !t.After(now) {
		return errs.Invalid("expires_at", t.UTC().Format(time.RFC3339Nano), "must be after now; unban to end a ban")
	}
	return nil
}

func checkIdentityCount(ids []Identity) error {
	if len(ids) == 0 {
		return errs.Invalid("identities", "", "a ban names at least one identity")
	}
	if len(ids) > MaxIdentities {
		return errs.Invalid("identities", "", fmt.Sprintf("at most %d identities", MaxIdentities))
	}
	return nil
}

// utcTime stores expiries in UTC at the microsecond precision every backend
// keeps.
func utcTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// RemovedError: the ban was already lifted, so it cannot be lifted or
// changed again.
type RemovedError struct {
	ID        ID
	RemovedAt time.Time
}

func (e *RemovedError) Error() string {
	return fmt.Sprintf("ban %s: already removed at %s", e.ID, e.RemovedAt.Format(time.RFC3339))
}

// Is reports errs.ErrConflict.
func (e *RemovedError) Is(target error) bool { return target == errs.ErrConflict }

// BannedError refuses an action (a purchase) by someone an active ban
// matches. It carries every matching ban's ID.
type BannedError struct {
	IDs []ID
}

func (e *BannedError) Error() string {
	s := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		s[i] = string(id)
	}
	return "banned: " + strings.Join(s, ", ")
}

// Is reports errs.ErrForbidden.
func (e *BannedError) Is(target error) bool { return target == errs.ErrForbidden }

// BanIDs returns the IDs as strings, for packages that must not import
// bans to read them: package problem lists them in an HTTP error body.
func (e *BannedError) BanIDs() []string {
	s := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		s[i] = string(id)
	}
	return s
}

// IDs returns the bans' IDs in order.
func IDs(bs []Ban) []ID {
	out := make([]ID, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

// ActiveMatching returns the bans of bs that are active at now and match any
// of ids, in order.
func ActiveMatching(bs []Ban, ids []Identity, now time.Time) []Ban {
	var out []Ban
	for _, b := range bs {
		if b.Active(now) && b.MatchesAny(ids) {
			out = append(out, b)
		}
	}
	return out
}
