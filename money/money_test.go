package money_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

// exact builds an amount the way a computation does (a sum, an MRR
// fraction): at any precision, never checked as input.
func exact(v, code string) money.Amount {
	return money.Amount{Value: decimal.RequireFromString(v), Currency: money.MustCurrency(code)}
}

func TestParseCurrencyMinorUnits(t *testing.T) {
	for _, tc := range []struct {
		code  string
		want  string
		minor int32
	}{
		{"USD", "USD", 2},
		{"usd", "USD", 2},
		{"EUR", "EUR", 2},
		{"JPY", "JPY", 0},
		{"KWD", "KWD", 3},
	} {
		c, err := money.ParseCurrency(tc.code)
		if err != nil {
			t.Fatalf("ParseCurrency(%q): %v", tc.code, err)
		}
		if c.Code() != tc.want || c.MinorUnits() != tc.minor {
			t.Errorf("ParseCurrency(%q) = %s with %d decimals, want %s with %d", tc.code, c.Code(), c.MinorUnits(), tc.want, tc.minor)
		}
	}
}

func TestParseCurrencyRejects(t *testing.T) {
	for _, code := range []string{"", "ABC", "usd1", "US", "U$D", "XXX", "XAU", "XTS", "€€€"} {
		_, err := money.ParseCurrency(code)
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseCurrency(%q) = %v, want an *errs.InvalidError", code, err)
		}
	}
	if _, err := money.Parse("1.00", "ABC"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Parse with unknown currency = %v, want ErrInvalid", err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		value, code string
		want        string // Amount.String
	}{
		{"10.00", "USD", "10.00 USD"},
		{"10", "usd", "10.00 USD"},
		{"1500", "JPY", "1500 JPY"},
		{"1.5", "KWD", "1.500 KWD"},
		{".5", "USD", "0.50 USD"},
		{"-.5", "USD", "-0.50 USD"},
		{"0", "EUR", "0.00 EUR"},
		{"000" + strings.Repeat("9", 38) + ".99", "USD", strings.Repeat("9", 38) + ".99 USD"},
		{"1500." + strings.Repeat("0", 60), "JPY", "1500 JPY"},
		{"0.125", "KWD", "0.125 KWD"},
	} {
		a, err := money.Parse(tc.value, tc.code)
		if err != nil {
			t.Fatalf("Parse(%q, %q): %v", tc.value, tc.code, err)
		}
		if got := a.String(); got != tc.want {
			t.Errorf("Parse(%q, %q).String() = %q, want %q", tc.value, tc.code, got, tc.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, v := range []string{"", "-", ".", "1..2", "1e3", "+1", " 1", "1,00", "0x10", "--1", "1-", "NaN", "Inf",
		"1" + strings.Repeat("0", 39) + "1", strings.Repeat("9", 41), "0." + strings.Repeat("1", 41), strings.Repeat("0", 101)} {
		if _, err := money.Parse(v, "USD"); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

func TestNegativePriceRefused(t *testing.T) {
	if _, err := money.ParsePrice("-0.01", "USD"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("ParsePrice(-0.01) = %v, want ErrInvalid", err)
	}
	if err := (money.Amount{Value: decimal.RequireFromString("-1"), Currency: money.MustCurrency("EUR")}).CheckPrice("price"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("CheckPrice(-1 EUR) = %v, want ErrInvalid", err)
	}
	for _, v := range []string{"0", "-0", "0.00", "19.99"} {
		if _, err := money.ParsePrice(v, "USD"); err != nil {
			t.Errorf("ParsePrice(%q) = %v, want it accepted", v, err)
		}
	}
	// Amounts that are not prices may be negative (net spent after a
	// chargeback).
	if _, err := money.Parse("-5.00", "USD"); err != nil {
		t.Errorf("Parse(-5.00) = %v, want it accepted", err)
	}
}

func TestZeroCurrencyRefused(t *testing.T) {
	var inv *errs.InvalidError
	if err := (money.Amount{Value: decimal.NewFromInt(1)}).Check("fees"); !errors.As(err, &inv) || inv.Field != "fees" {
		t.Errorf("Check with zero currency = %v, want an *errs.InvalidError for fees", err)
	}
}

func TestAddAcrossCurrencies(t *testing.T) {
	usd, eur := money.MustParse("1.00", "USD"), money.MustParse("1.00", "EUR")
	for name, op := range map[string]func(money.Amount, money.Amount) (money.Amount, error){
		"Add": money.Amount.Add, "Sub": money.Amount.Sub,
	} {
		_, err := op(usd, eur)
		var mm *money.MismatchError
		if !errors.As(err, &mm) || mm.A.Code() != "USD" || mm.B.Code() != "EUR" {
			t.Errorf("%s(USD, EUR) = %v, want *money.MismatchError{USD, EUR}", name, err)
		}
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s(USD, EUR) = %v, want it to match ErrInvalid", name, err)
		}
	}
	sum, err := usd.Add(exact("0.005", "USD"))
	if err != nil || !sum.Equal(exact("1.005", "USD")) {
		t.Errorf("1.00 + 0.005 USD = %v, %v; want 1.005 at full precision", sum.Value, err)
	}
}

func TestTotalsRoundOnceAtTheEnd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		code   string
		want   string
		// perItem is what rounding each amount first would give; the test
		// shows it differs, so the rule is what decides.
		perItem string
	}{
		{"three half cents", []string{"0.005", "0.005", "0.005"}, "USD", "0.02", "0.03"},
		{"negative half cent rounds away from zero", []string{"-0.005"}, "USD", "-0.01", "-0.01"},
		{"JPY has no decimals", []string{"0.4", "0.4"}, "JPY", "1", "0"},
		{"KWD has three", []string{"0.0004", "0.0004"}, "KWD", "0.001", "0"},
		{"half away from zero, positive", []string{"2.5"}, "JPY", "3", "3"},
		{"half away from zero, negative", []string{"-2.5"}, "JPY", "-3", "-3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tot money.Totals
			perItem := decimal.Zero
			for _, v := range tc.values {
				a := exact(v, tc.code)
				tot.Add(a)
				perItem = perItem.Add(a.Rounded().Value)
			}
			got := tot.Rounded()
			want := money.MustParse(tc.want, tc.code)
			if len(got) != 1 || !got[0].Equal(want) {
				t.Errorf("Rounded() = %v, want [%v]", got, want)
			}
			if !perItem.Equal(decimal.RequireFromString(tc.perItem)) {
				t.Errorf("rounding each first gives %v, the test expected %s", perItem, tc.perItem)
			}
		})
	}
}

