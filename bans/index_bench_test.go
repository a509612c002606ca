package bans_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
)

// A join check: 4 identities per player (a Steam ID or a Minecraft UUID, a
// name, an IPv4 or IPv6 address, an email), half the players banned through
// one of them at a random position, half not banned at all. Bans mix every
// type and a few CIDR ranges, of which some players' addresses are inside.
//
//	go test -run XXX -bench 'IndexCheck|MapBaseline' -benchmem -count 3 ./bans/
//
// BenchmarkMapBaseline does the same 4 lookups, stopping at the first hit, in
// a bare map[string] holding "type:value" of every banned identity: the cost
// of the memory access alone, to compare the index against at each size.
// Both report the heap they hold per ban (heapB/ban).

const players = 1 << 14

type benchSet struct {
	idx     *bans.Index
	base    map[string]bans.ID
	queries [players][]bans.Key // parsed once per player
	keys    [players][4]string  // the same, as the baseline's keys
	// Heap each holds per ban, once the bans they were built from are
	// gone: what a game server pays to keep them.
	idxHeap, baseHeap float64
}

var (
	benchMu   sync.Mutex
	benchSets = map[int]*benchSet{}
)

// benchBan returns ban i of n: every type in turn (3 in 10 Steam IDs, 1 a
// Minecraft UUID, 2 names, 2 IPs, 2 emails), the last 5 CIDR ranges. Ban i
// is the same whenever it is made, so the index and the baseline can each
// be built from bans of their own and measured alone.
func benchBan(i, n int) bans.Ban {
	if r := i - (n - len(benchRanges)); r >= 0 {
		return bans.Ban{ID: bans.ID("ban_r" + strconv.Itoa(r)), Identities: []bans.Identity{bans.MustIdentity(bans.IPRange, benchRanges[r])}}
	}
	var x bans.Identity
	r := rand.New(rand.NewPCG(uint64(i), 3))
	switch kind := i % 10; {
	case kind < 3:
		x = bans.Identity{Type: bans.Steam, Value: strconv.FormatUint(steamBase+uint64(i)+1, 10)}
	case kind < 4:
		x = bans.Identity{Type: bans.MinecraftUUID, Value: benchUUID(r, 0)}
	case kind < 6:
		x = bans.Identity{Type: bans.Name, Value: "b" + strconv.Itoa(i)}
	case kind < 8:
		x = bans.Identity{Type: bans.IP, Value: benchIP(r, i, true)}
	default:
		x = bans.Identity{Type: bans.Email, Value: "b" + strconv.Itoa(i) + "@example.com"}
	}
	return bans.Ban{ID: bans.ID("ban_" + strconv.Itoa(i)), Identities: []bans.Identity{x}}
}

var benchRanges = []string{"10.1.0.0/16", "10.2.3.0/24", "192.0.2.0/24", "2001:db8:1::/48", "2001:db8:2:3::/64"}

