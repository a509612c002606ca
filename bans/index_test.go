package bans_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/bans"
)

func id(t bans.IdentityType, raw string) bans.Identity { return bans.MustIdentity(t, raw) }

func TestIndex(t *testing.T) {
	exp := now.Add(time.Hour)
	mk := func(expires *time.Time, ids ...bans.Identity) bans.Ban {
		return bans.Ban{ID: bans.NewID(now), Reason: "r", ExpiresAt: expires, Identities: ids}
	}
	steam := mk(nil, id(bans.Steam, "STEAM_0:0:23071901"), id(bans.Name, "Griefer"))
	range4 := mk(&exp, id(bans.IPRange, "203.0.113.0/24"))
	range6 := mk(nil, id(bans.IPRange, "2001:db8:1::/48"))
	host := mk(nil, id(bans.IP, "198.51.100.9"), id(bans.Email, "Bad@Example.com"))
	uuid := mk(nil, id(bans.MinecraftUUID, "708f6260183d3912bbde5e279a5e739a"), id(bans.IPRange, "203.0.113.0/25"))
	removed := mk(nil, id(bans.Name, "ghost"))
	removed.RemovedAt = &now
	idx := bans.NewIndex([]bans.Ban{steam, range4, range6, host, uuid, removed})
	if idx.Len() != 5 {
		t.Errorf("Len = %d, want 5 (the removed ban is skipped)", idx.Len())
	}

	for _, c := range []struct {
		name string
		at   time.Time
		ids  []bans.Identity
		want []bans.ID
	}{
		{"STEAM_1 equals STEAM_0", now, []bans.Identity{id(bans.Steam, "STEAM_1:0:23071901")}, []bans.ID{steam.ID}},
		{"name case-folded", now, []bans.Identity{id(bans.Name, "GRIEFER")}, []bans.ID{steam.ID}},
		{"email case-folded", now, []bans.Identity{id(bans.Email, "bad@EXAMPLE.com")}, []bans.ID{host.ID}},
		{"IPv4-mapped equality", now, []bans.Identity{id(bans.IP, "::ffff:198.51.100.9")}, []bans.ID{host.ID}},
		{"v4 CIDR, two ranges, newest first", now, []bans.Identity{id(bans.IP, "203.0.113.5")}, []bans.ID{uuid.ID, range4.ID}},
		{"v4 CIDR, wider range only", now, []bans.Identity{id(bans.IP, "203.0.113.200")}, []bans.ID{range4.ID}},
		{"v4 outside", now, []bans.Identity{id(bans.IP, "203.0.112.255")}, nil},
		{"v6 CIDR", now, []bans.Identity{id(bans.IP, "2001:db8:1:abcd::1")}, []bans.ID{range6.ID}},
		{"v6 outside", now, []bans.Identity{id(bans.IP, "2001:db8:2::1")}, nil},
		{"range equal", now, []bans.Identity{id(bans.IPRange, "::ffff:203.0.113.0/120")}, []bans.ID{range4.ID}},
		{"ban ending exactly at now", exp, []bans.Identity{id(bans.IP, "203.0.113.200")}, nil},
		{"just before the end", exp.Add(-time.Nanosecond), []bans.Identity{id(bans.IP, "203.0.113.200")}, []bans.ID{range4.ID}},
		{"removed ban", now, []bans.Identity{id(bans.Name, "ghost")}, nil},
		{"every matching ban, once", now, []bans.Identity{
			id(bans.Name, "griefer"), id(bans.Steam, "76561198006409530"), id(bans.IP, "203.0.113.1"), id(bans.Email, "x@y.z"),
		}, []bans.ID{uuid.ID, range4.ID, steam.ID}},
	} {
		got := idx.Check(c.at, c.ids...)
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s: Check (-want +got):\n%s", c.name, d)
		}
		first, ok := idx.FirstMatch(c.at, bans.KeysOf(c.ids))
		if ok != (len(c.want) > 0) || ok && !slices.Contains(c.want, first) {
			t.Errorf("%s: FirstMatch = %v %v, want one of %v", c.name, first, ok, c.want)
		}
		if idx.Banned(c.at, bans.KeysOf(c.ids)) != ok {
			t.Errorf("%s: Banned disagrees with FirstMatch", c.name)
		}
	}

	// Incremental changes.
	griefer := []bans.Identity{id(bans.Name, "griefer")}
	steam2 := steam.Clone()
	steam2.Identities = []bans.Identity{id(bans.Steam, "76561198006409530")}
	idx.Put(steam2)
	if got := idx.Check(now, griefer...); len(got) != 0 {
		t.Errorf("after Put dropped the name: %v", got)
	}
	steam2.RemovedAt = &now
	idx.Put(steam2)
	if got := idx.Check(now, id(bans.Steam, "76561198006409530")); len(got) != 0 || idx.Len() != 4 {
		t.Errorf("after Put of the removed ban: %v, Len %d", got, idx.Len())
	}
	idx.Remove(range4.ID, "ban_unknown")
	if got := idx.Check(now, id(bans.IP, "203.0.113.200")); len(got) != 0 {
		t.Errorf("after Remove: %v", got)
	}
	idx.Prune(now.AddDate(10, 0, 0))
	if idx.Len() != 3 {
		t.Errorf("Prune dropped permanent bans: Len %d", idx.Len())
	}

	var zero bans.Index
	if zero.Banned(now, bans.KeysOf(griefer)) {
		t.Error("zero Index bans")
	}
	zero.Put(steam)
	if !zero.Banned(now, bans.KeysOf(griefer)) {
		t.Error("zero Index after Put misses")
	}
}