func TestTotalsPerCurrency(t *testing.T) {
	var tot money.Totals
	if tot.Len() != 0 || len(tot.Rounded()) != 0 {
		t.Fatal("zero Totals is not empty")
	}
	for _, a := range []money.Amount{
		money.MustParse("10.00", "USD"), money.MustParse("500", "JPY"),
		money.MustParse("2.50", "USD"), exact("1.234", "EUR"),
	} {
		tot.Add(a)
	}
	got := tot.Rounded()
	want := []string{"1.23 EUR", "500 JPY", "12.50 USD"} // sorted by code
	if len(got) != len(want) {
		t.Fatalf("Rounded() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("Rounded()[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if g := tot.Get(money.MustCurrency("EUR")); !g.Value.Equal(decimal.RequireFromString("1.234")) {
		t.Errorf("Get(EUR) = %v, want the unrounded 1.234", g.Value)
	}
	if g := tot.Get(money.MustCurrency("GBP")); !g.Value.IsZero() || g.Currency.Code() != "GBP" {
		t.Errorf("Get(GBP) = %v, want 0 GBP", g)
	}
}

func TestStringRoundsForDisplayOnly(t *testing.T) {
	a := exact("10.005", "USD")
	if a.String() != "10.01 USD" {
		t.Errorf("String() = %q, want 10.01 USD", a.String())
	}
	if !a.Value.Equal(decimal.RequireFromString("10.005")) {
		t.Errorf("String changed the value to %v", a.Value)
	}
}

var currencies = []string{"USD", "EUR", "JPY", "KWD", "GBP"}

// amountGen draws amounts with up to 4 decimals in a few currencies, so
// sums need rounding and currencies collide.
func amountGen() *rapid.Generator[money.Amount] {
	return rapid.Custom(func(t *rapid.T) money.Amount {
		units := rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "units")
		code := rapid.SampledFrom(currencies).Draw(t, "currency")
		return money.Amount{Value: decimal.New(units, -4), Currency: money.MustCurrency(code)}
	})
}

// Totals never mixes currencies: each currency's total is the sum of that
// currency's amounts alone, rounded once.
func TestTotalsNeverMixCurrencies(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amounts := rapid.SliceOf(amountGen()).Draw(t, "amounts")
		var tot money.Totals
		model := map[string]decimal.Decimal{}
		for _, a := range amounts {
			tot.Add(a)
			model[a.Currency.Code()] = model[a.Currency.Code()].Add(a.Value)
		}
		if tot.Len() != len(model) {
			t.Fatalf("Len() = %d, want %d currencies", tot.Len(), len(model))
		}
		rounded := tot.Rounded()
		if len(rounded) != len(model) {
			t.Fatalf("Rounded() has %d totals, want %d", len(rounded), len(model))
		}
		for i, r := range rounded {
			code := r.Currency.Code()
			if i > 0 && rounded[i-1].Currency.Code() >= code {
				t.Fatalf("Rounded() not sorted by code: %v", rounded)
			}
			want := model[code].Round(r.Currency.MinorUnits())
			if !r.Value.Equal(want) {
				t.Fatalf("%s total = %v, want %v", code, r.Value, want)
			}
			if g := tot.Get(r.Currency); !g.Value.Equal(model[code]) {
				t.Fatalf("Get(%s) = %v, want unrounded %v", code, g.Value, model[code])
			}
		}
	})
}

