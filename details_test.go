package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// detailsCmp compares values read back from a backend: decimals by value,
// currencies and addresses with ==, nil as empty.
var detailsCmp = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// TestCustomerDetails checks that the one-call view holds exactly what the
// separate calls return, first pages and cursors included.
func TestCustomerDetails(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, clock, cust := comOn(t, b, playerbase.ReversalPolicy{})
		// 51 orders, one more than a page; the first two paid, each with a
		// crate.
		for i := range playerbase.DefaultOrderPage + 1 {
			p := playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{{ProductID: crateID, Quantity: 1}}}
			if i == 0 {
				p.IP = "203.0.113.77"
			}
			o, err := pb.OrderCreate(ctx, cust.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pay_details_", i)}); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(time.Second)
		}
		active, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.SubscriptionActivate(ctx, active.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: rankID, Currency: euro, Period: monthly}); err != nil {
			t.Fatal(err)
		}
		ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "fraud", Actor: "admin", Identities: []bans.Identity{bans.MustIdentity(bans.IP, "203.0.113.77")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.MetadataUpdate(ctx, cust.ID, []metadata.Field{{Key: "discord", Value: "player1"}}); err != nil {
			t.Fatal(err)
		}

		got, err := pb.CustomerDetails(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want playerbase.Details
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		want.Customer, err = pb.CustomerGet(ctx, cust.ID)
		must(err)
		want.ProfileURL = "https://steamcommunity.com/profiles/" + cust.PlatformID.Value
		want.Stats, err = pb.CustomerStats(ctx, cust.ID)
		must(err)
		want.Banner, err = pb.CustomerBanner(ctx, cust.ID)
		must(err)
		want.Inventory, err = pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
		must(err)
		want.Orders, err = pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{})
		must(err)
		want.Subscriptions, err = pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{})
		must(err)
		want.Metadata, err = pb.MetadataGet(ctx, cust.ID)
		must(err)
		want.MetadataVersion = want.Metadata.Version()
		if d := cmp.Diff(want, got, detailsCmp); d != "" {
			t.Errorf("CustomerDetails differs from the separate calls (-want +got):\n%s", d)
		}

		// And what those hold, by hand.
		st := got.Stats
		if len(st.NetSpent) != 1 || st.NetSpent[0].String() != "2.00 EUR" || st.TotalPayments != 2 || st.ActiveSubscriptions != 1 ||
			len(st.MRR) != 1 || st.MRR[0].String() != "10.00 EUR" {
			t.Errorf("stats %+v; want net 2.00 EUR, 2 payments, 1 active subscription, MRR 10.00 EUR", st)
		}
		if len(got.Banner) != 1 || got.Banner[0] != ban.ID {
			t.Errorf("banner %v, want [%s]", got.Banner, ban.ID)
		}
		if len(got.Orders.Orders) != playerbase.DefaultOrderPage || got.Orders.NextCursor == "" {
			t.Errorf("%d orders, next %q; want a full first page and a cursor", len(got.Orders.Orders), got.Orders.NextCursor)
		}
		if len(got.Inventory.Items) != 3 || got.Inventory.NextCursor != "" || len(got.Subscriptions.Subscriptions) != 2 {
			t.Errorf("%d items (next %q), %d subscriptions; want 3 items (2 crates, the VIP), 2 subscriptions",
				len(got.Inventory.Items), got.Inventory.NextCursor, len(got.Subscriptions.Subscriptions))
		}
		if got.Subscriptions.Subscriptions[1].Status != subscriptions.Active || got.Metadata["discord"] != "player1" {
			t.Errorf("subscriptions %v, metadata %v", got.Subscriptions.Subscriptions, got.Metadata)
		}

		if _, err := pb.CustomerDetails(ctx, customer.NewID(comStart)); !errors.Is(err, playerbase.ErrNotFound) {
			t.Errorf("CustomerDetails of an unknown customer = %v, want ErrNotFound", err)
		}
	})
}

// detailsFixture is a customer with 10 000 orders (9 in 10 paid, each
// extending a supporter item by a day) and 100 active subscriptions (each
// with its VIP item), built once per run and shared by
// BenchmarkCustomerDetails and its baseline.
var detailsFixture struct {
	once sync.Once
	pb   *playerbase.Client
	cust customer.ID
	// What the paid orders add up: totals and fees, in order.
	totals, fees []decimal.Decimal
}

func benchDetailsFixture(b *testing.B) {
	f := &detailsFixture
	f.once.Do(func() {
		ctx := context.Background()
		pb, _, cust := comSetup(b)
		f.pb, f.cust = pb, cust.ID
		supporter, err := pb.ProductCreate(ctx, inventory.Product{Name: "Supporter", Duration: period.For(1, period.Day),
			Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "tag {steam_id} supporter"}},
			Prices:   []money.Amount{eur("4.99")}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 10_000 {
			o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{{ProductID: supporter.ID, Quantity: 1}}})
			if err != nil {
				b.Fatal(err)
			}
			if i%10 == 9 {
				continue // left unpaid
			}
			if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pay_", i), Fees: eur("0.30")}); err != nil {
				b.Fatal(err)
			}
			f.totals, f.fees = append(f.totals, o.Total.Value), append(f.fees, decimal.RequireFromString("0.30"))
		}
		for range 100 {
			s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: period.Period{Count: 30, Unit: period.Day}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	if f.pb == nil {
		b.Fatal("the fixture failed to build")
	}
}

// BenchmarkCustomerDetails reads the whole details page of the fixture's
// customer on the memory backend. Compare with the baseline, in the same
// run:
//
//	go test -run XXX -bench 'CustomerDetails' -benchmem -count 3 .
func BenchmarkCustomerDetails(b *testing.B) {
	benchDetailsFixture(b)
	f := &detailsFixture
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := f.pb.CustomerDetails(ctx, f.cust)
		if err != nil || d.Stats.TotalPayments != 9000 || len(d.Orders.Orders) != playerbase.DefaultOrderPage {
			b.Fatalf("CustomerDetails = %d payments, %d orders, %v", d.Stats.TotalPayments, len(d.Orders.Orders), err)
		}
	}
}

// BenchmarkCustomerDetailsBaseline is the naive way to the page's main
// figure: a plain loop summing the paid orders' totals less fees with
// decimal, as a backend without a running summary would.
func BenchmarkCustomerDetailsBaseline(b *testing.B) {
	benchDetailsFixture(b)
	f := &detailsFixture
	b.ReportAllocs()
	for b.Loop() {
		var net decimal.Decimal
		for i := range f.totals {
			net = net.Add(f.totals[i]).Sub(f.fees[i])
		}
		if net.Round(2).String() != "42210" {
			b.Fatalf("net %s", net)
		}
	}
}
