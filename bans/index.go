package bans

import (
	"encoding/binary"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase/customer"
)

// Index is an in-memory snapshot of bans that a game server consults on
// every player join, without a database round trip.
//
// Lookups go through Keys: an identity in a compact, parsed form (a Steam ID
// as a number, an address as 4 or 16 bytes) that a plugin makes once per
// player. Each key is one map lookup in a map of its own type, holding the
// common case of one ban per identity inline, so a check allocates nothing
// and touches as little memory as a bare map. An IP key is also looked up
// among the ranges in use with one binary search (rangeSet), whatever
// their prefix lengths; a bitmap of the top 16 address bits that ranges
// cover lets most addresses skip even that. Expiry is judged at lookup
// against the caller's now: an expired ban stops matching at its instant
// without a rebuild.
//
// Reads never lock: they load an immutable snapshot through an atomic
// pointer. Writers (Put, Remove, Prune) are serialised, copy what they
// change and publish a new snapshot, which readers see whole. To keep a
// write cheap on a large index, each map is a read-only base plus a small
// overlay of recent changes, folded into a fresh base once it grows past
// about √n entries. A change of a quarter of the index or more (a full
// load: Builder, PutAll) rebuilds every map in one pass instead.
//
// The zero Index is empty and ready to use.
type Index struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[snapshot]
	// Writer-only: the keys each ban put in, to take them out again, and
	// how many bans hold each range.
	bans   map[ID]held
	ranges map[Key]int
	// Writer-only: the expiring bans, earliest first, so Prune touches only
	// the bans it drops. An entry whose ban was since replaced or removed
	// is stale and skipped (held.until tells).
	expiries expiryHeap
}

// expiry is a heap entry: ban id held until until.
type expiry struct {
	until int64
	id    ID
}

// expiryHeap is a binary min-heap by until.
type expiryHeap []expiry

func (h *expiryHeap) push(e expiry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].until <= s[i].until {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *expiryHeap) pop() expiry {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].until < s[c].until {
			c++
		}
		if s[i].until <= s[c].until {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}

// Key is an identity in the form the Index looks it up. Make it once per
// player with KeyOf or a constructor such as SteamKey. The zero Key matches
// nothing.
type Key struct {
	t      keyType
	bits   uint8 // kRange6: the prefix length
	hi, lo uint64
	s      string
}

type keyType uint8

const (
	kNone keyType = iota
	kCustomer
	kName
	kEmail
	kSteam  // lo: SteamID64
	kUUID   // hi, lo: the 16 bytes; s: the same, raw
	kIP4    // lo: the address
	kIP6    // hi, lo: the address; s: the same, raw
	kRange4 // lo: bits<<32 | masked address
	kRange6 // hi, lo: masked address; bits
)

// KeyOf returns the key of a canonical identity (as ParseIdentity and the
// Identity constructors make them); other values are parsed first, and one
// that does not parse gives the zero Key.
func KeyOf(id Identity) Key {
	if k, ok := quickKey(id); ok {
		return k
	}
	if c, err := ParseIdentity(id.Type, id.Value); err == nil {
		if k, ok := quickKey(c); ok {
			return k
		}
	}
	return Key{}
}

// KeysOf returns the keys of ids.
func KeysOf(ids []Identity) []Key {
	out := make([]Key, len(ids))
	for i, id := range ids {
		out[i] = KeyOf(id)
	}
	return out
}

