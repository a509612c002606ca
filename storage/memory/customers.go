package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

type customersState struct {
	byID       map[customer.ID]customer.Customer
	byPlatform map[customer.PlatformID]customer.ID
	tokens     map[customer.TokenID]customer.Token
	tokensOf   map[customer.ID][]customer.TokenID // creation order
}

func (s *customersState) init() {
	s.byID = map[customer.ID]customer.Customer{}
	s.byPlatform = map[customer.PlatformID]customer.ID{}
	s.tokens = map[customer.TokenID]customer.Token{}
	s.tokensOf = map[customer.ID][]customer.TokenID{}
}

type customersTx struct{ *tx }

func (t customersTx) state() *customersState { return &t.db.customers }

func (t customersTx) Get(ctx context.Context, id customer.ID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	c, ok := t.state().byID[id]
	if !ok {
		return customer.Customer{}, errs.NotFound("customer", string(id))
	}
	return c.Clone(), nil
}

func (t customersTx) GetByPlatformID(ctx context.Context, pid customer.PlatformID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	id, ok := t.state().byPlatform[pid]
	if !ok {
		return customer.Customer{}, errs.NotFound("customer", pid.String())
	}
	return t.state().byID[id].Clone(), nil
}

func (t customersTx) Create(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	if _, ok := s.byID[c.ID]; ok {
		return errs.Conflict("customer", string(c.ID), "ID already exists")
	}
	if _, ok := s.byPlatform[c.PlatformID]; ok {
		return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
	}
	put(t.tx, s.byID, c.ID, c.Clone())
	put(t.tx, s.byPlatform, c.PlatformID, c.ID)
	return nil
}

func (t customersTx) Update(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	old, ok := s.byID[c.ID]
	if !ok {
		return errs.NotFound("customer", string(c.ID))
	}
	if old.Version != c.Version {
		return errs.Conflict("customer", string(c.ID), staleVersion(c.Version, old.Version))
	}
	if owner, ok := s.byPlatform[c.PlatformID]; ok && owner != c.ID {
		return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
	}
	if old.PlatformID != c.PlatformID {
		del(t.tx, s.byPlatform, old.PlatformID)
		put(t.tx, s.byPlatform, c.PlatformID, c.ID)
	}
	c = c.Clone()
	c.Version++
	put(t.tx, s.byID, c.ID, c)
	return nil
}

func staleVersion(got, stored int64) string {
	return fmt.Sprintf("stale version %d, stored %d", got, stored)
}

type tokensTx struct{ *tx }

func (t tokensTx) state() *customersState { return &t.db.customers }

func (t tokensTx) CreateToken(ctx context.Context, tok customer.Token) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	if _, ok := s.tokens[tok.ID]; ok {
		return errs.Conflict("token", string(tok.ID), "ID already exists")
	}
	put(t.tx, s.tokens, tok.ID, tok.Clone())
	put(t.tx, s.tokensOf, tok.Customer, append(slices.Clone(s.tokensOf[tok.Customer]), tok.ID))
	return nil
}

func (t tokensTx) GetToken(ctx context.Context, id customer.TokenID) (customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Token{}, err
	}
	tok, ok := t.state().tokens[id]
	if !ok {
		return customer.Token{}, errs.NotFound("token", string(id))
	}
	return tok.Clone(), nil
}

func (t tokensTx) ListTokens(ctx context.Context, c customer.ID) ([]customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	ids := s.tokensOf[c]
	out := make([]customer.Token, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, s.tokens[ids[i]].Clone())
	}
	return out, nil
}

func (t tokensTx) RevokeToken(ctx context.Context, id customer.TokenID, at time.Time) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	s := t.state()
	tok, ok := s.tokens[id]
	if !ok {
		return errs.NotFound("token", string(id))
	}
	if tok.RevokedAt == nil {
		tok.RevokedAt = &at
		put(t.tx, s.tokens, id, tok.Clone())
	}
	return nil
}

func (t tokensTx) RevokeAllTokens(ctx context.Context, c customer.ID, at time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	s := t.state()
	n := 0
	for _, id := range s.tokensOf[c] {
		tok := s.tokens[id]
		if tok.RevokedAt == nil {
			tok.RevokedAt = &at
			put(t.tx, s.tokens, id, tok.Clone())
			n++
		}
	}
	return n, nil
}

// Search scans the customers in ID order: the memory backend serves demos
// and tests, where a scan of every customer is cheaper than an index to
// keep.
func (t customersTx) Search(ctx context.Context, q customer.SearchQuery) ([]customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var out []customer.Customer
	for _, c := range t.state().byID {
		if c.ID <= q.After || !matches(c, q) {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b customer.Customer) int { return strings.Compare(string(a.ID), string(b.ID)) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out, nil
}

func matches(c customer.Customer, q customer.SearchQuery) bool {
	switch {
	case q.Email != "":
		return slices.Contains(c.KnownEmails, q.Email)
	case q.IP.IsValid():
		return slices.Contains(c.KnownIPs, q.IP)
	default:
		return strings.HasPrefix(customer.FoldName(c.Name), q.NamePrefix)
	}
}