func TestIndexFirstMatchAllocatesNothing(t *testing.T) {
	bs := []bans.Ban{
		{ID: bans.NewID(now), Identities: []bans.Identity{id(bans.Steam, "STEAM_0:0:1")}},
		{ID: bans.NewID(now), Identities: []bans.Identity{id(bans.IPRange, "10.0.0.0/8"), id(bans.IPRange, "2001:db8::/32")}},
	}
	idx := bans.NewIndex(bs)
	idx.Put(bans.Ban{ID: bans.NewID(now), Identities: []bans.Identity{id(bans.Name, "overlay")}}) // a non-empty overlay
	for _, q := range [][]bans.Identity{
		{id(bans.Name, "nobody"), id(bans.IP, "192.0.2.1"), id(bans.IP, "2001:db9::1"), id(bans.Steam, "STEAM_0:0:2")},
		{id(bans.IP, "10.2.3.4")},
		{id(bans.Name, "overlay")},
	} {
		keys := bans.KeysOf(q)
		if n := testing.AllocsPerRun(100, func() { idx.FirstMatch(now, keys) }); n != 0 {
			t.Errorf("FirstMatch(%v) allocates %v times", q, n)
		}
	}
}

// Readers run while a writer changes the index: under -race this shows
// reads need no lock.
func TestIndexConcurrent(t *testing.T) {
	idx := bans.NewIndex(nil)
	a, b := id(bans.Name, "a"), id(bans.Email, "a@example.com")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got := idx.Check(now, a, b)
				if !slices.IsSortedFunc(got, func(x, y bans.ID) int { return strings.Compare(string(y), string(x)) }) {
					t.Errorf("Check not newest first: %v", got)
				}
				_ = idx.Banned(now, []bans.Key{bans.KeyOf(a)})
			}
		})
	}
	var ids []bans.ID
	for i := range 300 {
		ban := bans.Ban{ID: bans.NewID(now), Identities: []bans.Identity{a, b, id(bans.Name, "p"+strings.Repeat("x", i%5))}}
		idx.Put(ban)
		ids = append(ids, ban.ID)
		if i%3 == 0 {
			idx.Remove(ids[i/2])
		}
	}
	close(stop)
	wg.Wait()
	if got, want := len(idx.Check(now, a)), idx.Len(); got != want {
		t.Errorf("after the writes: %d bans match a, index holds %d", got, want)
	}
}