// Add agrees with Totals, and refuses exactly the mixed pairs.
func TestAddMatchesCurrency(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := amountGen().Draw(t, "a"), amountGen().Draw(t, "b")
		sum, err := a.Add(b)
		if a.Currency != b.Currency {
			var mm *money.MismatchError
			if !errors.As(err, &mm) {
				t.Fatalf("Add(%v, %v) = %v, want *MismatchError", a, b, err)
			}
			return
		}
		if err != nil || !sum.Value.Equal(a.Value.Add(b.Value)) || sum.Currency != a.Currency {
			t.Fatalf("Add(%v, %v) = %v, %v", a, b, sum, err)
		}
	})
}

// Amounts from outside may not be finer than the currency's minor unit:
// JPY has none, USD 2 decimals, KWD 3. Trailing zeros are spelling, not
// precision.
func TestMinorUnitBoundaries(t *testing.T) {
	for _, tc := range []struct {
		value, code string
		ok          bool
	}{
		{"1", "JPY", true},
		{"1.0", "JPY", true},
		{"0.4", "JPY", false},
		{"1.5", "JPY", false},
		{"-0.5", "JPY", false},
		{"9.99", "USD", true},
		{"9.990000", "USD", true},
		{"0.004", "USD", false},
		{"9.999", "USD", false},
		{"-0.001", "USD", false},
		{"0.001", "KWD", true},
		{"1.125", "KWD", true},
		{"0.0005", "KWD", false},
		{"1.1250", "KWD", true},
		{"1.1251", "KWD", false},
	} {
		_, err := money.Parse(tc.value, tc.code)
		var inv *errs.InvalidError
		if tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &inv) || inv.Field != "amount")) {
			t.Errorf("Parse(%q, %q) = %v, want accepted %v (else an *errs.InvalidError for amount)", tc.value, tc.code, err, tc.ok)
		}
		a := exact(tc.value, tc.code)
		if err := a.Check("fees"); tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &inv) || inv.Field != "fees")) {
			t.Errorf("Check(%s %s) = %v, want accepted %v (else an *errs.InvalidError for fees)", tc.value, tc.code, err, tc.ok)
		}
		negative := strings.HasPrefix(tc.value, "-")
		if _, err := money.ParsePrice(tc.value, tc.code); (err == nil) != (tc.ok && !negative) || (err != nil && (!errors.As(err, &inv) || inv.Field != "price")) {
			t.Errorf("ParsePrice(%q, %q) = %v", tc.value, tc.code, err)
		}
		if err := a.CheckPrice("lines[0].unit_price"); (err == nil) != (tc.ok && !negative) || (err != nil && (!errors.As(err, &inv) || inv.Field != "lines[0].unit_price")) {
			t.Errorf("CheckPrice(%s %s) = %v", tc.value, tc.code, err)
		}
	}
}

