package bans

import (
	"math"
	"slices"
)

// rangeSet finds the ranges holding an address with one binary search,
// whatever prefix lengths are in use: probing a map once per length in use
// made a check cost grow with how varied the ranges are.
//
// CIDR ranges either nest or do not overlap, so they cut each family's
// address space into segments, each covered by the same ranges: the
// innermost range covering it and that range's parents. Each range (a
// node) also keeps, of its own bans and its parents', the one that ends
// last, so "is any ban holding this address active?" is one comparison.
type rangeSet struct {
	start4 []uint32 // segment starts, ascending; start4[0] is 0
	seg4   []int32  // per segment, the innermost node covering it; -1 none
	start6 []v6key
	seg6   []int32
	nodes  []rnode
	// h4 and h6 have a bit set for every top 16 bits of an address that
	// some range covers: most addresses skip the search on one test.
	h4, h6 *hint
}

type rnode struct {
	key    Key   // kRange4 or kRange6
	parent int32 // the innermost range holding this one; -1 none
	best   ref   // of this range's bans and its parents', the one ending last
}

// span is a range as the first and last address it holds, IPv4 ones in lo.
type span struct {
	first, last v6key
	key         Key
}

func (a v6key) less(b v6key) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a v6key) next() (v6key, bool) {
	if a.lo != math.MaxUint64 {
		return v6key{a.hi, a.lo + 1}, true
	}
	if a.hi != math.MaxUint64 {
		return v6key{a.hi + 1, 0}, true
	}
	return a, false // the last address: nothing follows
}

func spanOf(k Key) span {
	if k.t == kRange4 {
		bits := int(k.lo >> 32)
		first := k.lo & math.MaxUint32
		return span{first: v6key{0, first}, last: v6key{0, first | uint64(math.MaxUint32)>>bits}, key: k}
	}
	return span{first: v6key{k.hi, k.lo}, last: v6key{k.hi | ^mask64(int(k.bits)), k.lo | ^mask64(int(k.bits)-64)}, key: k}
}

// newRangeSet indexes the ranges in keys, whose bans refs returns.
func newRangeSet(keys []Key, refs func(Key) []ref) *rangeSet {
	if len(keys) == 0 {
		return nil
	}
	r := &rangeSet{}
	var v4, v6 []span
	for _, k := range keys {
		if k.t == kRange4 {
			v4 = append(v4, spanOf(k))
			if r.h4 == nil {
				r.h4 = new(hint)
			}
			r.h4.add(k.lo&math.MaxUint32>>16, int(k.lo>>32))
		} else {
			v6 = append(v6, spanOf(k))
			if r.h6 == nil {
				r.h6 = new(hint)
			}
			r.h6.add(k.hi>>48, int(k.bits))
		}
	}
	starts, segs := r.segments(v4, refs)
	if len(v4) > 0 {
		r.start4, r.seg4 = make([]uint32, len(starts)), segs
		for i, s := range starts {
			r.start4[i] = uint32(s.lo)
		}
	}
	if len(v6) > 0 {
		r.start6, r.seg6 = r.segments(v6, refs)
	}
	return r
}

// segments adds the nodes of spans (one family) and returns the segments
// they cut the family's space into.
func (r *rangeSet) segments(spans []span, refs func(Key) []ref) (starts []v6key, segs []int32) {
	if len(spans) == 0 {
		return nil, nil
	}
	// Outer ranges first: a range comes after every range holding it.
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.first != b.first:
			if a.first.less(b.first) {
				return -1
			}
			return 1
		case a.last == b.last:
			return 0
		case b.last.less(a.last):
			return -1
		}
		return 1
	})
	starts, segs = []v6key{{}}, []int32{-1}
	emit := func(at v6key, node int32) {
		if n := len(starts) - 1; starts[n] == at {
			segs[n] = node
		} else {
			starts, segs = append(starts, at), append(segs, node)
		}
		// Two neighbours covered by the same node are one segment.
		if n := len(segs) - 1; n > 0 && segs[n-1] == segs[n] {
			starts, segs = starts[:n], segs[:n]
		}
	}
	var stack []int32 // the open ranges, outermost first
	var lasts []v6key
	pop := func() {
		last := lasts[len(lasts)-1]
		stack, lasts = stack[:len(stack)-1], lasts[:len(lasts)-1]
		after := int32(-1)
		if len(stack) > 0 {
			after = stack[len(stack)-1]
		}
		if at, ok := last.next(); ok {
			emit(at, after)
		}
	}
	for _, s := range spans {
		for len(stack) > 0 && lasts[len(lasts)-1].less(s.first) {
			pop()
		}
		parent := int32(-1)
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		n := rnode{key: s.key, parent: parent}
		for _, x := range refs(s.key) {
			if x.until > n.best.until || n.best.id == "" {
				n.best = x
			}
		}
		if parent >= 0 {
			if p := r.nodes[parent].best; p.id != "" && (n.best.id == "" || p.until > n.best.until) {
				n.best = p
			}
		}
		id := int32(len(r.nodes))
		r.nodes = append(r.nodes, n)
		emit(s.first, id)
		stack, lasts = append(stack, id), append(lasts, s.last)
	}
	for len(stack) > 0 {
		pop()
	}
	return starts, segs
}

// find returns the innermost node holding the IP key k, or -1.
func (r *rangeSet) find(k *Key) int32 {
	if r == nil {
		return -1
	}
	switch {
	case k.t == kIP4 && r.h4.has(k.lo>>16):
		a := uint32(k.lo)
		lo, hi := 1, len(r.start4) // start4[0] is 0 ≤ a
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if r.start4[m] <= a {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return r.seg4[lo-1]
	case k.t == kIP6 && r.h6.has(k.hi>>48):
		a := v6key{k.hi, k.lo}
		lo, hi := 1, len(r.start6)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if s := r.start6[m]; s.hi < a.hi || s.hi == a.hi && s.lo <= a.lo {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return r.seg6[lo-1]
	}
	return -1
}
