package inventory_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
)

// priceOpts compares amounts by value and currencies by code.
var priceOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}

func TestCheckProductPrices(t *testing.T) {
	p, err := inventory.CheckProduct(inventory.Product{Name: "VIP", Prices: []money.Amount{
		money.MustParse("10.99", "USD"), money.MustParse("1200", "JPY"), money.MustParse("9.99", "EUR"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []money.Amount{money.MustParse("9.99", "EUR"), money.MustParse("1200", "JPY"), money.MustParse("10.99", "USD")}
	if d := cmp.Diff(want, p.Prices, priceOpts); d != "" {
		t.Errorf("CheckProduct keeps prices sorted by currency code (-want +got):\n%s", d)
	}
	for _, c := range want {
		if got, ok := p.Price(c.Currency); !ok || !got.Equal(c) {
			t.Errorf("Price(%s) = %s, %t; want %s", c.Currency, got, ok, c)
		}
	}
	if got, ok := p.Price(money.MustCurrency("GBP")); ok {
		t.Errorf("Price(GBP) = %s, want none", got)
	}
	free, err := inventory.CheckProduct(inventory.Product{Name: "Gift"})
	if err != nil || len(free.Prices) != 0 {
		t.Errorf("a product without prices (assigned by hand only) = %v, %v; want it accepted", free.Prices, err)
	}

	for _, tc := range []struct {
		name   string
		prices []money.Amount
		field  string
	}{
		{"two prices in one currency", []money.Amount{money.MustParse("1", "EUR"), money.MustParse("2", "USD"), money.MustParse("1.00", "EUR")}, "prices[2].currency"},
		{"negative", []money.Amount{money.MustParse("-0.01", "EUR")}, "prices[0]"},
		{"finer than a cent", []money.Amount{{Value: decimal.RequireFromString("1.005"), Currency: money.MustCurrency("EUR")}}, "prices[0]"},
		{"fraction of a yen", []money.Amount{{Value: decimal.RequireFromString("0.4"), Currency: money.MustCurrency("JPY")}}, "prices[0]"},
		{"no currency", []money.Amount{{Value: decimal.NewFromInt(1)}}, "prices[0]"},
	} {
		_, err := inventory.CheckProduct(inventory.Product{Name: "x", Prices: tc.prices})
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: CheckProduct = %v, want an invalid %s", tc.name, err, tc.field)
		}
	}
	// Three decimals are a KWD price, not a USD one.
	if _, err := inventory.CheckProduct(inventory.Product{Name: "x", Prices: []money.Amount{money.MustParse("1.125", "KWD")}}); err != nil {
		t.Errorf("CheckProduct with 1.125 KWD = %v", err)
	}
}

func TestNoPriceError(t *testing.T) {
	err := error(&inventory.NoPriceError{Field: "lines[1].product_id", Product: "prd_x", Currency: money.MustCurrency("GBP")})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("%v does not match ErrInvalid", err)
	}
}