// The index agrees with a plain list of bans, whatever Puts, Removes and
// Prunes happen, across overlay folds.
func TestIndexModel(t *testing.T) {
	pool := []bans.Identity{
		id(bans.Name, "a"), id(bans.Name, "b"), id(bans.Email, "a@example.com"),
		id(bans.Steam, "STEAM_0:0:1"), id(bans.Steam, "STEAM_0:1:1"), id(bans.MinecraftUUID, "708f6260183d3912bbde5e279a5e739a"),
		id(bans.Customer, "cus_01JD3XK5G7M3Q2W8E9R4T6Y1ZA"),
		id(bans.IP, "10.0.0.1"), id(bans.IP, "10.0.1.1"), id(bans.IP, "10.1.0.1"), id(bans.IP, "11.0.0.1"),
		id(bans.IP, "2001:db8::1"), id(bans.IP, "2001:db8:0:1::1"), id(bans.IP, "2001:db9::1"),
		id(bans.IPRange, "10.0.0.0/24"), id(bans.IPRange, "10.0.0.0/16"), id(bans.IPRange, "10.0.0.0/8"),
		id(bans.IPRange, "10.0.0.1/32"), id(bans.IPRange, "2001:db8::/64"), id(bans.IPRange, "2001:db8::/32"),
		id(bans.IPRange, "2000::/3"), id(bans.IPRange, "8.0.0.0/5"), id(bans.IPRange, "2001:db8::1/128"),
		id(bans.IP, "3fff::1"), id(bans.IP, "15.255.255.255"), id(bans.IP, "16.0.0.0"),
	}
	identities := rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 1, 3, func(x bans.Identity) bans.Identity { return x })
	rapid.Check(t, func(t *rapid.T) {
		clock := now
		model := map[bans.ID]bans.Ban{}
		idx := bans.NewIndex(nil)
		newBan := func(t *rapid.T) bans.Ban {
			b := bans.Ban{ID: bans.NewID(clock), Identities: identities.Draw(t, "identities")}
			if rapid.Bool().Draw(t, "expires") {
				b.ExpiresAt = new(clock.Add(time.Duration(rapid.IntRange(-2, 10).Draw(t, "expiry")) * time.Minute))
			}
			if rapid.IntRange(0, 9).Draw(t, "removed") == 0 {
				b.RemovedAt = &clock
			}
			return b
		}
		put := func(bs ...bans.Ban) {
			for _, b := range bs {
				if b.Removed() {
					delete(model, b.ID)
				} else {
					model[b.ID] = b
				}
			}
			idx.Put(bs...)
		}
		existing := func(t *rapid.T) bans.ID {
			if len(model) == 0 {
				t.Skip("no bans")
			}
			keys := make([]bans.ID, 0, len(model))
			for k := range model {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return rapid.SampledFrom(keys).Draw(t, "ban")
		}
		t.Repeat(map[string]func(*rapid.T){
			"put": func(t *rapid.T) { put(newBan(t)) },
			"put many": func(t *rapid.T) {
				bs := make([]bans.Ban, rapid.IntRange(20, 80).Draw(t, "n"))
				for i := range bs {
					bs[i] = newBan(t)
				}
				put(bs...)
			},
			// A Builder, as full loads use: later bans win, removed ones
			// take out earlier ones and bans the index held.
			"put all": func(t *rapid.T) {
				var b bans.Builder
				n := rapid.IntRange(0, 150).Draw(t, "n")
				for range n {
					ban := newBan(t)
					if len(model) > 0 && rapid.Bool().Draw(t, "existing ID") {
						ban.ID = existing(t)
					}
					b.Add(ban)
					if ban.Removed() {
						delete(model, ban.ID)
					} else {
						model[ban.ID] = ban
					}
				}
				idx.PutAll(&b)
				if b.Len() != 0 {
					t.Fatalf("Builder holds %d bans after PutAll, want none", b.Len())
				}
			},
			"replace": func(t *rapid.T) {
				b := newBan(t)
				b.ID = existing(t)
				put(b)
			},
			"remove": func(t *rapid.T) {
				id := existing(t)
				delete(model, id)
				idx.Remove(id)
			},
			"prune": func(t *rapid.T) {
				var want []bans.ID
				for id, b := range model {
					if !b.Active(clock) {
						delete(model, id)
						want = append(want, id)
					}
				}
				got := idx.Prune(clock)
				slices.Sort(want)
				slices.Sort(got)
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("Prune took out (-model +index):\n%s", d)
				}
			},
			"rebuild": func(t *rapid.T) {
				all := make([]bans.Ban, 0, len(model))
				for _, b := range model {
					all = append(all, b)
				}
				idx = bans.NewIndex(all)
			},
			"build": func(t *rapid.T) {
				var b bans.Builder
				for _, ban := range model {
					b.Add(ban)
				}
				idx = b.Index()
			},
			"advance": func(t *rapid.T) {
				clock = clock.Add(time.Duration(rapid.IntRange(0, 120).Draw(t, "seconds")) * time.Second)
			},
			"": func(t *rapid.T) {
				if idx.Len() != len(model) {
					t.Fatalf("Len = %d, model holds %d", idx.Len(), len(model))
				}
				var next *time.Time
				for _, b := range model {
					if b.ExpiresAt != nil && (next == nil || b.ExpiresAt.Before(*next)) {
						next = b.ExpiresAt
					}
				}
				if at, ok := idx.NextExpiry(); ok != (next != nil) || ok && !at.Equal(*next) {
					t.Fatalf("NextExpiry = %v %v, model %v", at, ok, next)
				}
				q := identities.Draw(t, "query")
				var want []bans.ID
				for _, b := range model {
					if b.Active(clock) && b.MatchesAny(q) {
						want = append(want, b.ID)
					}
				}
				slices.Sort(want)
				slices.Reverse(want)
				got := idx.Check(clock, q...)
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("Check(%v) (-model +index):\n%s", q, d)
				}
				first, ok := idx.FirstMatch(clock, bans.KeysOf(q))
				if ok != (len(want) > 0) || ok && !slices.Contains(want, first) {
					t.Fatalf("FirstMatch(%v) = %v %v, model %v", q, first, ok, want)
				}
			},
		})
	})
}