// Check reads the coefficient and counts digits, so a value built with a
// huge exponent is refused without building a number of that many digits.
func TestCheckHugeExponent(t *testing.T) {
	usd := money.MustCurrency("USD")
	for _, v := range []decimal.Decimal{decimal.New(1, -1_000_000_000), decimal.New(-7, -2_000_000_000), decimal.New(3, 1_000_000_000)} {
		if err := (money.Amount{Value: v, Currency: usd}).Check("amount"); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Check(1e%d USD) = %v, want ErrInvalid", v.Exponent(), err)
		}
	}
	if err := (money.Amount{Value: decimal.New(1, 41), Currency: usd}).Check("amount"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Check(1e41 USD) = %v, want ErrInvalid: beyond Parse's bound", err)
	}
	if err := (money.Amount{Value: decimal.New(1_000, -3), Currency: usd}).Check("amount"); err != nil {
		t.Errorf("Check(1.000 USD) = %v, want it accepted", err)
	}
}

func TestAmountsIn(t *testing.T) {
	as := money.Amounts{money.MustParse("-15.79", "EUR"), money.MustParse("1500", "JPY")}
	for _, tc := range []struct {
		code string
		want money.Amount
	}{
		{"EUR", money.MustParse("-15.79", "EUR")},
		{"jpy", money.MustParse("1500", "JPY")},
		{"USD", money.MustParse("0", "USD")},
		{"ABC", money.Amount{}},
		{"", money.Amount{}},
	} {
		if got := as.In(tc.code); !got.Equal(tc.want) || got.Currency != tc.want.Currency {
			t.Errorf("In(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if got := money.Amounts(nil).In("EUR"); !got.Equal(money.MustParse("0", "EUR")) {
		t.Errorf("nil Amounts In(EUR) = %v, want 0.00 EUR", got)
	}
	got := as.Currencies()
	if len(got) != 2 || got[0].Code() != "EUR" || got[1].Code() != "JPY" {
		t.Errorf("Currencies() = %v, want [EUR JPY]", got)
	}
}

// inputGen draws the text of an amount with 0 to 5 decimals, some of them
// trailing zeros, in a currency with 0, 2 or 3 minor units.
func inputGen() *rapid.Generator[[2]string] {
	return rapid.Custom(func(t *rapid.T) [2]string {
		units := rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "units")
		scale := rapid.Int32Range(0, 5).Draw(t, "decimals")
		v := decimal.New(units, -scale).StringFixed(scale)
		v += strings.Repeat("0", rapid.IntRange(0, 2).Draw(t, "zeros"))
		if scale == 0 && strings.HasSuffix(v, "0") && !strings.Contains(v, ".") {
			v = decimal.New(units, 0).String()
		}
		return [2]string{v, rapid.SampledFrom(currencies).Draw(t, "currency")}
	})
}

// An amount accepted as input never has more decimals than its currency's
// minor unit, so rounding it changes nothing; Parse and Check agree; and
// sums of accepted inputs stay per currency, exact at the minor unit.
func TestInputAtMostMinorUnits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ins := rapid.SliceOfN(inputGen(), 1, 20).Draw(t, "inputs")
		var tot money.Totals
		model := map[string]decimal.Decimal{}
		for _, in := range ins {
			c := money.MustCurrency(in[1])
			d := decimal.RequireFromString(in[0])
			a, err := money.Parse(in[0], in[1])
			fits := d.Equal(d.Truncate(c.MinorUnits()))
			if (err == nil) != fits {
				t.Fatalf("Parse(%q, %q) = %v; %d decimals allowed", in[0], in[1], err, c.MinorUnits())
			}
			if cerr := (money.Amount{Value: d, Currency: c}).Check("amount"); (cerr == nil) != (err == nil) {
				t.Fatalf("Check(%s %s) = %v but Parse gave %v", in[0], in[1], cerr, err)
			}
			if err != nil {
				continue
			}
			if !a.Rounded().Equal(a) || a.String() != a.Rounded().String() {
				t.Fatalf("accepted %v has more decimals than %s allows", a.Value, in[1])
			}
			tot.Add(a)
			model[in[1]] = model[in[1]].Add(a.Value)
		}
		if tot.Len() != len(model) {
			t.Fatalf("Totals has %d currencies, want %d", tot.Len(), len(model))
		}
		for code, sum := range model {
			got := tot.Rounded().In(code)
			if !got.Equal(tot.Get(got.Currency)) || !got.Value.Equal(sum) {
				t.Fatalf("%s: rounded total %v, unrounded %v, want exactly %v", code, got.Value, tot.Get(got.Currency).Value, sum)
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"10.00", "USD"}, {"-.5", "usd"}, {"0.005", "KWD"}, {"1500", "JPY"}, {"", ""}, {"1", "ABC"},
		{"-0", "EUR"}, {"." + strings.Repeat("0", 39) + "1", "USD"}, {"1e5", "USD"}, {"12345678901234567890", "GBP"},
		{"0.004", "USD"}, {"0.4", "JPY"}, {"1.125", "KWD"}, {"0.0005", "KWD"}, {"9.999", "USD"}, {"9.990", "usd"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, value, code string) {
		price, perr := money.ParsePrice(value, code)
		a, err := money.Parse(value, code)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("Parse(%q, %q) = %v, want ErrInvalid", value, code, err)
			}
			if perr == nil {
				t.Fatalf("ParsePrice(%q, %q) accepted what Parse refused", value, code)
			}
			return
		}
		if (perr == nil) == a.Value.IsNegative() {
			t.Fatalf("ParsePrice(%q, %q) = %v, %v; Parse gave %v", value, code, price, perr, a.Value)
		}
		if err := a.Check("amount"); err != nil {
			t.Fatalf("Parse(%q, %q) = %v, which Check refuses: %v", value, code, a.Value, err)
		}
		if !a.Rounded().Equal(a) {
			t.Fatalf("Parse(%q, %q) = %v, finer than %d decimals", value, code, a.Value, a.Currency.MinorUnits())
		}
		again, err := money.Parse(a.Value.String(), a.Currency.Code())
		if err != nil || !again.Equal(a) {
			t.Fatalf("Parse(%q, %q) = %v, whose String parses to %v, %v", value, code, a.Value, again.Value, err)
		}
		// The display form is exact: nothing was rounded away.
		num, cur, ok := strings.Cut(a.String(), " ")
		if !ok {
			t.Fatalf("String() = %q has no space", a.String())
		}
		shown, err := money.Parse(num, cur)
		if err != nil || !shown.Equal(a) {
			t.Fatalf("String() = %q parses to %v, %v; want %v", a.String(), shown.Value, err, a.Value)
		}
	})
}
