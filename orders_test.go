package playerbase_test

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

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
)

// comClock is a fake clock the commerce tests advance by hand.
type comClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *comClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *comClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// comStart is a January 31st, so monthly billing meets a short month.
var comStart = time.Date(2026, 1, 31, 18, 30, 0, 0, time.UTC)

// comSetup returns a client on an empty memory backend holding the
// commerce products (comProducts), its clock and a customer.
func comSetup(t testing.TB) (*playerbase.Client, *comClock, customer.Customer) {
	t.Helper()
	clock := &comClock{t: comStart}
	pb := comClient(t, memory.New(), &playerbase.Config{Now: clock.Now})
	return pb, clock, comCustomer(t, pb, 1)
}

// fataler is what comCustomer needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
}

// The products every commerce test client holds, under fixed IDs so order
// lines can name them. The VIP is sold in EUR, USD and JPY, the crate in
// EUR and USD, the rank in EUR only.
var (
	// vipID lasts 30 days, stacks by extending, and has commands at every
	// stage; on expiry it removes the group.
	vipID = inventory.NewProductID(comStart)
	// crateID is permanent, adds an item per purchase and has no on-expiry
	// action: the revoke rule refuses its items.
	crateID = inventory.NewProductID(comStart)
	// rankID is permanent with an on-expiry action: its items can be
	// revoked.
	rankID = inventory.NewProductID(comStart)
)

func comProducts() []inventory.Product {
	cmds := func(name string) []inventory.CommandTemplate {
		var out []inventory.CommandTemplate
		for _, st := range inventory.Stages {
			out = append(out, inventory.CommandTemplate{Stage: st, Server: "eu-1", Template: string(st) + " " + name + " {steam_id}"})
		}
		return out
	}
	crate := cmds("crate")
	crate = slices.DeleteFunc(crate, func(c inventory.CommandTemplate) bool { return c.Stage == inventory.OnExpire })
	price := func(v string, codes ...string) (out []money.Amount) {
		for i, code := range codes {
			out = append(out, money.MustParse(strings.Fields(v)[i], code))
		}
		return out
	}
	return []inventory.Product{
		{ID: vipID, Name: "VIP", Duration: period.For(30, period.Day), Stacking: inventory.StackExtend, Commands: cmds("vip"), Prices: price("10.00 12.00 1500 10.000", "EUR", "USD", "JPY", "KWD")},
		{ID: crateID, Name: "Crate", Stacking: inventory.StackAdd, Commands: crate, Prices: price("1.00 1.20", "EUR", "USD")},
		{ID: rankID, Name: "Rank", Commands: cmds("rank"), Prices: price("3.00", "EUR")},
	}
}

// comClient returns a client over b, which it first stocks with
// comProducts.
func comClient(t fataler, b storage.Backend, cfg *playerbase.Config) *playerbase.Client {
	t.Helper()
	err := b.Update(context.Background(), func(tx storage.Tx) error {
		for _, p := range comProducts() {
			p, err := inventory.CheckProduct(p)
			if err != nil {
				return err
			}
			p.Created, p.Updated = comStart, comStart
			if err := tx.Products().Create(context.Background(), p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return playerbase.New(b, cfg)
}

func comCustomer(t fataler, pb *playerbase.Client, n int) customer.Customer {
	t.Helper()
	c, _, err := pb.CustomerIdentify(context.Background(), playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 46143800+n), Name: fmt.Sprintf("Player%d", n),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func eur(s string) money.Amount { return money.MustParse(s, "EUR") }

// vipLine is one VIP at the catalog price: 10.00 in an EUR order.
func vipLine() []playerbase.OrderLineParams {
	return []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}}
}

func TestCheckoutRecordsContactAndChecksBans(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)

	o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: euro, Lines: vipLine(), IP: "::ffff:198.51.100.4", Email: "Buyer@Example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.Created || !o.Total.Equal(eur("10.00")) || o.CheckoutIP != netip.MustParseAddr("198.51.100.4") || o.CheckoutEmail != "buyer@example.com" {
		t.Errorf("CreateOrder = %s %s %s %q", o.Status, o.Total, o.CheckoutIP, o.CheckoutEmail)
	}
	got, _ := pb.CustomerGet(ctx, cust.ID)
	if !slices.Contains(got.KnownIPs, netip.MustParseAddr("198.51.100.4")) || !slices.Contains(got.KnownEmails, "buyer@example.com") {
		t.Errorf("checkout contact not recorded on the customer: %v %v", got.KnownIPs, got.KnownEmails)
	}

	// A ban on an IP refuses a checkout from it, with the ban's ID, and
	// stores nothing.
	ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "fraud", Actor: "admin", Identities: []bans.Identity{bans.MustIdentity(bans.IP, "203.0.113.66")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), IP: "203.0.113.66"})
	var banned *bans.BannedError
	if !errors.As(err, &banned) || !errors.Is(err, playerbase.ErrForbidden) || !slices.Contains(banned.IDs, ban.ID) {
		t.Fatalf("checkout from a banned IP = %v, want a BannedError naming %s", err, ban.ID)
	}
	page, _ := pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{})
	if len(page.Orders) != 1 {
		t.Errorf("a refused checkout stored an order: %d orders", len(page.Orders))
	}

	// A ban on the customer refuses orders and subscriptions.
	if _, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "chargebacks", Actor: "admin", Identities: []bans.Identity{bans.CustomerIdentity(cust.ID)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()}); !errors.Is(err, playerbase.ErrForbidden) {
		t.Errorf("checkout of a banned customer = %v, want ErrForbidden", err)
	}
	if _, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly}); !errors.Is(err, playerbase.ErrForbidden) {
		t.Errorf("subscription of a banned customer = %v, want ErrForbidden", err)
	}
	// A completed payment is still recorded: the ban gates purchases only.
	if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_1"}); err != nil {
		t.Errorf("completing an order of a since-banned customer = %v", err)
	}
}

