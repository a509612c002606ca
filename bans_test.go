package playerbase

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// banClock is a settable clock for the ban tests.
type banClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *banClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *banClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var banStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func banSetup(t testing.TB) (*Client, *banClock) {
	t.Helper()
	clk := &banClock{t: banStart}
	return New(memory.New(), &Config{Now: clk.Now}), clk
}

func mustBan(t testing.TB, pb *Client, p BanCreateParams) bans.Ban {
	t.Helper()
	if p.Reason == "" {
		p.Reason = "cheating"
	}
	if p.Actor == "" {
		p.Actor = "admin:alice"
	}
	b, err := pb.BanCreate(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func raw(t bans.IdentityType, v string) bans.Identity { return bans.Identity{Type: t, Value: v} }

func TestBanLifecycle(t *testing.T) {
	ctx := context.Background()
	pb, clk := banSetup(t)
	exp := banStart.Add(24 * time.Hour)
	b := mustBan(t, pb, BanCreateParams{
		ExpiresAt:  &exp,
		Identities: []bans.Identity{raw(bans.Steam, "STEAM_1:0:23071901"), raw(bans.IP, "::ffff:203.0.113.7")},
	})
	if d := cmp.Diff([]bans.Identity{raw(bans.Steam, "76561198006409530"), raw(bans.IP, "203.0.113.7")}, b.Identities); d != "" {
		t.Errorf("identities stored canonical (-want +got):\n%s", d)
	}
	pasted, err := bans.ParseID(strings.ToLower(string(b.ID)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pb.BanGet(ctx, pasted)
	if err != nil || got.ID != b.ID {
		t.Fatalf("BanGet(a pasted ID) = %v, %v", got.ID, err)
	}
	if _, err := bans.ParseID("cus_01JD3XK5G7M3Q2W8E9R4T6Y1ZA"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bans.ParseID(customer ID) = %v, want ErrInvalid", err)
	}
	if _, err := pb.BanGet(ctx, bans.NewID(banStart)); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetBan unknown = %v, want ErrNotFound", err)
	}

	clk.Advance(time.Hour)
	reason := "alt account"
	up, err := pb.BanUpdate(ctx, b.ID, BanUpdateParams{
		Reason: &reason, Add: []bans.Identity{raw(bans.Name, "Garry")}, Remove: []bans.Identity{raw(bans.Steam, "[U:1:46143802]")}, Actor: "admin:bob",
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Reason != reason || len(up.Identities) != 2 || up.UpdatedBy != "admin:bob" || !up.UpdatedAt.Equal(banStart.Add(time.Hour)) || up.CreatedBy != "admin:alice" {
		t.Errorf("UpdateBan = %+v", up)
	}
	_, err = pb.BanUpdate(ctx, b.ID, BanUpdateParams{Remove: up.Identities, Actor: "admin:bob"})
	var ie *errs.InvalidError
	if !errors.As(err, &ie) || ie.Field != "remove" {
		t.Errorf("removing the last identity = %v, want an InvalidError on remove", err)
	}
	if got, _ := pb.BanGet(ctx, b.ID); len(got.Identities) != 2 {
		t.Errorf("refused update changed the ban: %v", got.Identities)
	}

	clk.Advance(time.Hour)
	un, err := pb.BanRemove(ctx, b.ID, BanRemoveParams{Actor: "admin:carol"})
	if err != nil {
		t.Fatal(err)
	}
	if un.RemovedBy != "admin:carol" || un.RemovedAt == nil || !un.RemovedAt.Equal(banStart.Add(2*time.Hour)) {
		t.Errorf("Unban = %+v", un)
	}
	// History kept: the ban is still there, listed as removed, out of Check.
	got, err = pb.BanGet(ctx, b.ID)
	if err != nil || !got.Removed() || got.Reason != reason {
		t.Errorf("GetBan after Unban = %+v, %v", got, err)
	}
	page, err := pb.BanList(ctx, BanListParams{State: bans.StateRemoved})
	if err != nil || len(page.Bans) != 1 || page.Bans[0].ID != b.ID {
		t.Errorf("ListBans removed = %v, %v", page.Bans, err)
	}
	if found, _ := pb.BanFind(ctx, []bans.Identity{raw(bans.Name, "garry")}); len(found) != 0 {
		t.Errorf("Check finds a removed ban: %v", bans.IDs(found))
	}
	var re *bans.RemovedError
	if _, err := pb.BanRemove(ctx, b.ID, BanRemoveParams{Actor: "admin:carol"}); !errors.As(err, &re) || !errors.Is(err, ErrConflict) {
		t.Errorf("Unban twice = %v, want *bans.RemovedError", err)
	}
	if _, err := pb.BanUpdate(ctx, b.ID, BanUpdateParams{Reason: &reason, Actor: "a"}); !errors.As(err, &re) {
		t.Errorf("UpdateBan after Unban = %v, want *bans.RemovedError", err)
	}
	if _, err := pb.BanRemove(ctx, bans.NewID(banStart), BanRemoveParams{Actor: "a"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Unban unknown = %v, want ErrNotFound", err)
	}
}

func TestBanRefusals(t *testing.T) {
	pb, _ := banSetup(t)
	past := banStart.Add(-time.Minute)
	for _, c := range []struct {
		name  string
		p     BanCreateParams
		field string
	}{
		{"no reason", BanCreateParams{Actor: "a", Identities: []bans.Identity{raw(bans.Name, "x")}}, "reason"},
		{"no identity", BanCreateParams{Reason: "r", Actor: "a"}, "identities"},
		{"bad actor", BanCreateParams{Reason: "r", Actor: "a\x00b", Identities: []bans.Identity{raw(bans.Name, "x")}}, "actor"},
		{"expired already", BanCreateParams{Reason: "r", Actor: "a", ExpiresAt: &past, Identities: []bans.Identity{raw(bans.Name, "x")}}, "expires_at"},
		{"bad identity", BanCreateParams{Reason: "r", Actor: "a", Identities: []bans.Identity{raw(bans.Name, "x"), raw(bans.Email, "x"), raw(bans.IPRange, "10.0.0.0/33")}}, "identities[1].email"},
	} {
		_, err := pb.BanCreate(context.Background(), c.p)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: Ban = %v, want an InvalidError on %q", c.name, err, c.field)
		}
	}
	if page, _ := pb.BanList(context.Background(), BanListParams{}); len(page.Bans) != 0 {
		t.Errorf("refused bans were stored: %v", page.Bans)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	pb, clk := banSetup(t)
	soon := banStart.Add(time.Hour)
	range4 := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.IPRange, "203.0.113.0/24")}})
	range6 := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.IPRange, "2001:db8:1::/48")}})
	host := mustBan(t, pb, BanCreateParams{ExpiresAt: &soon, Identities: []bans.Identity{raw(bans.IP, "203.0.113.7"), raw(bans.Email, "Bad@Example.com")}})
	steam := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.Steam, "STEAM_0:1:42"), raw(bans.Name, "Griefer")}})
	for _, c := range []struct {
		name string
		ids  []bans.Identity
		want []bans.ID
	}{
		{"IPv4-mapped equality and v4 CIDR, every match newest first", []bans.Identity{raw(bans.IP, "::ffff:203.0.113.7")}, []bans.ID{host.ID, range4.ID}},
		{"v4 CIDR only", []bans.Identity{raw(bans.IP, "203.0.113.8")}, []bans.ID{range4.ID}},
		{"v6 CIDR", []bans.Identity{raw(bans.IP, "2001:db8:1:2::3")}, []bans.ID{range6.ID}},
		{"v6 outside", []bans.Identity{raw(bans.IP, "2001:db8:2::3")}, nil},
		{"STEAM_1 equals STEAM_0", []bans.Identity{raw(bans.Steam, "STEAM_1:1:42")}, []bans.ID{steam.ID}},
		{"names case-folded", []bans.Identity{raw(bans.Name, "GRIEFER")}, []bans.ID{steam.ID}},
		{"emails case-folded", []bans.Identity{raw(bans.Email, "bad@example.COM")}, []bans.ID{host.ID}},
		{"one ban once", []bans.Identity{raw(bans.Name, "griefer"), raw(bans.Steam, "[U:1:85]")}, []bans.ID{steam.ID}},
	} {
		found, err := pb.BanFind(ctx, c.ids)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := cmp.Diff(c.want, bans.IDs(found), cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
			t.Errorf("%s: Check (-want +got):\n%s", c.name, d)
		}
	}
	// The ban ends exactly at its expiry.
	clk.Advance(soon.Sub(banStart) - time.Microsecond)
	if found, _ := pb.BanFind(ctx, []bans.Identity{raw(bans.Email, "bad@example.com")}); len(found) != 1 {
		t.Errorf("a microsecond before expiry: %v", bans.IDs(found))
	}
	clk.Advance(time.Microsecond)
	if found, _ := pb.BanFind(ctx, []bans.Identity{raw(bans.Email, "bad@example.com")}); len(found) != 0 {
		t.Errorf("at the expiry instant: %v, want none", bans.IDs(found))
	}
	if _, err := pb.BanFind(ctx, []bans.Identity{raw(bans.IP, "nope")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Check of a bad identity = %v, want ErrInvalid", err)
	}
}

