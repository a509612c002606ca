package bans

import (
	"encoding/binary"
	"iter"
	"maps"
	"slices"
)

// Builder collects bans for an Index one at a time, keeping of each only
// what the index keeps (its keys and expiry), so a full load can stream
// rows into it instead of holding every ban, and the index is then built
// in one pass (Index, or Index.PutAll for one that readers already use).
// Of two bans with one ID the later wins; a removed ban takes out one
// added before. The zero Builder is empty and ready to use; it is not safe
// for concurrent use.
type Builder struct {
	bans    map[ID]held
	removed map[ID]struct{} // removed bans, for PutAll to take out
}

// Add adds a ban, or replaces the one with the same ID.
func (b *Builder) Add(ban Ban) {
	if ban.Removed() {
		delete(b.bans, ban.ID)
		if b.removed == nil {
			b.removed = map[ID]struct{}{}
		}
		b.removed[ban.ID] = struct{}{}
		return
	}
	delete(b.removed, ban.ID)
	if b.bans == nil {
		b.bans = map[ID]held{}
	}
	b.bans[ban.ID] = holdOf(ban)
}

// Len returns how many bans (not removed) b holds.
func (b *Builder) Len() int { return len(b.bans) }

// Index returns a new Index holding b's bans, and empties b.
func (b *Builder) Index() *Index {
	x := &Index{bans: b.bans}
	if x.bans == nil {
		x.bans = map[ID]held{}
	}
	*b = Builder{}
	s, ranges := build(x.bans)
	x.ranges = ranges
	x.snap.Store(s)
	x.rebuildExpiries()
	return x
}

// PutAll puts every ban b holds (and takes out the removed ones) as one
// change that readers see whole, as Put does, and empties b. A change as
// large as a full load rebuilds the index in one pass.
func (x *Index) PutAll(b *Builder) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apply(b, nil)
	*b = Builder{}
}

// held is what the writer keeps of a ban to take it out again: its expiry
// and its keys, packed into one string, so the usual ban of one identity
// costs one small allocation and the maps' string keys point into it.
type held struct {
	keys  string
	until int64
}

func holdOf(b Ban) held {
	var buf [128]byte
	enc := buf[:0]
	// Distinct raw spellings may share a key (STEAM_0 and STEAM_1).
	seen := make([]Key, 0, 8)
	for _, id := range b.Identities {
		if k := KeyOf(id); k.t != kNone && !slices.Contains(seen, k) {
			seen = append(seen, k)
			enc = appendKey(enc, k)
		}
	}
	return held{keys: string(enc), until: until(b.ExpiresAt)}
}

func appendKey(enc []byte, k Key) []byte {
	enc = append(enc, byte(k.t))
	switch k.t {
	case kCustomer, kName, kEmail:
		enc = binary.AppendUvarint(enc, uint64(len(k.s)))
		enc = append(enc, k.s...)
	case kIP4:
		enc = binary.BigEndian.AppendUint32(enc, uint32(k.lo))
	case kSteam, kRange4:
		enc = binary.BigEndian.AppendUint64(enc, k.lo)
	case kUUID, kIP6, kRange6:
		enc = binary.BigEndian.AppendUint64(enc, k.hi)
		enc = binary.BigEndian.AppendUint64(enc, k.lo)
		if k.t == kRange6 {
			enc = append(enc, k.bits)
		}
	}
	return enc
}

// all yields h's keys; their strings point into h.keys.
func (h held) all() iter.Seq[Key] {
	return func(yield func(Key) bool) {
		s := h.keys
		for len(s) > 0 {
			k := Key{t: keyType(s[0])}
			s = s[1:]
			switch k.t {
			case kCustomer, kName, kEmail:
				var n, shift int
				for s[0] >= 0x80 {
					n |= int(s[0]&0x7f) << shift
					s, shift = s[1:], shift+7
				}
				n |= int(s[0]) << shift
				k.s, s = s[1:1+n], s[1+n:]
			case kIP4:
				k.lo, s = uint64(be32(s)), s[4:]
			case kSteam, kRange4:
				k.lo, s = be64(s), s[8:]
			case kUUID, kIP6, kRange6:
				if k.t != kRange6 {
					k.s = s[:16]
				}
				k.hi, k.lo, s = be64(s), be64(s[8:]), s[16:]
				if k.t == kRange6 {
					k.bits, s = s[0], s[1:]
				}
			}
			if !yield(k) {
				return
			}
		}
	}
}

func be32(s string) uint32 {
	return uint32(s[0])<<24 | uint32(s[1])<<16 | uint32(s[2])<<8 | uint32(s[3])
}

func be64(s string) uint64 { return uint64(be32(s))<<32 | uint64(be32(s[4:])) }

// build returns the snapshot of bans, its maps sized and filled in one
// pass, and how many bans hold each range.
func build(bans map[ID]held) (*snapshot, map[Key]int) {
	var sizes [kRange6 + 1]int
	ranges := map[Key]int{}
	for _, h := range bans {
		for k := range h.all() {
			sizes[k.t]++
			if k.t == kRange4 || k.t == kRange6 {
				ranges[k]++
			}
		}
	}
	base := newTables(sizes)
	multi := map[Key][]ref{}
	for id, h := range bans {
		r := ref{id: id, until: h.until}
		for k := range h.all() {
			switch old := base.get(&k); {
			case old == multiMark:
				multi[k] = append(multi[k], r)
			case old.id != "":
				multi[k] = []ref{old, r}
				base.set(&k, multiMark)
			default:
				base.set(&k, r)
			}
		}
	}
	s := &snapshot{n: len(bans), multi: layer[Key, []ref]{base: multi}}
	for i := range s.strs {
		s.strs[i].base = base.strs[i]
	}
	s.steam.base, s.uuid.base, s.ip4.base, s.ip6.base = base.steam, base.uuid, base.ip4, base.ip6
	s.range4.base, s.range6.base = base.range4, base.range6
	s.setRanges(ranges)
	return s, ranges
}

// rebuild applies a change too large for the overlays: the writer's map
// takes it, and a fresh snapshot is built from the whole map.
func (x *Index) rebuild(puts map[ID]held, removed map[ID]struct{}, ids []ID) {
	for _, id := range ids {
		delete(x.bans, id)
	}
	for id := range removed {
		delete(x.bans, id)
	}
	if len(x.bans) == 0 {
		x.bans = puts // the builder gives it up
	} else {
		maps.Copy(x.bans, puts)
	}
	if x.bans == nil {
		x.bans = map[ID]held{}
	}
	s, ranges := build(x.bans)
	x.ranges = ranges
	x.snap.Store(s)
	x.rebuildExpiries()
}
