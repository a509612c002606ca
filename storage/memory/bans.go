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
	// byIdentity finds bans (removed ones too) by an exact identity;
	// ranges holds the ip_range identities, scanned for IP queries.
	byIdentity map[bans.Identity][]bans.ID
	ranges     map[netip.Prefix][]bans.ID
}

func (s *bansState) init() {
	s.byID = map[bans.ID]bans.Ban{}
	s.byIdentity = map[bans.Identity][]bans.ID{}
	s.ranges = map[netip.Prefix][]bans.ID{}
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
		} else {
			put(t.tx, s.byIdentity, x, append(slices.Clone(s.byIdentity[x]), id))
		}
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
	var out []bans.Ban
	for _, b := range s.byID {
		if p.Cursor != "" && b.ID >= p.Cursor || !listed(b, p) {
			continue
		}
		out = append(out, b)
	}
	sortNewestFirst(out)
	if p.Limit > 0 && len(out) > p.Limit {
		out = out[:p.Limit]
	}
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out, nil
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
		if x.Type != bans.IP || len(s.ranges) == 0 {
			continue
		}
		ip, err := netip.ParseAddr(x.Value)
		if err != nil {
			continue
		}
		for p, found := range s.ranges {
			if p.Contains(ip) {
				add(found)
			}
		}
	}
	sortNewestFirst(out)
	return out, nil
}
