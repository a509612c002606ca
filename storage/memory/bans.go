package memory

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
)

type bansState struct {
	byID map[bans.ID]bans.Ban
	// ids holds every ban's ID in ascending order, and ofType those of the
	// bans holding an identity of each type, so a page is a walk backwards
	// from the cursor (removed bans included: listing keeps history).
	ids    []bans.ID
	ofType map[bans.IdentityType][]bans.ID
	// byIdentity finds bans (removed ones too) by an exact identity;
	// ranges by an ip_range, and lengths counts the ranges of each prefix
	// length, so an IP query masks the address once per length in use
	// instead of testing every range.
	byIdentity map[bans.Identity][]bans.ID
	ranges     map[netip.Prefix][]bans.ID
	lengths    map[rangeLength]int
}

type rangeLength struct {
	v6   bool
	bits int
}

func (s *bansState) init() {
	s.byID = map[bans.ID]bans.Ban{}
	s.ofType = map[bans.IdentityType][]bans.ID{}
	s.byIdentity = map[bans.Identity][]bans.ID{}
	s.ranges = map[netip.Prefix][]bans.ID{}
	s.lengths = map[rangeLength]int{}
}

type bansTx struct{ *tx }

func (t bansTx) state() *bansState { return &t.db.bans }

func (t bansTx) Create(ctx context.Context, b bans.Ban) error {
	if err := t.write(ctx); err != nil {
		return err
	}
	s := t.state()
	if _, ok := s.byID[b.ID]; ok {
		return errs.Conflict("ban", string(b.ID), "ID already exists")
	}
	put(t.tx, s.byID, b.ID, b.Clone())
	old := s.ids
	t.undo = append(t.undo, func() { s.ids = old })
	s.ids = appendSorted(s.ids, b.ID)
	t.index(b.ID, nil, b.Identities)
	return nil
}

func (t bansTx) Get(ctx context.Context, id bans.ID) (bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return bans.Ban{}, err
	}
	b, ok := t.state().byID[id]
	if !ok {
		return bans.Ban{}, errs.NotFound("ban", string(id))
	}
	return b.Clone(), nil
}

func (t bansTx) Update(ctx context.Context, b bans.Ban) error {
	if err := t.write(ctx); err != nil {
		return err
	}
	s := t.state()
	old, ok := s.byID[b.ID]
	if !ok {
		return errs.NotFound("ban", string(b.ID))
	}
	put(t.tx, s.byID, b.ID, b.Clone())
	t.index(b.ID, old.Identities, b.Identities)
	return nil
}

// index moves ban id from the identities it had to the ones it has. Slices
// are replaced, never changed in place, so put can undo.
func (t bansTx) index(id bans.ID, had, has []bans.Identity) {
	s := t.state()
	for _, x := range had {
		if slices.Contains(has, x) {
			continue
		}
		if p, ok := rangeOf(x); ok {
			dropID(t.tx, s.ranges, p, id)
			t.countLength(p, -1)
		} else {
			dropID(t.tx, s.byIdentity, x, id)
		}
	}
	for _, x := range has {
		if slices.Contains(had, x) {
			continue
		}
		if p, ok := rangeOf(x); ok {
			put(t.tx, s.ranges, p, append(slices.Clone(s.ranges[p]), id))
			t.countLength(p, 1)
		} else {
			put(t.tx, s.byIdentity, x, append(slices.Clone(s.byIdentity[x]), id))
		}
	}
	holds := func(ids []bans.Identity, typ bans.IdentityType) bool {
		return slices.ContainsFunc(ids, func(x bans.Identity) bool { return x.Type == typ })
	}
	for _, typ := range bans.IdentityTypes {
		switch had, has := holds(had, typ), holds(has, typ); {
		case has && !had:
			put(t.tx, s.ofType, typ, appendSorted(s.ofType[typ], id))
		case had && !has:
			dropID(t.tx, s.ofType, typ, id)
		}
	}
}

func (t bansTx) countLength(p netip.Prefix, d int) {
	s := t.state()
	l := rangeLength{p.Addr().Is6(), p.Bits()}
	if n := s.lengths[l] + d; n > 0 {
		put(t.tx, s.lengths, l, n)
	} else {
		del(t.tx, s.lengths, l)
	}
}

func dropID[K comparable](t *tx, m map[K][]bans.ID, k K, id bans.ID) {
	left := slices.DeleteFunc(slices.Clone(m[k]), func(x bans.ID) bool { return x == id })
	if len(left) == 0 {
		del(t, m, k)
	} else {
		put(t, m, k, left)
	}
}

func rangeOf(x bans.Identity) (netip.Prefix, bool) {
	if x.Type != bans.IPRange {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(x.Value)
	return p, err == nil
}

func (t bansTx) List(ctx context.Context, p bans.ListParams) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	ids := s.ids
	switch {
	case p.Type != "" && p.Value != "":
		x := bans.Identity{Type: p.Type, Value: p.Value}
		if r, ok := rangeOf(x); ok {
			ids = s.ranges[r]
		} else {
			ids = s.byIdentity[x]
		}
		ids = slices.Sorted(slices.Values(ids))
	case p.Type != "":
		ids = s.ofType[p.Type]
	}
	return newestFirst(ids, p.Cursor, p.Limit, func(id bans.ID) (bans.Ban, bool) {
		b := s.byID[id]
		if !listed(b, p) {
			return bans.Ban{}, false
		}
		return b.Clone(), true
	}), nil
}

func listed(b bans.Ban, p bans.ListParams) bool {
	switch p.State {
	case bans.StateActive:
		if !b.Active(p.Now) {
			return false
		}
	case bans.StateExpired:
		if b.Removed() || b.Active(p.Now) {
			return false
		}
	case bans.StateRemoved:
		if !b.Removed() {
			return false
		}
	}
	if p.Type == "" {
		return true
	}
	return slices.ContainsFunc(b.Identities, func(x bans.Identity) bool {
		return x.Type == p.Type && (p.Value == "" || x.Value == p.Value)
	})
}

func sortNewestFirst(bs []bans.Ban) {
	slices.SortFunc(bs, func(a, b bans.Ban) int { return strings.Compare(string(b.ID), string(a.ID)) })
}

func (t bansTx) Matching(ctx context.Context, ids []bans.Identity) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	s := t.state()
	seen := map[bans.ID]bool{}
	var out []bans.Ban
	add := func(found []bans.ID) {
		for _, id := range found {
			if b := s.byID[id]; !seen[id] && !b.Removed() {
				seen[id] = true
				out = append(out, b.Clone())
			}
		}
	}
	for _, x := range ids {
		if p, ok := rangeOf(x); ok {
			add(s.ranges[p])
		} else {
			add(s.byIdentity[x])
		}
		if x.Type != bans.IP || len(s.lengths) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(x.Value)
		if err != nil {
			continue
		}
		for l := range s.lengths {
			if l.v6 == ip.Is6() {
				add(s.ranges[netip.PrefixFrom(ip, l.bits).Masked()])
			}
		}
	}
	sortNewestFirst(out)
	return out, nil
}