// Every spelling of an identity has the key of its canonical form, and the
// constructors agree with KeyOf.
func TestKeyOf(t *testing.T) {
	steam, _ := bans.ParseIdentity(bans.Steam, "STEAM_0:0:23071901")
	for _, c := range []struct {
		raw  bans.Identity
		want bans.Key
	}{
		{bans.Identity{Type: bans.Steam, Value: "STEAM_1:0:23071901"}, bans.SteamKey(76561198006409530)},
		{bans.Identity{Type: bans.Steam, Value: "76561193711442234"}, bans.SteamKey(76561198006409530)}, // instance 0
		{steam, bans.SteamKey(76561198006409530)},
		{bans.Identity{Type: bans.MinecraftUUID, Value: "069A79F444E94726A5BEFCA90E38AAF5"}, bans.UUIDKey([16]byte{0x06, 0x9a, 0x79, 0xf4, 0x44, 0xe9, 0x47, 0x26, 0xa5, 0xbe, 0xfc, 0xa9, 0x0e, 0x38, 0xaa, 0xf5})},
		{bans.Identity{Type: bans.IP, Value: "::ffff:203.0.113.7"}, bans.IPKey(mustAddr("203.0.113.7"))},
		{bans.Identity{Type: bans.IP, Value: "fe80::1%eth0"}, bans.IPKey(mustAddr("fe80::1"))},
		{bans.Identity{Type: bans.Name, Value: " Notch"}, bans.NameKey("notch")},
		{bans.Identity{Type: bans.Email, Value: "A@B.C"}, bans.EmailKey("a@b.c")},
		{bans.Identity{Type: bans.Customer, Value: "cus_01jd3xk5g7m3q2w8e9r4t6y1za"}, bans.CustomerKey("cus_01JD3XK5G7M3Q2W8E9R4T6Y1ZA")},
		{bans.Identity{Type: bans.Steam, Value: "nope"}, bans.Key{}},
	} {
		if got := bans.KeyOf(c.raw); got != c.want {
			t.Errorf("KeyOf(%v) = %+v, want %+v", c.raw, got, c.want)
		}
	}
	// A mapped range matches like its IPv4 form.
	idx := bans.NewIndex([]bans.Ban{{ID: "ban_1", Identities: []bans.Identity{{Type: bans.IPRange, Value: "::ffff:10.0.0.0/104"}}}})
	if !idx.Banned(now, []bans.Key{bans.IPKey(mustAddr("10.9.9.9"))}) {
		t.Error("a range given in its IPv4-mapped form does not match")
	}
}