// heapAfterGC returns the live heap.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// benchSetup builds (once per size, shared by both benchmarks) n bans and
// the players checked against them.
// b.Loop starts timing after it.
func benchSetup(tb testing.TB, n int) *benchSet {
	benchMu.Lock()
	defer benchMu.Unlock()
	if s, ok := benchSets[n]; ok {
		return s
	}
	s := &benchSet{}
	h0 := heapAfterGC()
	// The ban lists are garbage once built from, so each heap reading
	// counts what the index or the map keeps, not its input.
	s.idx = bans.NewIndex(benchBans(n))
	h1 := heapAfterGC()
	s.base = make(map[string]bans.ID, n)
	for _, ban := range benchBans(n) {
		for _, x := range ban.Identities {
			s.base[string(x.Type)+":"+x.Value] = ban.ID
		}
	}
	h2 := heapAfterGC()
	s.idxHeap, s.baseHeap = float64(h1-h0)/float64(n), float64(h2-h1)/float64(n)

	r := rand.New(rand.NewPCG(1, uint64(n)))
	// A banned identity a player holds at slot (Steam or UUID, name, IP,
	// email): one of the bans of the kinds that go there.
	kinds := [4][2]int{{0, 4}, {4, 2}, {6, 2}, {8, 2}}
	banned := func(slot int) bans.Identity {
		i := 10*r.IntN((n-len(benchRanges))/10) + kinds[slot][0] + r.IntN(kinds[slot][1])
		return benchBan(i, n).Identities[0]
	}
	for p := range players {
		q := []bans.Identity{
			{Type: bans.Steam, Value: strconv.FormatUint(steamBase+1<<31+uint64(p), 10)},
			{Type: bans.Name, Value: "m" + strconv.Itoa(p)},
			{Type: bans.IP, Value: benchIP(r, p, false)},
			{Type: bans.Email, Value: "m" + strconv.Itoa(p) + "@example.org"},
		}
		if p%4 == 1 {
			q[0] = bans.Identity{Type: bans.MinecraftUUID, Value: benchUUID(r, 1)}
		}
		if p%2 == 0 { // banned through one identity
			k := r.IntN(4)
			if k == 2 && p%16 == 0 {
				q[k] = bans.Identity{Type: bans.IP, Value: fmt.Sprintf("10.1.%d.%d", r.IntN(256), r.IntN(256))}
			} else {
				q[k] = banned(k)
			}
		}
		for _, x := range q {
			if _, err := bans.ParseIdentity(x.Type, x.Value); err != nil {
				tb.Fatalf("bench identity %v: %v", x, err)
			}
		}
		s.queries[p] = bans.KeysOf(q)
		for i, x := range q {
			s.keys[p][i] = string(x.Type) + ":" + x.Value
		}
	}
	benchSets[n] = s
	runtime.GC() // not during the timed loop
	return s
}

const steamBase = 76561197960265728

// benchUUID makes a random version-4 UUID; tag keeps banned (0) and
// unbanned (1) ones apart.
func benchUUID(r *rand.Rand, tag byte) string {
	var u [16]byte
	for i := range u {
		u[i] = byte(r.Uint32())
	}
	u[0] = 0x80 | tag
	u[6] = u[6]&0x0f | 0x40
	return customer.FormatUUID(u)
}

// benchIP makes banned addresses in 100.64.0.0/10 and fd00::/8, and
// unbanned ones in 172.16.0.0/12 and fd80::/9, none in the ranges above; one
// in four is IPv6.
func benchIP(r *rand.Rand, i int, banned bool) string {
	if i%4 == 3 {
		var a [16]byte
		a[0], a[1] = 0xfd, byte(r.IntN(0x80))
		if !banned {
			a[1] |= 0x80
		}
		for j := 2; j < 16; j++ {
			a[j] = byte(r.Uint32())
		}
		return netip.AddrFrom16(a).String()
	}
	if banned {
		return netip.AddrFrom4([4]byte{100, 64 + byte(i>>16)&0x3f, byte(i >> 8), byte(i)}).String()
	}
	return netip.AddrFrom4([4]byte{172, 16 + byte(i>>16)&0x0f, byte(i >> 8), byte(i)}).String()
}

var sizes = []int{1000, 1000000}

var sink int

func BenchmarkIndexCheck(b *testing.B) {
	for _, n := range sizes {
		b.Run("bans="+strconv.Itoa(n), func(b *testing.B) {
			s := benchSetup(b, n)
			b.ReportAllocs()
			hits, i := 0, 0
			for b.Loop() {
				if s.idx.Banned(now, s.queries[i&(players-1)]) {
					hits++
				}
				i++
			}
			sink += hits
			b.ReportMetric(s.idxHeap, "heapB/ban")
		})
	}
}

func BenchmarkMapBaseline(b *testing.B) {
	for _, n := range sizes {
		b.Run("bans="+strconv.Itoa(n), func(b *testing.B) {
			s := benchSetup(b, n)
			b.ReportAllocs()
			hits, i := 0, 0
			for b.Loop() {
				for _, k := range &s.keys[i&(players-1)] {
					if _, ok := s.base[k]; ok {
						hits++
						break
					}
				}
				i++
			}
			sink += hits
			b.ReportMetric(s.baseHeap, "heapB/ban")
		})
	}
}

