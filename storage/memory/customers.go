package memory

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

type customersState struct {
	byID       map[customer.ID]customer.Customer
	byPlatform map[customer.PlatformID]customer.ID
	// The search indexes: folded names in order, and the customers who
	// checked out with an email or IP, each list in ID order. names is
	// the one entry of a map so that put can undo a change to it.
	names    map[struct{}]tree[nameEntry]
	byEmail  map[string][]customer.ID
	byIP     map[netip.Addr][]customer.ID
	tokens   map[customer.TokenID]customer.Token
	tokensOf map[customer.ID][]customer.TokenID // creation order
}

func (s *customersState) init() {
	s.byID = map[customer.ID]customer.Customer{}
	s.byPlatform = map[customer.PlatformID]customer.ID{}
	s.names = map[struct{}]tree[nameEntry]{{}: {cmp: byName}}
	s.byEmail = map[string][]customer.ID{}
	s.byIP = map[netip.Addr][]customer.ID{}
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
	t.index(customer.Customer{ID: c.ID}, c)
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
	t.index(old, c)
	return nil
}

// nameEntry is a customer in the name index.
type nameEntry struct {
	key string // customer.FoldName of the name
	id  customer.ID
}

func byName(a, b nameEntry) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(string(a.id), string(b.id))
}

// index moves c's search keys from what old had to what c has; old is the
// zero Customer but for its ID when c is new.
func (t customersTx) index(old, c customer.Customer) {
	s := t.state()
	if oldKey, key := customer.FoldName(old.Name), customer.FoldName(c.Name); old.Name == "" || oldKey != key {
		names := s.names[struct{}{}]
		if old.Name != "" {
			names = names.without(nameEntry{oldKey, c.ID})
		}
		put(t.tx, s.names, struct{}{}, names.with(nameEntry{key, c.ID}))
	}
	for _, e := range c.KnownEmails {
		if !slices.Contains(old.KnownEmails, e) {
			put(t.tx, s.byEmail, e, insertID(s.byEmail[e], c.ID))
		}
	}
	for _, e := range old.KnownEmails {
		if !slices.Contains(c.KnownEmails, e) {
			put(t.tx, s.byEmail, e, removeID(s.byEmail[e], c.ID))
		}
	}
	for _, ip := range c.KnownIPs {
		if !slices.Contains(old.KnownIPs, ip) {
			put(t.tx, s.byIP, ip, insertID(s.byIP[ip], c.ID))
		}
	}
	for _, ip := range old.KnownIPs {
		if !slices.Contains(c.KnownIPs, ip) {
			put(t.tx, s.byIP, ip, removeID(s.byIP[ip], c.ID))
		}
	}
}

// insertID returns a copy of the sorted ids with id added.
func insertID(ids []customer.ID, id customer.ID) []customer.ID {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(slices.Clone(ids), i, id)
}

// removeID returns a copy of the sorted ids without id.
func removeID(ids []customer.ID, id customer.ID) []customer.ID {
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return ids
	}
	return slices.Delete(slices.Clone(ids), i, i+1)
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

// Search reads the index of q's key: the customers with an email or IP are
// a list in ID order; a name prefix is a range of the ordered names, put
// in ID order.
func (t customersTx) Search(ctx context.Context, q customer.SearchQuery) ([]customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	var ids []customer.ID
	switch {
	case q.Email != "":
		ids = s.byEmail[q.Email]
	case q.IP.IsValid():
		ids = s.byIP[q.IP]
	default:
		s.names[struct{}{}].ascendFrom(nameEntry{key: q.NamePrefix}, func(e nameEntry) bool {
			if !strings.HasPrefix(e.key, q.NamePrefix) {
				return false
			}
			ids = append(ids, e.id)
			return true
		})
		slices.Sort(ids)
	}
	var out []customer.Customer
	for _, id := range ids {
		if id <= q.After {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		out = append(out, s.byID[id].Clone())
	}
	return out, nil
}