func TestCheckoutRefuses(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)
	tests := []struct {
		name string
		id   customer.ID
		p    playerbase.OrderCreateParams
		want error
	}{
		{"unknown customer", customer.NewID(comStart), playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()}, playerbase.ErrNotFound},
		{"no lines", cust.ID, playerbase.OrderCreateParams{}, playerbase.ErrInvalid},
		{"bad IP", cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), IP: "300.1.1.1"}, playerbase.ErrInvalid},
		{"bad email", cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), Email: "nobody"}, playerbase.ErrInvalid},
		{"two currencies", cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{vipLine()[0], {ProductID: crateID, Quantity: 1, PriceOverride: override(money.MustParse("1", "USD"))}}}, playerbase.ErrInvalid},
	}
	for _, tt := range tests {
		if _, err := pb.OrderCreate(ctx, tt.id, tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: CreateOrder = %v, want %v", tt.name, err, tt.want)
		}
	}
	o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), PaymentRef: "pay_dup"})
	if _, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), PaymentRef: "pay_dup"}); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("a second checkout with %s's payment reference = %v, want ErrConflict", o.ID, err)
	}
}

// TestOrderTransitions drives every order transition through the Client
// and checks that a refused one stores nothing.
func TestOrderTransitions(t *testing.T) {
	ctx := context.Background()
	pb, clock, cust := comSetup(t)
	o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), PaymentRef: "pay_A"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	steps := []struct {
		name   string
		do     func() (orders.Order, error)
		status orders.Status
		err    error
	}{
		{"refund before payment", func() (orders.Order, error) {
			return pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: eur("1")})
		}, orders.Created, playerbase.ErrConflict},
		{"chargeback before payment", func() (orders.Order, error) {
			return pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("15")})
		}, orders.Created, playerbase.ErrConflict},
		{"complete with another reference", func() (orders.Order, error) {
			return pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_B"})
		}, orders.Created, playerbase.ErrConflict},
		{"complete by reference", func() (orders.Order, error) {
			return pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: "pay_A", Fees: eur("0.79")})
		}, orders.Completed, nil},
		{"cancel a paid order", func() (orders.Order, error) { return pb.OrderCancel(ctx, o.ID) }, orders.Completed, playerbase.ErrConflict},
		{"refund 3.00", func() (orders.Order, error) {
			return pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: eur("3.00")})
		}, orders.Completed, nil},
		{"refund more than is left", func() (orders.Order, error) {
			return pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: eur("7.01")})
		}, orders.Completed, playerbase.ErrInvalid},
		{"refund in another currency", func() (orders.Order, error) {
			return pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: money.MustParse("1", "USD")})
		}, orders.Completed, playerbase.ErrInvalid},
		{"chargeback", func() (orders.Order, error) {
			return pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")})
		}, orders.Chargeback, nil},
		{"refund after chargeback", func() (orders.Order, error) {
			return pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Amount: eur("1")})
		}, orders.Chargeback, playerbase.ErrConflict},
		{"retried completion webhook", func() (orders.Order, error) {
			return pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: "pay_A", Fees: eur("9.99")})
		}, orders.Chargeback, nil},
	}
	version := o.Version
	for _, s := range steps {
		got, err := s.do()
		if !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.err)
		}
		var te *orders.TransitionError
		if errors.Is(err, playerbase.ErrConflict) && !errors.As(err, &te) {
			t.Errorf("%s: conflict %v is not a *orders.TransitionError", s.name, err)
		}
		stored, _ := pb.OrderGet(ctx, o.ID)
		if stored.Status != s.status {
			t.Errorf("%s: stored status %s, want %s", s.name, stored.Status, s.status)
		}
		if err == nil && s.name != "retried completion webhook" {
			version++
			if got.Version != version {
				t.Errorf("%s: returned version %d, want %d", s.name, got.Version, version)
			}
		}
		if stored.Version != version {
			t.Errorf("%s: stored version %d, want %d (a refused or repeated step wrote)", s.name, stored.Version, version)
		}
	}
	stored, _ := pb.OrderGet(ctx, o.ID)
	if !stored.Fees.Equal(eur("0.79")) || !stored.DisputeFee.Equal(eur("15.00")) || !stored.Refunded.Equal(eur("3.00")) {
		t.Errorf("final order: fees %s dispute %s refunded %s", stored.Fees, stored.DisputeFee, stored.Refunded)
	}
	st, err := pb.CustomerStats(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.NetSpent) != 1 || !st.NetSpent[0].Equal(eur("-15.79")) || st.TotalPayments != 1 || st.Refunds != 1 || st.Chargebacks != 1 {
		t.Errorf("stats = %+v, want net -15.79 EUR, 1 payment, 1 refund, 1 chargeback", st)
	}

	// Cancel is for unpaid orders only.
	open, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
	if c, err := pb.OrderCancel(ctx, open.ID); err != nil || c.Status != orders.Canceled || c.CanceledAt == nil {
		t.Errorf("CancelOrder = %s, %v", c.Status, err)
	}
	if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: open.ID, PaymentRef: "pay_late"}); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("completing a canceled order = %v, want ErrConflict", err)
	}
	for name, err := range map[string]error{
		"unknown order":     errOf(pb.OrderCancel(ctx, orders.NewID(comStart))),
		"unknown reference": errOf(pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: "pay_nobody"})),
	} {
		if !errors.Is(err, playerbase.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{}); !errors.Is(err, playerbase.ErrInvalid) {
		t.Errorf("CompleteOrder naming nothing = %v, want ErrInvalid", err)
	}
}