// The benchmark's players are half banned, as the index sees them.
func TestBenchSetHalfBanned(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 1000-ban set")
	}
	s := benchSetup(t, 1000)
	banned := 0
	for _, q := range s.queries {
		if s.idx.Banned(now, q) {
			banned++
		}
	}
	if banned != players/2 {
		t.Errorf("%d of %d players banned, want half", banned, players)
	}
}

// Pruning as bans expire, one ban at a time as a ban sync does: Put a ban
// that expires, then Prune once it has. The baseline takes the same ban out
// with Remove, timed in the same run; Prune should cost about as much at
// every size (the prune/remove metric near 1), since it finds expired bans
// by expiry rather than by looking at every ban.
//
//	go test -run XXX -bench 'IndexPrune' -benchmem ./bans/
func BenchmarkIndexPrune(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run("bans="+strconv.Itoa(n), func(b *testing.B) {
			const baselineOps = 5000
			remove := expiringCycle(n, false)
			start := time.Now()
			for i := range baselineOps {
				remove(i)
			}
			perRemove := float64(time.Since(start).Nanoseconds()) / baselineOps
			prune := expiringCycle(n, true)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				prune(i)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i)/perRemove, "prune/remove")
		})
	}
}

// expiringCycle returns a step over a new index of n bans, half of them
// expiring later, that puts one expiring ban and takes it out by Prune (or
// by Remove) once it expires.
func expiringCycle(n int, prune bool) func(i int) {
	all := make([]bans.Ban, n)
	for i := range all {
		all[i] = bans.Ban{ID: bans.ID(fmt.Sprintf("ban_%026d", i)), Identities: []bans.Identity{bans.SteamIdentity(steamBase + uint64(i) + 1)}}
		if i%2 == 0 {
			all[i].ExpiresAt = new(now.Add(time.Duration(24+i) * time.Hour))
		}
	}
	idx := bans.NewIndex(all)
	return func(i int) {
		at := now.Add(time.Duration(i+1) * time.Second)
		ban := bans.Ban{ID: "ban_expiring", Identities: []bans.Identity{bans.SteamIdentity(steamBase)}, ExpiresAt: &at}
		idx.Put(ban)
		if prune {
			idx.Prune(at)
		} else {
			idx.Remove(ban.ID)
		}
	}
}

// BenchmarkIndexRangeLengths checks addresses against 1024 IPv4 or IPv6
// ranges that use one prefix length or many (IPv4 /16–/32, IPv6 /32–/128),
// all inside one /8 (one /16 for IPv6) so the top-bits hint filters
// nothing. Half the addresses are inside some range. A check's cost should
// not depend on how many lengths are in use:
//
//	go test -run '^$' -bench IndexRangeLengths -benchmem ./bans/
func BenchmarkIndexRangeLengths(b *testing.B) {
	for _, c := range []struct {
		name     string
		v6       bool
		min, max int
	}{
		{"v4lengths=1", false, 24, 24},
		{"v4lengths=17", false, 16, 32},
		{"v6lengths=1", true, 64, 64},
		{"v6lengths=97", true, 32, 128},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(7, 7))
			addr := func() netip.Addr {
				if c.v6 {
					var a [16]byte
					a[0], a[1] = 0x20, 0x01
					for i := 2; i < 16; i++ {
						a[i] = byte(r.Uint32())
					}
					return netip.AddrFrom16(a)
				}
				return netip.AddrFrom4([4]byte{10, 0, byte(r.Uint32()), byte(r.Uint32())})
			}
			var all []bans.Ban
			var inside []netip.Addr
			for i := range 1024 {
				bits := c.min + i%(c.max-c.min+1)
				a := addr()
				p := netip.PrefixFrom(a, bits).Masked()
				all = append(all, bans.Ban{ID: bans.ID("ban_" + strconv.Itoa(i)), Identities: []bans.Identity{bans.MustIdentity(bans.IPRange, p.String())}})
				inside = append(inside, a)
			}
			idx := bans.NewIndex(all)
			queries := make([][]bans.Key, 1024)
			hits := 0
			for i := range queries {
				a := inside[i]
				if i%2 == 1 {
					a = addr()
				}
				queries[i] = []bans.Key{bans.IPKey(a)}
				if idx.Banned(now, queries[i]) {
					hits++
				}
			}
			if hits < len(queries)/2 {
				b.Fatalf("%d of %d addresses banned, want at least half", hits, len(queries))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if idx.Banned(now, queries[i&1023]) {
					hits++
				}
				i++
			}
			sink += hits
		})
	}
}