// quickKey reads a canonical value without the text parsers' full checks.
// Keys of numbers and addresses come from the parsed value, so any spelling
// the quick parse reads right is fine; strings must already be canonical.
func quickKey(id Identity) (Key, bool) {
	v := id.Value
	switch id.Type {
	case Customer:
		return Key{t: kCustomer, s: v}, len(v) == 30 && strings.HasPrefix(v, "cus_") && v[4:] == strings.ToUpper(v[4:])
	case Name:
		return Key{t: kName, s: v}, v != "" && v == customer.FoldName(v)
	case Email:
		return Key{t: kEmail, s: v}, strings.Contains(v, "@") && v == customer.NormalizeEmail(v)
	case Steam:
		n, err := strconv.ParseUint(v, 10, 64)
		return SteamKey(n), err == nil && n>>32 == steamIndividualHigh && uint32(n) != 0
	case MinecraftUUID:
		u, err := customer.ParseUUID(v)
		return UUIDKey(u), err == nil
	case IP:
		a, err := netip.ParseAddr(v)
		return IPKey(a), err == nil
	case IPRange:
		p, err := netip.ParsePrefix(v)
		return rangeKey(p), err == nil && !p.Addr().Is4In6() && p.Bits() > 0
	}
	return Key{}, false
}

// steamIndividualHigh is the top half of an individual account's
// SteamID64: universe 1, type 1, instance 1.
const steamIndividualHigh = 1<<24 | 1<<20 | 1

// CustomerKey is the key of a customer ID.
func CustomerKey(id customer.ID) Key { return Key{t: kCustomer, s: string(id)} }

// NameKey is the key of a player name (folded here).
func NameKey(name string) Key { return Key{t: kName, s: customer.FoldName(name)} }

// EmailKey is the key of an email address (normalised here).
func EmailKey(email string) Key { return Key{t: kEmail, s: customer.NormalizeEmail(email)} }

// SteamKey is the key of a SteamID64 as customer.ParseSteamID returns it.
func SteamKey(id uint64) Key { return Key{t: kSteam, lo: id} }

// UUIDKey is the key of a Minecraft UUID.
func UUIDKey(u [16]byte) Key {
	return Key{t: kUUID, hi: binary.BigEndian.Uint64(u[:8]), lo: binary.BigEndian.Uint64(u[8:]), s: string(u[:])}
}

// IPKey is the key of an address (unmapped, zone dropped here).
func IPKey(ip netip.Addr) Key {
	ip = ip.Unmap()
	switch {
	case ip.Is4():
		a := ip.As4()
		return Key{t: kIP4, lo: uint64(binary.BigEndian.Uint32(a[:]))}
	case ip.Is6():
		a := ip.As16()
		return Key{t: kIP6, hi: binary.BigEndian.Uint64(a[:8]), lo: binary.BigEndian.Uint64(a[8:]), s: string(a[:])}
	}
	return Key{}
}

func rangeKey(p netip.Prefix) Key {
	k := IPKey(p.Masked().Addr())
	switch k.t {
	case kIP4:
		return Key{t: kRange4, lo: uint64(p.Bits())<<32 | k.lo}
	case kIP6:
		return Key{t: kRange6, hi: k.hi, lo: k.lo, bits: uint8(p.Bits())}
	}
	return Key{}
}

// ref is one ban a key leads to. In a layer, the zero ref means no ban and
// multiMark means several, listed in snapshot.multi.
type ref struct {
	id    ID
	until int64 // expiry in Unix nanoseconds; math.MaxInt64 if permanent
}

var multiMark = ref{until: -1}

type v6key struct{ hi, lo uint64 }

type r6key struct {
	hi, lo uint64
	bits   uint8
}

// snapshot is immutable once published.
type snapshot struct {
	strs  [3]layer[string, ref] // kCustomer, kName, kEmail
	steam layer[uint64, ref]
	uuid  layer[string, ref] // by the 16 raw bytes: Go's maps have a fast path for strings, not for 16-byte structs

	ip4    layer[uint32, ref]
	ip6    layer[string, ref]
	range4 layer[uint64, ref]
	range6 layer[r6key, ref]
	multi  layer[Key, []ref] // keys with more than one ban
	ranges *rangeSet         // the ranges in use; nil if none
	n      int               // bans held
}

type hint [1 << 16 / 64]uint64

func (h *hint) has(top16 uint64) bool { return h != nil && h[top16>>6]&(1<<(top16&63)) != 0 }