func errOf[T any](_ T, err error) error { return err }

// TestDuplicateWebhooksCompleteOnce fires the same payment webhook from many
// goroutines at once: every call succeeds and the order is completed once.
func TestDuplicateWebhooksCompleteOnce(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)
	o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			p := playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_webhook", Fees: eur("0.79")}
			if i%2 == 1 {
				p.OrderID = "" // later retries find the order by its reference
			}
			got, err := pb.OrderComplete(ctx, p)
			if err == nil && got.Status != orders.Completed {
				err = fmt.Errorf("webhook %d: status %s", i, got.Status)
			}
			if errors.Is(err, playerbase.ErrNotFound) && p.OrderID == "" {
				err = nil // arrived before the first one set the reference
			}
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
	got, _ := pb.OrderGet(ctx, o.ID)
	if got.Version != o.Version+1 || got.Status != orders.Completed {
		t.Errorf("after %d webhooks: %s, version %d; want completed once (version %d)", n, got.Status, got.Version, o.Version+1)
	}
	st, _ := pb.CustomerStats(ctx, cust.ID)
	if st.TotalPayments != 1 || !st.NetSpent[0].Equal(eur("9.21")) {
		t.Errorf("stats after duplicate webhooks: %d payments, net %v; want 1, 9.21 EUR", st.TotalPayments, st.NetSpent)
	}
}

