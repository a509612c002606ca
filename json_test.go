package playerbase_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/subscriptions"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/json")

// jsonRecords are the records a host sends to a browser or a queue, named
// as their golden files in testdata/json (docs/json.md describes them).
var jsonRecords = []struct {
	name string
	typ  reflect.Type
}{
	{"customer", reflect.TypeFor[customer.Customer]()},
	{"token", reflect.TypeFor[customer.Token]()},
	{"metadata", reflect.TypeFor[metadata.Metadata]()},
	{"order", reflect.TypeFor[orders.Order]()},
	{"subscription", reflect.TypeFor[subscriptions.Subscription]()},
	{"product", reflect.TypeFor[inventory.Product]()},
	{"item", reflect.TypeFor[inventory.Item]()},
	{"command", reflect.TypeFor[inventory.Command]()},
	{"delivery", reflect.TypeFor[playerbase.Delivery]()},
	{"ack_result", reflect.TypeFor[playerbase.DeliveryResult]()},
	{"ban", reflect.TypeFor[bans.Ban]()},
	{"gameserver", reflect.TypeFor[gameserver.Server]()},
	{"stats", reflect.TypeFor[stats.Stats]()},
	{"details", reflect.TypeFor[playerbase.Details]()},
	{"order_page", reflect.TypeFor[playerbase.OrderPage]()},
	{"inventory_page", reflect.TypeFor[playerbase.ItemPage]()},
	{"subscription_page", reflect.TypeFor[playerbase.SubscriptionPage]()},
	{"ban_page", reflect.TypeFor[playerbase.BanPage]()},
}

// Types that write themselves (a string or an object of their own): the
// tag check does not look inside them, and fillValue draws them whole.
var (
	timeType   = reflect.TypeFor[time.Time]()
	amountType = reflect.TypeFor[money.Amount]()
	addrType   = reflect.TypeFor[netip.Addr]()
)

