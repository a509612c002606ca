package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage/memory"
)

var (
	euro = money.MustCurrency("EUR")
	usd  = money.MustCurrency("USD")
)

// amountOpts compares amounts by value and currencies by code.
var amountOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}

func override(a money.Amount) *money.Amount { return &a }

// TestCheckoutPricesFromCatalog: a checkout line names a product and a
// quantity and is charged the catalog price in the order's currency; only
// the host's explicit override changes that, and the order says so.
func TestCheckoutPricesFromCatalog(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)

	o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: usd, Lines: []playerbase.OrderLineParams{
		{ProductID: vipID, Quantity: 2},
		{ProductID: crateID, Quantity: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []orders.Line{
		{ProductID: vipID, Quantity: 2, UnitPrice: money.MustParse("12.00", "USD")},
		{ProductID: crateID, Quantity: 1, UnitPrice: money.MustParse("1.20", "USD")},
	}
	if d := cmp.Diff(want, o.Lines, amountOpts); d != "" {
		t.Errorf("lines priced from the catalog (-want +got):\n%s", d)
	}
	if !o.Total.Equal(money.MustParse("25.20", "USD")) {
		t.Errorf("total %s, want 25.20 USD", o.Total)
	}

	// The host's override is charged, and recorded, on its line only.
	o, err = pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{
		{ProductID: vipID, Quantity: 1, PriceOverride: override(eur("7.50"))},
		{ProductID: vipID, Quantity: 1},
	}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pb.OrderGet(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	want = []orders.Line{
		{ProductID: vipID, Quantity: 1, UnitPrice: eur("7.50"), PriceOverridden: true},
		{ProductID: vipID, Quantity: 1, UnitPrice: eur("10.00")},
	}
	if d := cmp.Diff(want, stored.Lines, amountOpts); d != "" {
		t.Errorf("stored lines with an override (-want +got):\n%s", d)
	}
	if !stored.Total.Equal(eur("17.50")) {
		t.Errorf("total %s, want 17.50 EUR", stored.Total)
	}

	// A new price applies to the next checkout, not to an order taken.
	vip, err := pb.ProductGet(ctx, vipID)
	if err != nil {
		t.Fatal(err)
	}
	vip.Prices = []money.Amount{eur("12.00")}
	if _, err := pb.ProductUpdate(ctx, vip); err != nil {
		t.Fatal(err)
	}
	next, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}}})
	if err != nil || !next.Total.Equal(eur("12.00")) {
		t.Errorf("checkout after a price change = %v, %v; want 12.00 EUR", next.Total, err)
	}
	if again, _ := pb.OrderGet(ctx, o.ID); !again.Total.Equal(eur("17.50")) {
		t.Errorf("an order taken before the price change now totals %s", again.Total)
	}
}

func TestCheckoutPriceRefusals(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)
	gift, err := pb.ProductCreate(ctx, inventory.Product{Name: "Gift"})
	if err != nil {
		t.Fatal(err)
	}
	line := func(id inventory.ProductID, o *money.Amount) []playerbase.OrderLineParams {
		return []playerbase.OrderLineParams{{ProductID: crateID, Quantity: 1}, {ProductID: id, Quantity: 1, PriceOverride: o}}
	}
	for _, tc := range []struct {
		name  string
		p     playerbase.OrderCreateParams
		field string
	}{
		{"no currency", playerbase.OrderCreateParams{Lines: line(vipID, nil)}, "currency"},
		{"override in another currency", playerbase.OrderCreateParams{Currency: euro, Lines: line(vipID, override(money.MustParse("5", "USD")))}, "lines[1].price_override"},
		{"negative override", playerbase.OrderCreateParams{Currency: euro, Lines: line(vipID, override(eur("-1")))}, "lines[1].price_override"},
		{"override finer than a cent", playerbase.OrderCreateParams{Currency: euro, Lines: line(vipID, override(hostAmount("4.999", "EUR")))}, "lines[1].price_override"},
		{"too many lines", playerbase.OrderCreateParams{Currency: euro, Lines: slices.Repeat(vipLine(), orders.MaxLines+1)}, "lines"},
	} {
		_, err := pb.OrderCreate(ctx, cust.ID, tc.p)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: CreateOrder = %v, want an *errs.InvalidError for %s", tc.name, err, tc.field)
		}
	}

	// Not sold in the currency, or not sold at all: an override does not
	// put on sale what the catalog does not sell.
	for _, tc := range []struct {
		name    string
		cur     money.Currency
		product inventory.ProductID
		o       *money.Amount
	}{
		{"crate has no JPY price", money.MustCurrency("JPY"), crateID, nil},
		{"rank has no USD price", usd, rankID, nil},
		{"overridden, still no USD price", usd, rankID, override(money.MustParse("1", "USD"))},
		{"no prices at all", euro, gift.ID, nil},
		{"no prices at all, overridden", euro, gift.ID, override(eur("1"))},
	} {
		lines := []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}, {ProductID: tc.product, Quantity: 1, PriceOverride: tc.o}}
		_, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: tc.cur, Lines: lines})
		var np *inventory.NoPriceError
		if !errors.As(err, &np) || !errors.Is(err, playerbase.ErrInvalid) || np.Field != "lines[1].product_id" || np.Product != tc.product || np.Currency != tc.cur {
			t.Errorf("%s: CreateOrder = %v, want a NoPriceError for lines[1].product_id, %s in %s", tc.name, err, tc.product, tc.cur)
		}
	}
	page, err := pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{})
	if err != nil || len(page.Orders) != 0 {
		t.Errorf("refused checkouts stored %d orders (%v)", len(page.Orders), err)
	}
}