func TestListBans(t *testing.T) {
	ctx := context.Background()
	pb, clk := banSetup(t)
	var made []bans.Ban
	for i := range 5 {
		ids := []bans.Identity{raw(bans.Name, fmt.Sprintf("p%d", i))}
		if i%2 == 0 {
			ids = append(ids, raw(bans.Steam, "STEAM_0:0:7"))
		}
		made = append(made, mustBan(t, pb, BanCreateParams{Identities: ids}))
	}
	if _, err := pb.BanRemove(ctx, made[1].ID, BanRemoveParams{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	soon := banStart.Add(time.Minute)
	if _, err := pb.BanUpdate(ctx, made[3].ID, BanUpdateParams{SetExpiry: true, ExpiresAt: &soon, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)

	var paged []bans.ID
	p := BanListParams{Limit: 2}
	for {
		page, err := pb.BanList(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, bans.IDs(page.Bans)...)
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	want := bans.IDs(made)
	slices.Reverse(want)
	if d := cmp.Diff(want, paged); d != "" {
		t.Errorf("pages, newest first (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		p    BanListParams
		want []bans.ID
	}{
		{BanListParams{State: bans.StateActive}, []bans.ID{made[4].ID, made[2].ID, made[0].ID}},
		{BanListParams{State: bans.StateExpired}, []bans.ID{made[3].ID}},
		{BanListParams{State: bans.StateRemoved}, []bans.ID{made[1].ID}},
		{BanListParams{Identity: raw(bans.Steam, "[U:1:14]")}, []bans.ID{made[4].ID, made[2].ID, made[0].ID}},
		{BanListParams{Identity: raw(bans.Name, "P3")}, []bans.ID{made[3].ID}},
		{BanListParams{Identity: raw(bans.Steam, ""), State: bans.StateActive}, []bans.ID{made[4].ID, made[2].ID, made[0].ID}},
	} {
		page, err := pb.BanList(ctx, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, bans.IDs(page.Bans)); d != "" {
			t.Errorf("ListBans(%+v) (-want +got):\n%s", c.p, d)
		}
	}
	for _, p := range []BanListParams{
		{State: "gone"}, {Identity: raw("discord", "")}, {Identity: raw(bans.Steam, "x")}, {Cursor: "nope"},
	} {
		if _, err := pb.BanList(ctx, p); !errors.Is(err, ErrInvalid) {
			t.Errorf("ListBans(%+v) = %v, want ErrInvalid", p, err)
		}
	}
}

// The banner and the checkout gate see the same bans: those active now that
// match the customer's ID, name, platform ID, known IPs or emails.
func TestBannerAndCheckNotBanned(t *testing.T) {
	ctx := context.Background()
	pb, clk := banSetup(t)
	garry, _, err := pb.CustomerIdentify(ctx, CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	notch, _, err := pb.CustomerIdentify(ctx, CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: "069a79f444e94726a5befca90e38aaf5", Name: "Notch"})
	if err != nil {
		t.Fatal(err)
	}
	if garry, err = pb.CustomerRecordCheckout(ctx, garry.ID, CustomerRecordCheckoutParams{IP: "::ffff:198.51.100.23", Email: "Garry@Example.com"}); err != nil {
		t.Fatal(err)
	}

	gate := func(c customer.Customer) error {
		return pb.view(ctx, func(tx storage.Tx) error {
			cust, err := tx.Customers().Get(ctx, c.ID)
			if err != nil {
				return err
			}
			return checkNotBanned(ctx, tx, cust, pb.clock())
		})
	}
	expect := func(name string, c customer.Customer, want ...bans.ID) {
		t.Helper()
		got, err := pb.CustomerBanner(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
			t.Errorf("%s: Banner (-want +got):\n%s", name, d)
		}
		err = gate(c)
		if len(want) == 0 {
			if err != nil {
				t.Errorf("%s: checkNotBanned = %v, want nil", name, err)
			}
			return
		}
		var be *bans.BannedError
		if !errors.As(err, &be) || !errors.Is(err, ErrForbidden) || !slices.Equal(be.IDs, want) {
			t.Errorf("%s: checkNotBanned = %v, want a BannedError with %v", name, err, want)
		}
	}

	expect("nothing banned", garry)
	soon := banStart.Add(time.Hour)
	byRange := mustBan(t, pb, BanCreateParams{ExpiresAt: &soon, Identities: []bans.Identity{raw(bans.IPRange, "198.51.100.0/24")}})
	expect("known IP in a banned CIDR", garry, byRange.ID)
	expect("another customer", notch)

	byName := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.Name, "GARRY")}})
	byEmail := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.Email, "garry@example.com")}})
	bySteam := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.Steam, "STEAM_1:0:23071901")}})
	byID := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{bans.CustomerIdentity(garry.ID)}})
	byUUID := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.MinecraftUUID, "069A79F4-44E9-4726-A5BE-FCA90E38AAF5")}})
	expect("every way, newest first", garry, byID.ID, bySteam.ID, byEmail.ID, byName.ID, byRange.ID)
	expect("Minecraft Java platform ID", notch, byUUID.ID)

	clk.Advance(time.Hour)
	expect("the CIDR ban expired", garry, byID.ID, bySteam.ID, byEmail.ID, byName.ID)
	for _, id := range []bans.ID{byID.ID, bySteam.ID, byEmail.ID, byName.ID} {
		if _, err := pb.BanRemove(ctx, id, BanRemoveParams{Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
	}
	expect("all lifted", garry)

	if _, err := pb.CustomerBanner(ctx, customer.NewID(banStart)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Banner of an unknown customer = %v, want ErrNotFound", err)
	}
}

// A join check keeps asking the watched index, and each change the Client
// makes is in it when the call returns: no Put in between.
func TestBanWatchIndexOnJoin(t *testing.T) {
	ctx := context.Background()
	pb, clk := banSetup(t)
	soon := banStart.Add(time.Minute)
	a := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.IPRange, "10.0.0.0/8")}})
	b := mustBan(t, pb, BanCreateParams{ExpiresAt: &soon, Identities: []bans.Identity{raw(bans.Name, "griefer")}})
	c := mustBan(t, pb, BanCreateParams{Identities: []bans.Identity{raw(bans.Name, "lifted")}})
	if _, err := pb.BanRemove(ctx, c.ID, BanRemoveParams{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	watch, err := pb.BanWatch(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := watch.Close(); err != nil {
			t.Error(err)
		}
	}()
	idx := watch.Index()
	if idx.Len() != 2 {
		t.Errorf("index holds %d bans, want the 2 active ones", idx.Len())
	}
	player := []bans.Key{bans.NameKey("Griefer"), bans.IPKey(netip.MustParseAddr("10.1.2.3"))}
	if got := idx.Check(clk.Now(), bans.NameIdentity("Griefer"), bans.IPIdentity(netip.MustParseAddr("10.1.2.3"))); !slices.Equal(got, []bans.ID{b.ID, a.ID}) {
		t.Errorf("Check = %v", got)
	}
	if _, err := pb.BanRemove(ctx, a.ID, BanRemoveParams{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	if id, ok := idx.FirstMatch(clk.Now(), player); !ok || id != b.ID {
		t.Errorf("FirstMatch = %v %v, want %v", id, ok, b.ID)
	}
	clk.Advance(time.Minute)
	if idx.Banned(clk.Now(), player) {
		t.Error("the name ban expired but the index still bans")
	}
}

// The ban state machine: random bans, changes, unbans, clock moves and
// checks against a plain-Go model; the store (through the Client) and an
// Index kept in step by Put always agree with it.
type banMachine struct {
	pb  *Client
	clk *banClock
	idx *bans.Index // kept by Put
	// watched is a BanWatch's index, kept by the watch alone; nil where
	// the watch may lag the calls.
	watched *bans.Index
	bans    []*banModel // creation order
	pool    []banPoolEntry
	times   []time.Duration
}

type banModel struct {
	id      bans.ID
	reason  string
	expires *time.Time
	ids     []int // indexes into pool
	removed bool
}

// banPoolEntry is one identity in the forms a user may type it, with its
// canonical form and, for addresses, its parsed value, which the model
// compares with plain netip calls.
type banPoolEntry struct {
	canon bans.Identity
	forms []string
	ip    netip.Addr
	rng   netip.Prefix
}

func banPool() []banPoolEntry {
	e := func(t bans.IdentityType, canon string, forms ...string) banPoolEntry {
		p := banPoolEntry{canon: bans.Identity{Type: t, Value: canon}, forms: append([]string{canon}, forms...)}
		switch t {
		case bans.IP:
			p.ip = netip.MustParseAddr(canon)
		case bans.IPRange:
			p.rng = netip.MustParsePrefix(canon)
		}
		return p
	}
	return []banPoolEntry{
		e(bans.Steam, "76561198006409530", "STEAM_0:0:23071901", "STEAM_1:0:23071901", "[U:1:46143802]"),
		e(bans.Steam, "76561197960265813", "STEAM_0:1:42", "[U:1:85]"),
		e(bans.MinecraftUUID, "069a79f4-44e9-4726-a5be-fca90e38aaf5", "069A79F444E94726A5BEFCA90E38AAF5"),
		e(bans.Name, "griefer", "Griefer", "GRIEFER"),
		e(bans.Name, "notch", "Notch"),
		e(bans.Email, "bad@example.com", "Bad@Example.COM"),
		e(bans.IP, "203.0.113.7", "::ffff:203.0.113.7"),
		e(bans.IP, "203.0.114.7"),
		e(bans.IP, "2001:db8:1::7", "2001:DB8:1:0::7"),
		e(bans.IP, "2001:db8:2::7"),
		e(bans.IPRange, "203.0.113.0/24", "203.0.113.99/24", "::ffff:203.0.113.0/120"),
		e(bans.IPRange, "203.0.0.0/16"),
		e(bans.IPRange, "2001:db8:1::/48"),
		e(bans.IPRange, "2001:db8::/32"),
	}
}

func (m *banMachine) drawIdentities(t *rapid.T, label string, min int) ([]bans.Identity, []int) {
	idx := rapid.SliceOfNDistinct(rapid.IntRange(0, len(m.pool)-1), min, 3, func(i int) int { return i }).Draw(t, label)
	out := make([]bans.Identity, len(idx))
	for i, j := range idx {
		p := m.pool[j]
		out[i] = bans.Identity{Type: p.canon.Type, Value: rapid.SampledFrom(p.forms).Draw(t, label+" form")}
	}
	return out, idx
}

// drawExpiry returns nil (permanent) or a time around now, sometimes in the
// past or exactly now, which the rules refuse.
func (m *banMachine) drawExpiry(t *rapid.T) *time.Time {
	if rapid.Bool().Draw(t, "permanent") {
		return nil
	}
	at := m.clk.Now().Add(rapid.SampledFrom(m.times).Draw(t, "expiry"))
	return &at
}

func (m *banMachine) Create(t *rapid.T) {
	ids, idx := m.drawIdentities(t, "identities", 0)
	exp := m.drawExpiry(t)
	b, err := m.pb.BanCreate(context.Background(), BanCreateParams{Reason: "r", ExpiresAt: exp, Identities: ids, Actor: "a"})
	if len(ids) == 0 || exp != nil && !exp.After(m.clk.Now()) {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Ban(%v, %v) = %v, want ErrInvalid", ids, exp, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m.bans = append(m.bans, &banModel{id: b.ID, reason: "r", expires: exp, ids: idx})
	m.idx.Put(b)
}

func (m *banMachine) pick(t *rapid.T) *banModel {
	if len(m.bans) == 0 {
		t.Skip("no bans")
	}
	return m.bans[rapid.IntRange(0, len(m.bans)-1).Draw(t, "ban")]
}

func (m *banMachine) Update(t *rapid.T) {
	mb := m.pick(t)
	add, addIdx := m.drawIdentities(t, "add", 0)
	remove, removeIdx := m.drawIdentities(t, "remove", 0)
	ch := BanUpdateParams{Add: add, Remove: remove, Actor: "a"}
	if rapid.Bool().Draw(t, "change reason") {
		ch.Reason = new(fmt.Sprintf("r%d", len(m.bans)))
	}
	if rapid.Bool().Draw(t, "change expiry") {
		ch.SetExpiry, ch.ExpiresAt = true, m.drawExpiry(t)
	}
	// The model's rules.
	next := slices.DeleteFunc(slices.Clone(mb.ids), func(i int) bool { return slices.Contains(removeIdx, i) })
	for _, i := range addIdx {
		if !slices.Contains(next, i) {
			next = append(next, i)
		}
	}
	var wantErr error
	switch {
	case mb.removed:
		wantErr = ErrConflict
	case len(next) == 0:
		wantErr = ErrInvalid
	case ch.SetExpiry && ch.ExpiresAt != nil && !ch.ExpiresAt.After(m.clk.Now()):
		wantErr = ErrInvalid
	}
	b, err := m.pb.BanUpdate(context.Background(), mb.id, ch)
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("UpdateBan = %v, want %v", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	mb.ids = next
	if ch.Reason != nil {
		mb.reason = *ch.Reason
	}
	if ch.SetExpiry {
		mb.expires = ch.ExpiresAt
	}
	m.idx.Put(b)
}

func (m *banMachine) Unban(t *rapid.T) {
	mb := m.pick(t)
	b, err := m.pb.BanRemove(context.Background(), mb.id, BanRemoveParams{Actor: "a"})
	if mb.removed {
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Unban twice = %v, want ErrConflict", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	mb.removed = true
	m.idx.Put(b)
}

func (m *banMachine) Advance(t *rapid.T) {
	steps := []time.Duration{time.Second, time.Minute, time.Hour}
	// Landing exactly on an expiry exercises the instant a ban ends.
	now := m.clk.Now()
	for _, b := range m.bans {
		if b.expires != nil && b.expires.After(now) {
			steps = append(steps, b.expires.Sub(now))
		}
	}
	m.clk.Advance(rapid.SampledFrom(steps).Draw(t, "advance"))
}

// matches is the model's matching rule, on its own data.
func (m *banMachine) matches(b *banModel, q int) bool {
	qe := m.pool[q]
	for _, i := range b.ids {
		be := m.pool[i]
		if i == q || be.rng.IsValid() && qe.ip.IsValid() && be.rng.Contains(qe.ip) {
			return true
		}
	}
	return false
}

func (m *banMachine) active(b *banModel, now time.Time) bool {
	return !b.removed && (b.expires == nil || now.Before(*b.expires))
}

func (m *banMachine) Check(t *rapid.T) {
	ctx, now := context.Background(), m.clk.Now()
	queries, qIdx := m.drawIdentities(t, "query", 1)
	var want []bans.ID
	for i := len(m.bans) - 1; i >= 0; i-- {
		b := m.bans[i]
		if !m.active(b, now) {
			continue
		}
		for _, q := range qIdx {
			if m.matches(b, q) {
				want = append(want, b.id)
				break
			}
		}
	}
	found, err := m.pb.BanFind(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, bans.IDs(found), cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
		t.Fatalf("Check(%v) at %v (-model +client):\n%s", queries, now, d)
	}
	ids, err := m.pb.BanCheck(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, ids, cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
		t.Fatalf("BannedBy(%v) at %v (-model +client):\n%s", queries, now, d)
	}
	canon := make([]bans.Identity, len(qIdx))
	for i, q := range qIdx {
		canon[i] = m.pool[q].canon
	}
	if d := cmp.Diff(want, m.idx.Check(now, canon...), cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
		t.Fatalf("Index.Check(%v) at %v (-model +index):\n%s", canon, now, d)
	}
	if id, ok := m.idx.FirstMatch(now, bans.KeysOf(queries)); ok != (len(want) > 0) || ok && !slices.Contains(want, id) {
		t.Fatalf("Index.FirstMatch(%v) = %v %v, model %v", queries, id, ok, want)
	}
	if m.watched != nil {
		if d := cmp.Diff(want, m.watched.Check(now, canon...), cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
			t.Fatalf("watched Index.Check(%v) at %v (-model +index):\n%s", canon, now, d)
		}
	}

	// Every ban as stored, and the active listing.
	for _, b := range m.bans {
		got, err := m.pb.BanGet(ctx, b.id)
		if err != nil {
			t.Fatal(err)
		}
		var ids []bans.Identity
		for _, i := range b.ids {
			ids = append(ids, m.pool[i].canon)
		}
		if got.Reason != b.reason || got.Removed() != b.removed || !slices.Equal(got.Identities, ids) ||
			(got.ExpiresAt == nil) != (b.expires == nil) || b.expires != nil && !got.ExpiresAt.Equal(*b.expires) {
			t.Fatalf("ban %s = %+v, model %+v", b.id, got, b)
		}
	}
	page, err := m.pb.BanList(ctx, BanListParams{State: bans.StateActive, Limit: MaxBanPage})
	if err != nil {
		t.Fatal(err)
	}
	var active []bans.ID
	for i := len(m.bans) - 1; i >= 0; i-- {
		if m.active(m.bans[i], now) {
			active = append(active, m.bans[i].id)
		}
	}
	if d := cmp.Diff(active, bans.IDs(page.Bans), cmp.Comparer(func(a, b []bans.ID) bool { return slices.Equal(a, b) })); d != "" {
		t.Fatalf("active listing (-model +client):\n%s", d)
	}
}

func TestBanStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runBanMachine(t, memory.New())
	})
}

// TestBanStateMachinePostgres runs the same machine on PostgreSQL. The
// iterations share one schema (a schema each would spend the run on
// migrations), so each first lifts the bans the previous ones left active
// at banStart; the clock never goes back, so no other ban can match.
func TestBanStateMachinePostgres(t *testing.T) {
	backend := pgtest.NewBackend(t)
	rapid.Check(t, func(t *rapid.T) {
		liftActiveBans(t, New(backend, &Config{Now: func() time.Time { return banStart }}))
		runBanMachine(t, backend)
	})
}

func runBanMachine(t *rapid.T, backend storage.Backend) {
	clk := &banClock{t: banStart}
	m := &banMachine{
		pb: New(backend, &Config{Now: clk.Now}), clk: clk, idx: bans.NewIndex(nil), pool: banPool(),
		times: []time.Duration{-time.Minute, 0, time.Second, time.Minute, time.Hour, 24 * time.Hour},
	}
	// Where a change is in a watched index when the call returns (memory),
	// a game server's watch, through a Client of its own, agrees with the
	// model after every step too.
	if _, ok := backend.(storage.EventSubscriber); ok {
		w, err := New(backend, &Config{Now: clk.Now}).BanWatch(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := w.Close(); err != nil {
				t.Error(err)
			}
		}()
		m.watched = w.Index()
	}
	t.Repeat(rapid.StateMachineActions(m))
}

func liftActiveBans(t *rapid.T, pb *Client) {
	ctx := context.Background()
	for {
		page, err := pb.BanList(ctx, BanListParams{State: bans.StateActive, Limit: MaxBanPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Bans {
			if _, err := pb.BanRemove(ctx, b.ID, BanRemoveParams{Actor: "test:cleanup"}); err != nil {
				t.Fatal(err)
			}
		}
		if len(page.Bans) == 0 {
			return
		}
	}
}

func ExampleClient_BanFind() {
	ctx := context.Background()
	pb := New(memory.New(), nil)
	ban, _ := pb.BanCreate(ctx, BanCreateParams{
		Reason:     "chargeback fraud",
		Identities: []bans.Identity{{Type: bans.IPRange, Value: "203.0.113.0/24"}, {Type: bans.Email, Value: "Fraud@Example.com"}},
		Actor:      "admin:alice",
	})
	fmt.Println(ban.Identities)

	found, _ := pb.BanFind(ctx, []bans.Identity{{Type: bans.IP, Value: "::ffff:203.0.113.50"}})
	fmt.Println(len(found), found[0].ID == ban.ID)

	lifted, _ := pb.BanRemove(ctx, ban.ID, BanRemoveParams{Actor: "admin:bob"})
	found, _ = pb.BanFind(ctx, []bans.Identity{{Type: bans.Email, Value: "fraud@example.com"}})
	fmt.Println(len(found), lifted.RemovedBy)
	// Output:
	// [ip_range:203.0.113.0/24 email:fraud@example.com]
	// 1 true
	// 0 admin:bob
}

// A game server asks on every join whether any of the player's identities
// is banned; it gets the ban IDs to log, or none.
func ExampleClient_BanCheck() {
	ctx := context.Background()
	pb := New(memory.New(), nil)
	ban, _ := pb.BanCreate(ctx, BanCreateParams{
		Reason:     "cheating",
		Identities: []bans.Identity{{Type: bans.Steam, Value: "STEAM_0:0:23071901"}},
		Actor:      "admin:alice",
	})

	ids, _ := pb.BanCheck(ctx, []bans.Identity{
		{Type: bans.Steam, Value: "76561198006409530"}, {Type: bans.IP, Value: "198.51.100.7"},
	})
	fmt.Println(len(ids), ids[0] == ban.ID)

	ids, _ = pb.BanCheck(ctx, []bans.Identity{{Type: bans.Steam, Value: "76561197960287930"}})
	fmt.Println(len(ids))
	// Output:
	// 1 true
	// 0
}