// jsonCmp compares a record with its JSON round trip: a nil list reads back
// as an empty one, times by instant (JSON writes them in UTC).
var jsonCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// Every exported field of every record, and of the structs inside them, has
// an explicit snake_case JSON name (or "-", never written): a field added
// without one would reach the wire under its Go name.
func TestJSONNamesAreExplicitSnakeCase(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			walk(typ.Elem(), path)
			return
		case reflect.Struct:
		default:
			return
		}
		if seen[typ] || typ == timeType || typ == amountType || typ == addrType {
			return
		}
		seen[typ] = true
		for f := range typ.Fields() {
			if !f.IsExported() {
				t.Errorf("%s.%s: a record field must be exported to be written", typ, f.Name)
				continue
			}
			tag, ok := f.Tag.Lookup("json")
			name, opts, _ := strings.Cut(tag, ",")
			switch {
			case !ok:
				t.Errorf("%s.%s (in %s) has no json tag", typ, f.Name, path)
			case name == "-" && opts == "":
			case !snakeCase.MatchString(name):
				t.Errorf("%s.%s is named %q in JSON, want snake_case", typ, f.Name, name)
			}
			for _, o := range strings.Split(opts, ",") {
				if o != "" && o != "omitzero" {
					t.Errorf("%s.%s has json option %q; absent values use omitzero", typ, f.Name, o)
				}
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	for _, r := range jsonRecords {
		walk(r.typ, r.name)
	}
}

// rfc3339 matches the times encoding/json writes; jsonTimesUTC wants every
// one in UTC.
var rfc3339 = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([^"]*)"`)

// Every record round-trips: marshal, then unmarshal, gives an equal record.
// The JSON has no null (empty lists are [], absent times are left out) and
// every time is in UTC, whatever zone the record's times were in.
func TestJSONRoundTrip(t *testing.T) {
	for _, r := range jsonRecords {
		t.Run(r.name, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				v := fillValue(rt, r.typ, r.name)
				b, err := json.Marshal(v.Interface())
				if err != nil {
					rt.Fatalf("Marshal: %v", err)
				}
				var tree any
				if err := json.Unmarshal(b, &tree); err != nil {
					rt.Fatalf("Marshal wrote invalid JSON %s: %v", b, err)
				}
				if p := findNull(tree, r.name); p != "" {
					rt.Fatalf("%s is null in %s", p, b)
				}
				for _, m := range rfc3339.FindAllSubmatch(b, -1) {
					if string(m[2]) != "Z" {
						rt.Fatalf("time %s is not in UTC", m[0])
					}
				}
				back := reflect.New(r.typ)
				if err := json.Unmarshal(b, back.Interface()); err != nil {
					rt.Fatalf("Unmarshal(%s): %v", b, err)
				}
				if diff := cmp.Diff(v.Interface(), back.Elem().Interface(), jsonCmp); diff != "" {
					rt.Fatalf("round trip through %s (-want +got):\n%s", b, diff)
				}
			})
		})
	}
}

// findNull returns the path of a null in a decoded JSON tree, or "".
func findNull(v any, path string) string {
	switch v := v.(type) {
	case nil:
		return path
	case map[string]any:
		for k, x := range v {
			if p := findNull(x, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		for i, x := range v {
			if p := findNull(x, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	}
	return ""
}

var jsonZones = []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600)}

// fillValue draws a value of typ as a record may hold it: lists nil, empty
// or not, optional times absent or set, times in any zone, amounts at their
// currency's minor unit. A field tagged json:"-" stays zero: it is never
// written, so it cannot round-trip. A type it does not know fails the test,
// so a new kind of field gets a generator here before it ships.
func fillValue(t *rapid.T, typ reflect.Type, path string) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ {
	case timeType:
		// Years 1 to 9998, so the instant is inside JSON's range in any zone.
		sec := rapid.Int64Range(-62135596800+86400, 253370764800-86400).Draw(t, path+".sec")
		nsec := rapid.Int64Range(0, 999_999_999).Draw(t, path+".nsec")
		zone := rapid.SampledFrom(jsonZones).Draw(t, path+".zone")
		v.Set(reflect.ValueOf(time.Unix(sec, nsec).In(zone)))
		return v
	case amountType:
		c := money.MustParse("0", rapid.SampledFrom([]string{"EUR", "USD", "JPY", "KWD"}).Draw(t, path+".currency")).Currency
		units := rapid.Int64Range(-1e12, 1e12).Draw(t, path+".units")
		v.Set(reflect.ValueOf(money.Amount{Value: decimal.New(units, -c.MinorUnits()), Currency: c}))
		return v
	case addrType:
		var a netip.Addr
		switch rapid.IntRange(0, 2).Draw(t, path+".family") {
		case 1:
			a = netip.AddrFrom4([4]byte(rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(t, path+".v4")))
		case 2:
			a = netip.AddrFrom16([16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, path+".v6")))
		}
		v.Set(reflect.ValueOf(a))
		return v
	}
	switch typ.Kind() {
	case reflect.String:
		v.SetString(rapid.String().Draw(t, path))
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, path))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(rapid.Int64Range(-1<<31, 1<<31).Draw(t, path))
	case reflect.Pointer:
		if rapid.Bool().Draw(t, path+"?") {
			v.Set(fillValue(t, typ.Elem(), path).Addr())
		}
	case reflect.Slice:
		n := rapid.IntRange(-1, 3).Draw(t, path+".len")
		if n >= 0 {
			v.Set(reflect.MakeSlice(typ, n, n))
		}
		for i := range max(n, 0) {
			v.Index(i).Set(fillValue(t, typ.Elem(), path+"[]"))
		}
	case reflect.Map:
		n := rapid.IntRange(-1, 3).Draw(t, path+".len")
		if n >= 0 {
			v.Set(reflect.MakeMap(typ))
		}
		for range max(n, 0) {
			v.SetMapIndex(fillValue(t, typ.Key(), path+".key"), fillValue(t, typ.Elem(), path+"[]"))
		}
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				t.Fatalf("%s: no generator for %s, which has unexported field %s", path, typ, f.Name)
			}
			if f.Tag.Get("json") != "-" {
				v.Field(i).Set(fillValue(t, f.Type, path+"."+f.Name))
			}
		}
	default:
		t.Fatalf("%s: no generator for %s", path, typ)
	}
	return v
}

// The hash of a token is never written: a token in JSON says which token
// it is, never how to check a secret against it.
func TestJSONTokenHidesHash(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	tok, secret, err := customer.NewToken(customer.NewID(now), "plugin", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for k := range fields {
		if strings.Contains(strings.ToLower(k), "hash") || strings.Contains(strings.ToLower(k), "secret") {
			t.Errorf("token JSON has field %q: %s", k, b)
		}
	}
	_, body, _ := strings.Cut(secret, ".")
	for _, leak := range []string{
		hex.EncodeToString(tok.Hash[:]), base64.StdEncoding.EncodeToString(tok.Hash[:]),
		base64.RawURLEncoding.EncodeToString(tok.Hash[:]), body,
	} {
		if strings.Contains(string(b), leak) {
			t.Errorf("token JSON %s contains %q", b, leak)
		}
	}
	if tok.Hash == [sha256.Size]byte{} {
		t.Fatal("NewToken made no hash; the test would prove nothing")
	}
}

// A Details page of a customer who paid in two currencies shows both, each
// with its own amounts, and reads back as the same page.
func TestJSONDetailsTwoCurrencies(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comOn(t, memory.New(), playerbase.ReversalPolicy{})
	// VIP's catalog prices are 10.00 EUR and 12.00 USD.
	for i, code := range []string{"EUR", "USD"} {
		p := playerbase.OrderCreateParams{Currency: money.MustParse("0", code).Currency, Lines: []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}}}
		o, err := pb.OrderCreate(ctx, cust.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		ref := []string{"pay_json_eur", "pay_json_usd"}[i]
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := pb.CustomerDetails(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Stats struct {
			NetSpent []struct{ Amount, Currency string } `json:"net_spent"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	want := []struct{ Amount, Currency string }{{"10.00", "EUR"}, {"12.00", "USD"}}
	if diff := cmp.Diff(want, page.Stats.NetSpent); diff != "" {
		t.Errorf("stats.net_spent in %s (-want +got):\n%s", b, diff)
	}
	var back playerbase.Details
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, back, jsonCmp); diff != "" {
		t.Errorf("Details round trip (-want +got):\n%s", diff)
	}
}

// The JSON shape of every record is kept in testdata/json, one file per
// record (go test -run TestJSONGolden -update rewrites them): a change to a
// name or a format shows up as a diff there. Each golden file also reads
// back into its record.
func TestJSONGolden(t *testing.T) {
	records := goldenRecords()
	for _, r := range jsonRecords {
		t.Run(r.name, func(t *testing.T) {
			v, ok := records[r.name]
			if !ok {
				t.Fatalf("goldenRecords has no %s", r.name)
			}
			if reflect.TypeOf(v) != r.typ {
				t.Fatalf("goldenRecords[%q] is a %T, want %s", r.name, v, r.typ)
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "json", r.name+".json")
			if *updateGolden {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-golden +marshalled):\n%s", path, diff)
			}
			back := reflect.New(r.typ)
			if err := json.Unmarshal(want, back.Interface()); err != nil {
				t.Fatalf("%s does not read back: %v", path, err)
			}
			// A token's hash is never written, so it cannot read back.
			unwritten := cmpopts.IgnoreFields(customer.Token{}, "Hash")
			if diff := cmp.Diff(v, back.Elem().Interface(), jsonCmp, unwritten); diff != "" {
				t.Errorf("%s reads back as (-want +got):\n%s", path, diff)
			}
		})
	}
}