func (h *hint) add(top16 uint64, bits int) {
	if bits >= 16 {
		h[top16>>6] |= 1 << (top16 & 63)
		return
	}
	span := uint64(1) << (16 - bits)
	for v := top16 &^ (span - 1); v < top16&^(span-1)+span; v++ {
		h[v>>6] |= 1 << (v & 63)
	}
}

var emptySnapshot = &snapshot{}

// layer is a read-only map plus an overlay of changes on top of it. A key in
// delta hides the same key in base; a zero value there means none.
type layer[K comparable, V any] struct {
	base, delta map[K]V
}

func (l *layer[K, V]) get(k K) V {
	if len(l.delta) != 0 {
		if v, ok := l.delta[k]; ok {
			return v
		}
	}
	return l.base[k]
}

// with returns l with changes laid over it, folding the overlay into a new
// base once it outgrows √len(base), so a write copies O(√n) entries and the
// O(n) fold comes once per √n writes.
// A fold sizes the base for room times its keys (see newTables).
func (l layer[K, V]) with(changes map[K]V, none func(V) bool, room int) layer[K, V] {
	if len(changes) == 0 {
		return l
	}
	delta := make(map[K]V, len(l.delta)+len(changes))
	maps.Copy(delta, l.delta)
	maps.Copy(delta, changes)
	if limit := max(64, int(math.Sqrt(float64(len(l.base))))); len(delta) <= limit {
		return layer[K, V]{base: l.base, delta: delta}
	}
	base := make(map[K]V, room*(len(l.base)+len(delta)))
	maps.Copy(base, l.base)
	for k, v := range delta {
		if none(v) {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return layer[K, V]{base: base}
}

func noRef(r ref) bool    { return r.id == "" }
func noRefs(r []ref) bool { return len(r) == 0 }

func (x *Index) load() *snapshot {
	if s := x.snap.Load(); s != nil {
		return s
	}
	return emptySnapshot
}

// lookup returns the ref stored under k (possibly multiMark).
func (s *snapshot) lookup(k *Key) ref {
	switch k.t {
	case kCustomer, kName, kEmail:
		return s.strs[k.t-kCustomer].get(k.s)
	case kSteam:
		return s.steam.get(k.lo)
	case kUUID:
		return s.uuid.get(k.s)
	case kIP4:
		return s.ip4.get(uint32(k.lo))
	case kIP6:
		return s.ip6.get(k.s)
	case kRange4:
		return s.range4.get(k.lo)
	case kRange6:
		return s.range6.get(r6key{k.hi, k.lo, k.bits})
	}
	return ref{}
}

// refs returns every ban stored under k.
func (s *snapshot) refs(k Key) []ref {
	switch r := s.lookup(&k); {
	case r == multiMark:
		return s.multi.get(k)
	case r.id != "":
		return []ref{r}
	}
	return nil
}

// mask64 keeps the top bits of a word.
func mask64(bits int) uint64 {
	switch {
	case bits <= 0:
		return 0
	case bits >= 64:
		return ^uint64(0)
	}
	return ^uint64(0) << (64 - bits)
}

// FirstMatch returns one ban active at now that matches any of keys (an
// equal identity, or a range holding an IP), without allocating.
//
// The lookups are written out here rather than through lookup: a check is a
// handful of map probes, and the calls around them cost as much again.
func (x *Index) FirstMatch(now time.Time, keys []Key) (ID, bool) {
	s := x.load()
	t := now.UnixNano()
	for i := range keys {
		k := &keys[i]
		var r ref
		switch k.t {
		case kSteam:
			r = s.steam.get(k.lo)
		case kName:
			r = s.strs[kName-kCustomer].get(k.s)
		case kEmail:
			r = s.strs[kEmail-kCustomer].get(k.s)
		case kCustomer:
			r = s.strs[0].get(k.s)
		case kUUID:
			r = s.uuid.get(k.s)
		case kIP4:
			r = s.ip4.get(uint32(k.lo))
		case kIP6:
			r = s.ip6.get(k.s)
		default:
			r = s.lookup(k)
		}
		if r.id != "" {
			if t < r.until {
				return r.id, true
			}
		} else if r == multiMark {
			for _, r := range s.multi.get(*k) {
				if t < r.until {
					return r.id, true
				}
			}
		}
		if (k.t == kIP4 || k.t == kIP6) && s.ranges != nil {
			if n := s.ranges.find(k); n >= 0 {
				if b := s.ranges.nodes[n].best; b.id != "" && t < b.until {
					return b.id, true
				}
			}
		}
	}
	return "", false
}

// Banned reports whether any ban active at now matches any of keys (see
// FirstMatch).
func (x *Index) Banned(now time.Time, keys []Key) bool {
	_, ok := x.FirstMatch(now, keys)
	return ok
}

// Check returns the IDs of every ban active at now that matches any of ids,
// newest first, each once.
func (x *Index) Check(now time.Time, ids ...Identity) []ID {
	s := x.load()
	t := now.UnixNano()
	var out []ID
	collect := func(k Key) {
		for _, r := range s.refs(k) {
			if t < r.until && !slices.Contains(out, r.id) {
				out = append(out, r.id)
			}
		}
	}
	for _, id := range ids {
		k := KeyOf(id)
		collect(k)
		for n := s.ranges.find(&k); n >= 0; n = s.ranges.nodes[n].parent {
			collect(s.ranges.nodes[n].key)
		}
	}
	slices.SortFunc(out, func(a, b ID) int { return strings.Compare(string(b), string(a)) })
	return out
}

// Len returns how many bans the index holds, expired ones included until
// they are pruned.
func (x *Index) Len() int { return x.load().n }

// NewIndex returns an index holding bs (removed ones are skipped; of two
// bans with one ID the later wins, as with Put). It builds the maps in one
// pass, which is much faster than Put for a large store; a Builder does the
// same without holding every ban first.
func NewIndex(bs []Ban) *Index {
	var b Builder
	for _, ban := range bs {
		b.Add(ban)
	}
	return b.Index()
}

// tables holds one map per key type, as a layer's base or its changes.
type tables struct {
	strs   [3]map[string]ref
	steam  map[uint64]ref
	uuid   map[string]ref
	ip4    map[uint32]ref
	ip6    map[string]ref
	range4 map[uint64]ref
	range6 map[r6key]ref
}

func newTables(sizes [kRange6 + 1]int) tables {
	var t tables
	// The string maps get room for twice their keys: most lookups miss,
	// and a miss in a map filled to 7/8 probes groups with no free slot
	// and compares the strings whose hash tags collide, which made a name
	// or email lookup cost 2.5× one in a bare map. Numeric keys compare in
	// one instruction, so their maps stay dense.
	for i := range t.strs {
		t.strs[i] = make(map[string]ref, 2*sizes[kCustomer+keyType(i)])
	}
	t.steam = make(map[uint64]ref, sizes[kSteam])
	t.uuid = make(map[string]ref, sizes[kUUID])
	t.ip4 = make(map[uint32]ref, sizes[kIP4])
	t.ip6 = make(map[string]ref, sizes[kIP6])
	t.range4 = make(map[uint64]ref, sizes[kRange4])
	t.range6 = make(map[r6key]ref, sizes[kRange6])
	return t
}

func (t *tables) get(k *Key) ref {
	switch k.t {
	case kCustomer, kName, kEmail:
		return t.strs[k.t-kCustomer][k.s]
	case kSteam:
		return t.steam[k.lo]
	case kUUID:
		return t.uuid[k.s]
	case kIP4:
		return t.ip4[uint32(k.lo)]
	case kIP6:
		return t.ip6[k.s]
	case kRange4:
		return t.range4[k.lo]
	case kRange6:
		return t.range6[r6key{k.hi, k.lo, k.bits}]
	}
	return ref{}
}

func (t *tables) set(k *Key, r ref) {
	switch k.t {
	case kCustomer, kName, kEmail:
		t.strs[k.t-kCustomer][k.s] = r
	case kSteam:
		t.steam[k.lo] = r
	case kUUID:
		t.uuid[k.s] = r
	case kIP4:
		t.ip4[uint32(k.lo)] = r
	case kIP6:
		t.ip6[k.s] = r
	case kRange4:
		t.range4[k.lo] = r
	case kRange6:
		t.range6[r6key{k.hi, k.lo, k.bits}] = r
	}
}

// setRanges indexes the ranges in use, once s's maps hold their bans.
func (s *snapshot) setRanges(ranges map[Key]int) {
	keys := make([]Key, 0, len(ranges))
	for k, n := range ranges {
		if n <= 0 {
			delete(ranges, k)
			continue
		}
		keys = append(keys, k)
	}
	s.ranges = newRangeSet(keys, s.refs)
}

// Put adds bans or replaces the ones with the same IDs, as one change that
// readers see whole. A removed ban is taken out.
func (x *Index) Put(bs ...Ban) {
	var b Builder
	for _, ban := range bs {
		b.Add(ban)
	}
	x.PutAll(&b)
}

// Remove takes bans out.
func (x *Index) Remove(ids ...ID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.apply(nil, ids)
}

// Prune takes out the bans expired at now, to free their memory. Lookups
// ignore expired bans anyway; a pruned ban no longer matches an earlier now.
// It returns the IDs it took out, and costs what dropping them costs,
// whatever the index holds: the expiring bans are kept in expiry order, so
// a Prune with nothing expired looks at one and allocates nothing.
func (x *Index) Prune(now time.Time) []ID {
	x.mu.Lock()
	defer x.mu.Unlock()
	var gone []ID
	t := now.UnixNano()
	for next := x.nextExpiry(); len(x.expiries) > 0 && next <= t; next = x.nextExpiry() {
		id := x.expiries.pop().id
		// A ban put again with the same expiry has two entries: mark it
		// permanent until apply drops it, so the other reads as stale.
		h := x.bans[id]
		h.until = math.MaxInt64
		x.bans[id] = h
		gone = append(gone, id)
	}
	if len(gone) > 0 {
		x.apply(nil, gone)
	}
	return gone
}

// NextExpiry returns the earliest expiry among the bans the index holds, so
// a caller can Prune when it passes; ok is false if no ban expires.
func (x *Index) NextExpiry() (at time.Time, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.nextExpiry(); t != math.MaxInt64 {
		return time.Unix(0, t).UTC(), true
	}
	return time.Time{}, false
}

// nextExpiry drops stale entries off the top of the heap and returns the
// earliest expiry held, math.MaxInt64 if none. x.mu is held.
func (x *Index) nextExpiry() int64 {
	for len(x.expiries) > 0 {
		top := x.expiries[0]
		if h, ok := x.bans[top.id]; ok && h.until == top.until {
			return top.until
		}
		x.expiries.pop()
	}
	return math.MaxInt64
}

// expire records that the ban id is held until t, and rebuilds the heap
// from the bans held when stale entries outnumber live ones (bans replaced
// or removed before they expired), so it stays O(bans held). x.mu is held.
func (x *Index) expire(id ID, t int64) {
	if t == math.MaxInt64 {
		return
	}
	x.expiries.push(expiry{t, id})
	if len(x.expiries) > 2*len(x.bans)+64 {
		x.rebuildExpiries()
	}
}

func (x *Index) rebuildExpiries() {
	x.expiries = x.expiries[:0]
	for id, h := range x.bans {
		if h.until != math.MaxInt64 {
			x.expiries.push(expiry{h.until, id})
		}
	}
}

// rebuildAt is the size of a change, at least, that rebuilds the index
// instead of laying the change over it: from a quarter of the index, the
// one-pass build costs less than the changes one key at a time.
func rebuildAt(held int) int { return max(64, held/4) }

// apply publishes a snapshot with ids removed and b's bans put. x.mu is
// held.
func (x *Index) apply(b *Builder, ids []ID) {
	var puts map[ID]held
	var removed map[ID]struct{}
	if b != nil {
		puts, removed = b.bans, b.removed
	}
	if len(puts)+len(removed)+len(ids) >= rebuildAt(len(x.bans)) {
		x.rebuild(puts, removed, ids)
		return
	}
	if x.bans == nil {
		x.bans, x.ranges = make(map[ID]held, len(puts)), map[Key]int{}
	}
	old := x.load()
	// pending holds the full list of refs of every key changed so far.
	pending := map[Key][]ref{}
	cur := func(k Key) []ref {
		if r, ok := pending[k]; ok {
			return r
		}
		return old.refs(k)
	}
	drop := func(id ID) {
		h, ok := x.bans[id]
		if !ok {
			return
		}
		for k := range h.all() {
			pending[k] = without(cur(k), id)
			x.countRange(k, -1)
		}
		delete(x.bans, id)
	}
	for _, id := range ids {
		drop(id)
	}
	for id := range removed {
		drop(id)
	}
	for id, h := range puts {
		drop(id)
		for k := range h.all() {
			pending[k] = with(cur(k), ref{id: id, until: h.until})
			x.countRange(k, 1)
		}
		x.bans[id] = h
		x.expire(id, h.until)
	}
	x.snap.Store(old.with(pending, len(x.bans), x.ranges))
}

func (x *Index) countRange(k Key, d int) {
	if k.t == kRange4 || k.t == kRange6 {
		x.ranges[k] += d
	}
}

// with returns s with the keys in pending set to their refs.
func (s *snapshot) with(pending map[Key][]ref, n int, ranges map[Key]int) *snapshot {
	var sizes [kRange6 + 1]int
	ch := newTables(sizes)
	multi := map[Key][]ref{}
	rangesChanged := false
	for k, refs := range pending {
		var r ref
		switch len(refs) {
		case 0:
		case 1:
			r = refs[0]
		default:
			r = multiMark
			multi[k] = refs
		}
		if len(refs) <= 1 && s.lookup(&k) == multiMark {
			multi[k] = nil
		}
		ch.set(&k, r)
		rangesChanged = rangesChanged || k.t == kRange4 || k.t == kRange6
	}
	next := &snapshot{
		steam: s.steam.with(ch.steam, noRef, 1), uuid: s.uuid.with(ch.uuid, noRef, 1),
		ip4: s.ip4.with(ch.ip4, noRef, 1), ip6: s.ip6.with(ch.ip6, noRef, 1),
		range4: s.range4.with(ch.range4, noRef, 1), range6: s.range6.with(ch.range6, noRef, 1),
		multi:  s.multi.with(multi, noRefs, 1),
		ranges: s.ranges, n: n,
	}
	for i := range ch.strs {
		next.strs[i] = s.strs[i].with(ch.strs[i], noRef, 2)
	}
	if rangesChanged {
		next.setRanges(ranges)
	}
	return next
}

// with returns refs plus r, in a new slice: published slices never change.
func with(refs []ref, r ref) []ref {
	out := make([]ref, 0, len(refs)+1)
	for _, x := range refs {
		if x.id != r.id {
			out = append(out, x)
		}
	}
	return append(out, r)
}

// without returns refs minus id, in a new slice.
func without(refs []ref, id ID) []ref {
	out := make([]ref, 0, len(refs))
	for _, x := range refs {
		if x.id != id {
			out = append(out, x)
		}
	}
	return out
}

// until converts an expiry to Unix nanoseconds, clamped: far-off expiries
// compare as permanent, which they are in practice.
func until(t *time.Time) int64 {
	switch {
	case t == nil:
		return math.MaxInt64
	case t.Unix() >= math.MaxInt64/1_000_000_000:
		return math.MaxInt64
	case t.Unix() <= math.MinInt64/1_000_000_000:
		return math.MinInt64
	}
	return t.UnixNano()
}