// BenchmarkIndexBuild builds an index of 100 000 bans of 4 identities (a
// full load's shape) three ways — NewIndex, a Builder then PutAll into an
// empty index in use, and Put(all...) — against a bare map of the same
// keys built in one loop, the floor. Each reports ns/ban.
//
//	go test -run '^$' -bench IndexBuild -benchmem ./bans/
func BenchmarkIndexBuild(b *testing.B) {
	const n = 100_000
	all := make([]bans.Ban, n)
	for i := range all {
		all[i] = bans.Ban{ID: bans.ID(fmt.Sprintf("ban_%026d", i)), Identities: []bans.Identity{
			{Type: bans.Email, Value: fmt.Sprintf("p%d@example.com", i)},
			{Type: bans.Name, Value: fmt.Sprintf("player%d", i)},
			bans.SteamIdentity(steamBase + uint64(i) + 1),
			bans.IPIdentity(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})),
		}}
	}
	perBan := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/ban")
	}
	b.Run("via=NewIndex", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if bans.NewIndex(all).Len() != n {
				b.Fatal("lost bans")
			}
		}
		perBan(b)
	})
	b.Run("via=PutAll", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var x bans.Index
			var bld bans.Builder
			for _, ban := range all {
				bld.Add(ban)
			}
			x.PutAll(&bld)
			if x.Len() != n {
				b.Fatal("lost bans")
			}
		}
		perBan(b)
	})
	b.Run("via=Put", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var x bans.Index
			x.Put(all...)
			if x.Len() != n {
				b.Fatal("lost bans")
			}
		}
		perBan(b)
	})
	b.Run("via=MapBaseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := make(map[string]bans.ID, 4*n)
			for _, ban := range all {
				for _, x := range ban.Identities {
					m[string(x.Type)+":"+x.Value] = ban.ID
				}
			}
			if len(m) != 4*n {
				b.Fatal("lost keys")
			}
		}
		perBan(b)
	})
}

// benchBans returns the n bans of a benchmark set.
func benchBans(n int) []bans.Ban {
	all := make([]bans.Ban, n)
	for i := range all {
		all[i] = benchBan(i, n)
	}
	return all
}

// BenchmarkIndexCheckRatio runs the checks of BenchmarkIndexCheck and
// BenchmarkMapBaseline in alternating blocks of one pass over the players
// each, timed by the thread's CPU time where the OS gives it, and reports
// the median of the blocks' ratios (index/map): on a shared machine, load
// that comes and goes then hits both sides alike.
//
//	go test -run '^$' -bench IndexCheckRatio -count 3 ./bans/
func BenchmarkIndexCheckRatio(b *testing.B) {
	for _, n := range sizes {
		b.Run("bans="+strconv.Itoa(n), func(b *testing.B) {
			s := benchSetup(b, n)
			hits := 0
			index := func() {
				for i := range players {
					if s.idx.Banned(now, s.queries[i]) {
						hits++
					}
				}
			}
			baseline := func() {
				for i := range players {
					for _, k := range &s.keys[i] {
						if _, ok := s.base[k]; ok {
							hits++
							break
						}
					}
				}
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			clock := func() time.Duration {
				if d := threadCPU(); d != 0 {
					return d
				}
				return time.Duration(time.Now().UnixNano())
			}
			var ratios []float64
			for b.Loop() {
				t0 := clock()
				index()
				t1 := clock()
				baseline()
				ratios = append(ratios, float64(t1-t0)/float64(clock()-t1))
			}
			sink += hits
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "index/map")
			b.ReportMetric(s.idxHeap/s.baseHeap, "heap-index/map")
		})
	}
}