// goldenRecords builds one of each record, the same on every run: the
// examples docs/json.md points to.
func goldenRecords() map[string]any {
	at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 9, 26, 535897000, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	eur := func(s string) money.Amount { return money.MustParse(s, "EUR") }
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }

	const (
		cusID  = customer.ID("cus_01JPAV8Q3M0000000000000001")
		ordEUR = orders.ID("ord_01JPAV8Q3M0000000000000002")
		ordUSD = orders.ID("ord_01JPAV8Q3M0000000000000003")
		subID  = subscriptions.ID("sub_01JPAV8Q3M0000000000000004")
		prdVIP = inventory.ProductID("prd_01JPAV8Q3M0000000000000005")
		invVIP = inventory.ItemID("inv_01JPAV8Q3M0000000000000006")
		cmdVIP = inventory.CommandID("cmd_01JPAV8Q3M0000000000000007")
		banID  = bans.ID("ban_01JPAV8Q3M0000000000000008")
		tokID  = customer.TokenID("tok_01JPAV8Q3M0000000000000009")
		player = "76561198006409530"
	)
	cust := customer.Customer{
		ID: cusID, Name: "Garry", PlatformID: customer.MustPlatformID(customer.Steam, player),
		FirstSeen: at(1, 10), Updated: at(2, 11), Version: 3,
		KnownIPs: []netip.Addr{netip.MustParseAddr("203.0.113.77"), netip.MustParseAddr("2001:db8::1")}, KnownEmails: []string{"garry@example.com"},
	}
	vip := inventory.Product{
		ID: prdVIP, Name: "VIP (30 days)", Duration: period.For(30, period.Day), OnExpiry: inventory.ExpiryCommands,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "oxide.usergroup add {steam_id} vip", OnlineOnly: false},
			{Stage: inventory.OnExpire, Server: "rust-eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
		},
		Prices:   []money.Amount{eur("10.00"), usd("12.00")},
		Stacking: inventory.StackExtend, Created: at(1, 9), Updated: at(1, 9), Version: 1,
	}
	item := inventory.Item{
		ID: invVIP, Customer: cusID, ProductID: prdVIP, Source: inventory.Source{Kind: inventory.FromOrder, OrderID: string(ordEUR)},
		GrantedAt: at(2, 11), ExpiresAt: ptr(at(2, 11).AddDate(0, 0, 30)), State: inventory.Active,
		DiscordUserID: "80351110224678912", Version: 1,
	}
	paidEUR := orders.Order{
		ID: ordEUR, Customer: cusID,
		Lines: []orders.Line{{ProductID: prdVIP, Quantity: 1, UnitPrice: eur("10.00")}},
		Total: eur("10.00"), Fees: eur("0.79"), Refunded: eur("2.50"), DisputeFee: eur("0"), Status: orders.Completed,
		PaymentRef: "pay_4f1c", CheckoutIP: netip.MustParseAddr("203.0.113.77"), CheckoutEmail: "garry@example.com",
		CreatedAt: at(2, 10), UpdatedAt: at(3, 12), CompletedAt: ptr(at(2, 11)), RefundedAt: ptr(at(3, 12)),
		Granted: []inventory.ItemID{invVIP}, Refunds: []orders.Refund{{Ref: "re_9a2", Amount: eur("2.50"), At: at(3, 12)}},
		Version: 3,
	}
	paidUSD := orders.Order{
		ID: ordUSD, Customer: cusID,
		Lines: []orders.Line{{ProductID: prdVIP, Quantity: 2, UnitPrice: usd("6.25"), PriceOverridden: true}},
		Total: usd("12.50"), Fees: usd("0.66"), Refunded: usd("0"), DisputeFee: usd("0"), Status: orders.Completed,
		PaymentRef: "pay_77b0", CreatedAt: at(4, 8), UpdatedAt: at(4, 9), CompletedAt: ptr(at(4, 9)), Version: 2,
	}
	sub := subscriptions.Subscription{
		ID: subID, Customer: cusID, ProductID: prdVIP, Amount: eur("10.00"),
		Period: period.Period{Count: 1, Unit: period.Month}, Status: subscriptions.Active,
		ActivatedAt: ptr(at(2, 11)), Periods: 1, CurrentPeriodEnd: ptr(at(2, 11).AddDate(0, 1, 0)),
		CreatedAt: at(2, 10), UpdatedAt: at(2, 11), Version: 2,
	}
	st := stats.Stats{
		NetSpent: []money.Amount{eur("6.71"), usd("11.84")}, GrossSpent: []money.Amount{eur("10.00"), usd("12.50")},
		TotalPayments: 2, Refunds: 1, ActiveSubscriptions: 1, MRR: []money.Amount{eur("10.00")},
	}
	ban := bans.Ban{
		ID: banID, Reason: "chargeback fraud", ExpiresAt: ptr(at(31, 0)),
		Identities: []bans.Identity{bans.MustIdentity(bans.Steam, player), bans.MustIdentity(bans.IPRange, "203.0.113.0/24")},
		CreatedBy:  "admin:alice", CreatedAt: at(5, 9), UpdatedBy: "admin:alice", UpdatedAt: at(5, 9),
	}
	lifted := bans.Ban{
		ID: "ban_01JPAV8Q3M000000000000000A", Reason: "spam", Identities: []bans.Identity{bans.MustIdentity(bans.Email, "garry@example.com")},
		CreatedBy: "admin:bob", CreatedAt: at(1, 9), UpdatedBy: "admin:alice", UpdatedAt: at(5, 8),
		RemovedBy: "admin:alice", RemovedAt: ptr(at(5, 8)),
	}
	meta := metadata.Metadata{"discord": "garry#1234", "notes": "prefers EU servers"}
	return map[string]any{
		"customer": cust,
		"token": customer.Token{
			ID: tokID, Customer: cusID, Label: "launcher", Hash: sha256.Sum256([]byte("never written")),
			Created: at(2, 12), ExpiresAt: ptr(at(30, 12)),
		},
		"metadata":     meta,
		"order":        paidEUR,
		"subscription": sub,
		"product":      vip,
		"item":         item,
		"command": inventory.Command{
			ID: cmdVIP, ItemID: invVIP, Customer: cusID, Server: "rust-eu-1", Command: "oxide.usergroup add " + player + " vip",
			Stage: inventory.OnPurchase, Player: player, Status: inventory.Executed, Attempts: 1,
			CreatedAt: at(2, 11), ExecutedAt: ptr(at(2, 11).Add(4 * time.Second)), Version: 3,
		},
		"delivery": playerbase.Delivery{
			Key: string(cmdVIP), Command: "oxide.usergroup add " + player + " vip", Player: player, OnlineOnly: true,
			Customer: cusID, Item: invVIP, Stage: inventory.OnPurchase, Attempt: 1, LeaseExpiresAt: at(2, 11).Add(time.Minute),
			QueuedAt: at(2, 10),
		},
		"ack_result": playerbase.DeliveryResult{Key: string(cmdVIP), Error: "Unknown command: oxide.usergroup"},
		"ban":        ban,
		"gameserver": gameserver.Server{
			ID: "gsv_01JPAV8Q3M0000000000000009", Name: "rust-eu-1", Enabled: true, TokenIssuedAt: at(2, 9),
			LastLink: &gameserver.Link{IP: "203.0.113.7", Hostname: "Rust EU 1", Platform: "rust", Version: "1.0.0", At: at(2, 10)},
			Created:  at(2, 9), Updated: at(2, 10), Version: 1,
		},
		"stats": st,
		"details": playerbase.Details{
			Customer: cust, ProfileURL: cust.PlatformID.ProfileURL(), Stats: st, Banner: []bans.ID{banID},
			Inventory:     playerbase.ItemPage{Items: []inventory.Item{item}},
			Orders:        playerbase.OrderPage{Orders: []orders.Order{paidUSD, paidEUR}},
			Subscriptions: playerbase.SubscriptionPage{Subscriptions: []subscriptions.Subscription{sub}},
			Metadata:      meta, MetadataVersion: meta.Version(),
		},
		"order_page":        playerbase.OrderPage{Orders: []orders.Order{paidUSD}, NextCursor: ordUSD},
		"inventory_page":    playerbase.ItemPage{},
		"subscription_page": playerbase.SubscriptionPage{Subscriptions: []subscriptions.Subscription{sub}},
		"ban_page":          playerbase.BanPage{Bans: []bans.Ban{ban, lifted}},
	}
}