// A Prune with nothing expired is a look at the earliest expiry: nothing
// is allocated or published, however many bans the index holds, so a ban
// sync may call it whenever a ban expires.
func TestIndexPruneNothingExpired(t *testing.T) {
	var all []bans.Ban
	for i := range 1000 {
		exp := now.Add(time.Duration(i+1) * time.Minute)
		all = append(all, bans.Ban{ID: bans.NewID(now), Identities: []bans.Identity{bans.SteamIdentity(76561198006409530 + uint64(i))}, ExpiresAt: &exp})
	}
	idx := bans.NewIndex(all)
	if allocs := testing.AllocsPerRun(100, func() { idx.Prune(now) }); allocs != 0 {
		t.Errorf("Prune with nothing expired: %v allocations", allocs)
	}
	if got := idx.Prune(now.Add(90 * time.Second)); len(got) != 1 || got[0] != all[0].ID || idx.Len() != 999 {
		t.Errorf("Prune after the first expiry took out %v, Len %d; want [%s], 999", got, idx.Len(), all[0].ID)
	}
}

// Nested ranges: an address matches every range holding it, and an inner
// range's expired ban hides neither an outer active one nor the reverse.
func TestIndexNestedRanges(t *testing.T) {
	soon, later := now.Add(time.Minute), now.Add(time.Hour)
	mk := func(n int, expires *time.Time, prefix string) bans.Ban {
		return bans.Ban{ID: bans.ID("ban_" + string(rune('a'+n))), ExpiresAt: expires, Identities: []bans.Identity{id(bans.IPRange, prefix)}}
	}
	outer, mid, inner := mk(0, &later, "10.0.0.0/8"), mk(1, &soon, "10.1.0.0/16"), mk(2, nil, "10.1.2.0/24")
	other := mk(3, nil, "10.2.0.0/16")
	v6outer, v6inner := mk(4, &soon, "2001:db8::/32"), mk(5, &later, "2001:db8:0:1::/64")
	idx := bans.NewIndex([]bans.Ban{outer, mid, inner, other, v6outer, v6inner})
	for _, c := range []struct {
		ip   string
		at   time.Time
		want []bans.ID
	}{
		{"10.1.2.3", now, []bans.ID{inner.ID, mid.ID, outer.ID}},
		{"10.1.3.3", now, []bans.ID{mid.ID, outer.ID}},
		{"10.1.3.3", soon, []bans.ID{outer.ID}},
		{"10.1.3.3", later, nil},
		{"10.1.2.3", later, []bans.ID{inner.ID}},
		{"10.2.255.255", later, []bans.ID{other.ID}},
		{"10.3.0.0", now, []bans.ID{outer.ID}},
		{"11.0.0.0", now, nil},
		{"9.255.255.255", now, nil},
		{"2001:db8:0:1::9", soon, []bans.ID{v6inner.ID}},
		{"2001:db8:0:2::9", now, []bans.ID{v6outer.ID}},
		{"2001:db8:0:2::9", soon, nil},
	} {
		q := id(bans.IP, c.ip)
		if d := cmp.Diff(c.want, idx.Check(c.at, q)); d != "" {
			t.Errorf("Check(%s) at +%v (-want +got):\n%s", c.ip, c.at.Sub(now), d)
		}
		first, ok := idx.FirstMatch(c.at, bans.KeysOf([]bans.Identity{q}))
		if ok != (len(c.want) > 0) || ok && !slices.Contains(c.want, first) {
			t.Errorf("FirstMatch(%s) at +%v = %v %v, want one of %v", c.ip, c.at.Sub(now), first, ok, c.want)
		}
	}
}