// TestSubscriptionPricedFromCatalog: a subscription is charged its
// product's price in its currency each period, or the host's override,
// which it records.
func TestSubscriptionPricedFromCatalog(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)
	s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: usd, Period: monthly})
	if err != nil || !s.Amount.Equal(money.MustParse("12.00", "USD")) || s.PriceOverridden {
		t.Errorf("CreateSubscription in USD = %s overridden %t, %v; want the catalog's 12.00 USD", s.Amount, s.PriceOverridden, err)
	}
	s, err = pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, PriceOverride: override(eur("8.00")), Period: monthly})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pb.SubscriptionGet(ctx, s.ID); err != nil || !got.Amount.Equal(eur("8.00")) || !got.PriceOverridden {
		t.Errorf("stored overridden subscription = %s overridden %t, %v; want 8.00 EUR, overridden", got.Amount, got.PriceOverridden, err)
	}

	// A new catalog price does not reprice a subscription taken.
	s, err = pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly})
	if err != nil {
		t.Fatal(err)
	}
	vip, err := pb.ProductGet(ctx, vipID)
	if err != nil {
		t.Fatal(err)
	}
	vip.Prices = []money.Amount{eur("15.00")}
	if _, err := pb.ProductUpdate(ctx, vip); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := pb.SubscriptionRenew(ctx, s.ID); err != nil || !got.Amount.Equal(eur("10.00")) {
		t.Errorf("renewed after a price change = %s, %v; want the 10.00 EUR it was taken at", got.Amount, err)
	}

	_, err = pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: rankID, Currency: usd, PriceOverride: override(money.MustParse("1", "USD")), Period: monthly})
	var np *inventory.NoPriceError
	if !errors.As(err, &np) || np.Field != "product_id" || np.Currency != usd {
		t.Errorf("subscription to a product without a USD price = %v, want a NoPriceError for product_id", err)
	}
	for name, p := range map[string]playerbase.SubscriptionCreateParams{
		"no currency":                  {ProductID: vipID, Period: monthly},
		"override in another currency": {ProductID: vipID, Currency: euro, PriceOverride: override(money.MustParse("8", "USD")), Period: monthly},
		"negative override":            {ProductID: vipID, Currency: euro, PriceOverride: override(eur("-8")), Period: monthly},
	} {
		if _, err := pb.SubscriptionCreate(ctx, cust.ID, p); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("%s: CreateSubscription = %v, want ErrInvalid", name, err)
		}
	}
}

// A checkout names products and quantities; the catalog prices them in the
// order's currency. A sale the host runs says so with PriceOverride, and
// the order line keeps the mark.
func ExampleClient_OrderCreate() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	cust, _, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	vip, _ := pb.ProductCreate(ctx, inventory.Product{Name: "VIP", Duration: period.For(30, period.Day),
		Prices: []money.Amount{money.MustParse("10.00", "EUR"), money.MustParse("1500", "JPY")}})
	kit, _ := pb.ProductCreate(ctx, inventory.Product{Name: "Kit", Prices: []money.Amount{money.MustParse("2.50", "EUR")}})

	o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("EUR"),
		Lines: []playerbase.OrderLineParams{
			{ProductID: vip.ID, Quantity: 1},
			{ProductID: kit.ID, Quantity: 2, PriceOverride: override(money.MustParse("2.00", "EUR"))},
		},
	})
	for _, l := range o.Lines {
		fmt.Println(l.Quantity, "×", l.UnitPrice, "overridden:", l.PriceOverridden)
	}
	fmt.Println("total", o.Total)

	_, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("JPY"),
		Lines:    []playerbase.OrderLineParams{{ProductID: kit.ID, Quantity: 1}},
	})
	fmt.Println(errors.Is(err, playerbase.ErrInvalid), errors.As(err, new(*inventory.NoPriceError)))
	// Output:
	// 1 × 10.00 EUR overridden: false
	// 2 × 2.00 EUR overridden: true
	// total 14.00 EUR
	// true true
}