func TestOrdersPages(t *testing.T) {
	ctx := context.Background()
	pb, clock, cust := comSetup(t)
	other := comCustomer(t, pb, 2)
	var made []orders.ID // oldest first
	for i := range 7 {
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pay_", i)}); err != nil {
				t.Fatal(err)
			}
		}
		made = append(made, o.ID)
		clock.Advance(time.Second)
	}
	if _, err := pb.OrderCreate(ctx, other.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()}); err != nil {
		t.Fatal(err)
	}
	walk := func(p playerbase.OrderListParams) (pages [][]orders.ID) {
		for {
			page, err := pb.OrderList(ctx, cust.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			var ids []orders.ID
			for _, o := range page.Orders {
				ids = append(ids, o.ID)
			}
			pages = append(pages, ids)
			if page.NextCursor == "" {
				return pages
			}
			p.Cursor = page.NextCursor
		}
	}
	m := func(is ...int) []orders.ID {
		var out []orders.ID
		for _, i := range is {
			out = append(out, made[i])
		}
		return out
	}
	tests := []struct {
		name string
		p    playerbase.OrderListParams
		want [][]orders.ID
	}{
		{"default page", playerbase.OrderListParams{}, [][]orders.ID{m(6, 5, 4, 3, 2, 1, 0)}},
		{"pages of 3", playerbase.OrderListParams{Limit: 3}, [][]orders.ID{m(6, 5, 4), m(3, 2, 1), m(0)}},
		{"exact pages", playerbase.OrderListParams{Limit: 7}, [][]orders.ID{m(6, 5, 4, 3, 2, 1, 0)}},
		{"completed, pages of 2", playerbase.OrderListParams{Limit: 2, Statuses: []orders.Status{orders.Completed}}, [][]orders.ID{m(6, 4), m(2, 0)}},
		{"created", playerbase.OrderListParams{Statuses: []orders.Status{orders.Created}}, [][]orders.ID{m(5, 3, 1)}},
		{"none", playerbase.OrderListParams{Statuses: []orders.Status{orders.Chargeback}}, [][]orders.ID{nil}},
	}
	for _, tt := range tests {
		if got := walk(tt.p); !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("%s: pages %v, want %v", tt.name, got, tt.want)
		}
	}
	for name, p := range map[string]playerbase.OrderListParams{
		"bad status": {Statuses: []orders.Status{"paid"}},
		"bad cursor": {Cursor: "sub_01ARZ3NDEKTSV4RRFFQ69G5FAV"},
	} {
		if _, err := pb.OrderList(ctx, cust.ID, p); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := pb.OrderList(ctx, customer.NewID(comStart), playerbase.OrderListParams{}); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("Orders of an unknown customer = %v, want ErrNotFound", err)
	}
}

// A customer buys, pays, gets a partial refund, and the store owner reads
// the stats; the provider sends each webhook twice.
func ExampleClient_OrderComplete() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	cust, _, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	vip, _ := pb.ProductCreate(ctx, inventory.Product{Name: "VIP", Duration: period.For(30, period.Day), Prices: []money.Amount{money.MustParse("10.00", "EUR")}})

	o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("EUR"),
		Lines:    []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1}},
		IP:       "203.0.113.7",
	})
	// The payment provider's webhook, delivered twice.
	for range 2 {
		o, _ = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pi_123", Fees: money.MustParse("0.79", "EUR")})
	}
	fmt.Println(o.Status, o.Total, "version", o.Version)

	// Its refund webhook, delivered twice: refunded once.
	for range 2 {
		o, _ = pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_456", Amount: money.MustParse("3.00", "EUR")})
	}
	fmt.Println(o.Status, "refunded", o.Refunded)

	st, _ := pb.CustomerStats(ctx, cust.ID)
	fmt.Println("net", st.NetSpent.In("EUR"), "gross", st.GrossSpent.In("EUR"), "payments", st.TotalPayments, "refunds", st.Refunds)
	// Output:
	// completed 10.00 EUR version 1
	// completed refunded 3.00 EUR
	// net 6.21 EUR gross 10.00 EUR payments 1 refunds 1
}

// A refund gives part or all of a paid order back. With the provider's
// reference a retried webhook refunds nothing more; refunding the rest
// makes the order refunded and, by default, revokes its items.
func ExampleClient_OrderRefund() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	cust, _, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	vip, _ := pb.ProductCreate(ctx, inventory.Product{Name: "VIP", Duration: period.For(30, period.Day), Prices: []money.Amount{money.MustParse("5.00", "USD")}})
	o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("USD"),
		Lines:    []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1}},
	})
	o, _ = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pi_1", Fees: money.MustParse("0.45", "USD")})

	for range 2 { // the refund webhook, delivered twice
		o, _ = pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_1", Amount: money.MustParse("2.00", "USD")})
	}
	fmt.Println(o.Status, "refunded", o.Refunded, "refundable", o.Refundable())

	o, _ = pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_2", Amount: o.Refundable()})
	item, _ := pb.ItemGet(ctx, o.Granted[0])
	fmt.Println(o.Status, "refunded", o.Refunded, "item", item.State)

	st, _ := pb.CustomerStats(ctx, cust.ID)
	fmt.Println("net spent", st.NetSpent.In("USD"), "(the fee stays spent)")
	// Output:
	// completed refunded 2.00 USD refundable 3.00 USD
	// refunded refunded 5.00 USD item revoked
	// net spent -0.45 USD (the fee stays spent)
}
