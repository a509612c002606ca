package money_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

// jsonCur and jsonFiner build what the tests need without the parsers,
// which may refuse it: a currency, and an amount finer than its minor unit
// (an unrounded intermediate).
func jsonCur(code string) money.Currency { return money.MustParse("0", code).Currency }

func jsonFiner(value, code string) money.Amount {
	return money.Amount{Value: decimal.RequireFromString(value), Currency: jsonCur(code)}
}

func ExampleAmount_MarshalJSON() {
	b, _ := json.Marshal(money.MustParse("9.4", "EUR"))
	fmt.Println(string(b))

	var back money.Amount
	err := json.Unmarshal([]byte(`{"amount":"9.404","currency":"EUR"}`), &back)
	fmt.Println(err)
	// Output:
	// {"amount":"9.40","currency":"EUR"}
	// invalid amount "9.404 EUR": finer than the currency's minor unit: EUR has 2 decimals
}

func TestAmountMarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		in   money.Amount
		want string
	}{
		{money.MustParse("9.4", "EUR"), `{"amount":"9.40","currency":"EUR"}`},
		{money.MustParse("9.4000", "eur"), `{"amount":"9.40","currency":"EUR"}`},
		{money.MustParse("1500", "JPY"), `{"amount":"1500","currency":"JPY"}`},
		{money.MustParse("0.005", "KWD"), `{"amount":"0.005","currency":"KWD"}`},
		{money.MustParse("-12.5", "USD"), `{"amount":"-12.50","currency":"USD"}`},
		{money.MustParse("0", "GBP"), `{"amount":"0.00","currency":"GBP"}`},
		{money.Amount{Value: decimal.New(1234, -1), Currency: jsonCur("USD")}, `{"amount":"123.40","currency":"USD"}`},
		// The zero Amount is no amount at all: null, as for a nil pointer.
		{money.Amount{}, `null`},
	} {
		got, err := json.Marshal(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// Marshal never rounds: an amount finer than its currency's minor unit (an
// unrounded intermediate such as one subscription's MRR) would otherwise
// reach another system as a different amount, rounded a second time.
func TestAmountMarshalJSONRefusesFinerThanMinorUnit(t *testing.T) {
	for _, in := range []money.Amount{
		jsonFiner("0.004", "USD"),
		jsonFiner("0.4", "JPY"),
		jsonFiner("10.1388", "EUR"),
		jsonFiner("0.0001", "KWD"),
		{Value: decimal.NewFromInt(5)}, // no currency
	} {
		got, err := json.Marshal(in)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Marshal(%v) = %s, %v; want ErrInvalid", in.Value, got, err)
		}
		if r, err := json.Marshal(in.Rounded()); !in.Currency.IsZero() && err != nil {
			t.Errorf("Marshal(%v.Rounded()) = %s, %v", in.Value, r, err)
		}
	}
}

func TestAmountUnmarshalJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want money.Amount
	}{
		{`{"amount":"9.40","currency":"EUR"}`, money.MustParse("9.4", "EUR")},
		{`{"currency":"eur","amount":"9.4"}`, money.MustParse("9.4", "EUR")},
		{`{"amount":"-0.5","currency":"USD"}`, money.MustParse("-0.5", "USD")},
		{`{"amount":"1500","currency":"JPY"}`, money.MustParse("1500", "JPY")},
		{`{"amount":"1500.000","currency":"JPY"}`, money.MustParse("1500", "JPY")},
		{`{"amount":"0.005","currency":"KWD"}`, money.MustParse("0.005", "KWD")},
		{` { "amount" : "1" , "currency" : "GBP" } `, money.MustParse("1", "GBP")},
	} {
		var got money.Amount
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil || !got.Equal(tc.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// Bad input is refused with the field at fault, and the target is left as
// it was.
func TestAmountUnmarshalJSONRefuses(t *testing.T) {
	for _, tc := range []struct{ in, field string }{
		{`"9.40 EUR"`, "amount"},
		{`9.4`, "amount"},
		{`[]`, "amount"},
		{`{}`, "amount"},
		{`{"currency":"EUR"}`, "amount"},
		{`{"amount":9.4,"currency":"EUR"}`, "amount"},
		{`{"amount":null,"currency":"EUR"}`, "amount"},
		{`{"amount":"","currency":"EUR"}`, "amount"},
		{`{"amount":"9,40","currency":"EUR"}`, "amount"},
		{`{"amount":"1e3","currency":"EUR"}`, "amount"},
		{`{"amount":"+1","currency":"EUR"}`, "amount"},
		{`{"amount":"9.404","currency":"EUR"}`, "amount"},
		{`{"amount":"0.4","currency":"JPY"}`, "amount"},
		{`{"amount":"0.0001","currency":"KWD"}`, "amount"},
		{`{"amount":"9.40"}`, "currency"},
		{`{"amount":"9.40","currency":""}`, "currency"},
		{`{"amount":"9.40","currency":"ABC"}`, "currency"},
		{`{"amount":"9.40","currency":"XTS"}`, "currency"},
		{`{"amount":"9.40","currency":978}`, "currency"},
		{`{"amount":"9.40","currency":{"code":"EUR"}}`, "currency"},
		{`{"amount":"9.40","currency":"EUR","note":"x"}`, "amount"},
	} {
		before := money.MustParse("1", "USD")
		got := before
		err := json.Unmarshal([]byte(tc.in), &got)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("Unmarshal(%s) = %v, want an invalid %s", tc.in, err, tc.field)
		}
		if !got.Equal(before) {
			t.Errorf("Unmarshal(%s) changed the target to %v", tc.in, got)
		}
	}
}

func TestTotalsJSON(t *testing.T) {
	var empty money.Totals
	if got, err := json.Marshal(empty); err != nil || string(got) != `[]` {
		t.Errorf("Marshal(empty Totals) = %s, %v; want []", got, err)
	}
	var tot money.Totals
	for _, a := range []money.Amount{
		money.MustParse("5", "USD"), money.MustParse("2.5", "EUR"), money.MustParse("1.25", "USD"), money.MustParse("300", "JPY"),
	} {
		tot.Add(a)
	}
	const want = `[{"amount":"2.50","currency":"EUR"},{"amount":"300","currency":"JPY"},{"amount":"6.25","currency":"USD"}]`
	got, err := json.Marshal(tot)
	if err != nil || string(got) != want {
		t.Fatalf("Marshal(Totals) = %s, %v; want %s", got, err, want)
	}
	var back money.Totals
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if back.Len() != 3 || !back.Get(jsonCur("USD")).Equal(money.MustParse("6.25", "USD")) {
		t.Errorf("Unmarshal(%s) = %v", got, back.Rounded())
	}
	// An unrounded sum is refused as an unrounded Amount is.
	tot.Add(jsonFiner("0.001", "USD"))
	if got, err := json.Marshal(tot); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Marshal(Totals with 6.251 USD) = %s, %v; want ErrInvalid", got, err)
	}
}

func TestTotalsUnmarshalJSONRefuses(t *testing.T) {
	for _, tc := range []struct{ in, field string }{
		{`{"EUR":"1.00"}`, "totals"},
		{`"1.00 EUR"`, "totals"},
		{`[null]`, "totals"},
		{`[{"amount":"1","currency":"EUR"},{"amount":"2","currency":"eur"}]`, "currency"},
		{`[{"amount":"1.001","currency":"EUR"}]`, "amount"},
		{`[{"amount":"1","currency":"ABC"}]`, "currency"},
	} {
		var before money.Totals
		before.Add(money.MustParse("7", "GBP"))
		got := before
		err := json.Unmarshal([]byte(tc.in), &got)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("Unmarshal(%s) = %v, want an invalid %s", tc.in, err, tc.field)
		}
		if got.Len() != 1 || !got.Get(jsonCur("GBP")).Equal(money.MustParse("7", "GBP")) {
			t.Errorf("Unmarshal(%s) changed the target to %v", tc.in, got.Rounded())
		}
	}
}

// minorAmountGen draws amounts already at their currency's minor unit, as
// every record holds them.
func minorAmountGen() *rapid.Generator[money.Amount] {
	return rapid.Custom(func(t *rapid.T) money.Amount {
		c := jsonCur(rapid.SampledFrom([]string{"USD", "EUR", "JPY", "KWD", "GBP"}).Draw(t, "currency"))
		units := rapid.Int64Range(-1e12, 1e12).Draw(t, "units")
		return money.Amount{Value: decimal.New(units, -c.MinorUnits()), Currency: c}
	})
}

func TestAmountJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := minorAmountGen().Draw(t, "a")
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back money.Amount
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(a) {
			t.Fatalf("%v marshals to %s, which unmarshals to %v, %v", a, b, back, err)
		}
	})
}

func TestTotalsJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tot money.Totals
		for _, a := range rapid.SliceOf(minorAmountGen()).Draw(t, "amounts") {
			tot.Add(a)
		}
		b, err := json.Marshal(tot)
		if err != nil {
			t.Fatal(err)
		}
		var back money.Totals
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		want, got := tot.Rounded(), back.Rounded()
		if len(got) != len(want) {
			t.Fatalf("%s unmarshals to %v, want %v", b, got, want)
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Fatalf("%s unmarshals to %v, want %v", b, got, want)
			}
		}
	})
}

// Whatever Unmarshal accepts marshals back to a canonical form that reads
// as the same amount; whatever it refuses is ErrInvalid or a JSON syntax
// error, and leaves the target untouched.
func FuzzAmountJSON(f *testing.F) {
	for _, s := range []string{
		`{"amount":"9.40","currency":"EUR"}`, `{"amount":"-0.5","currency":"usd"}`, `{"amount":"1500","currency":"JPY"}`,
		`{"amount":"0.4","currency":"JPY"}`, `{"amount":9.4,"currency":"EUR"}`, `null`, `{}`, `[1]`, `"x"`,
		`{"amount":"1","currency":"EUR","x":1}`, `{"AMOUNT":"1","Currency":"eur"}`, `{"amount":"1\u002e5","currency":"EUR"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a money.Amount
		if err := json.Unmarshal(in, &a); err != nil {
			var syn *json.SyntaxError
			if !errors.Is(err, errs.ErrInvalid) && !errors.As(err, &syn) {
				t.Fatalf("Unmarshal(%q) = %v, want ErrInvalid or a syntax error", in, err)
			}
			if !a.Equal(money.Amount{}) {
				t.Fatalf("Unmarshal(%q) failed but set %v", in, a)
			}
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Unmarshal(%q) = %v, which does not marshal: %v", in, a, err)
		}
		var back money.Amount
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(a) {
			t.Fatalf("%q → %v → %s → %v, %v", in, a, out, back, err)
		}
		if again, _ := json.Marshal(back); string(again) != string(out) {
			t.Fatalf("marshal is not canonical: %s then %s", out, again)
		}
	})
}

func FuzzTotalsJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, `[{"amount":"1","currency":"EUR"},{"amount":"2","currency":"USD"}]`,
		`[{"amount":"1","currency":"EUR"},{"amount":"2","currency":"EUR"}]`, `[null]`, `{}`, `[1]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var tot money.Totals
		if err := json.Unmarshal(in, &tot); err != nil {
			var syn *json.SyntaxError
			if !errors.Is(err, errs.ErrInvalid) && !errors.As(err, &syn) {
				t.Fatalf("Unmarshal(%q) = %v, want ErrInvalid or a syntax error", in, err)
			}
			if tot.Len() != 0 {
				t.Fatalf("Unmarshal(%q) failed but set %v", in, tot.Rounded())
			}
			return
		}
		out, err := json.Marshal(tot)
		if err != nil {
			t.Fatalf("Unmarshal(%q) = %v, which does not marshal: %v", in, tot.Rounded(), err)
		}
		var back money.Totals
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q → %s → %v", in, out, err)
		}
		if again, _ := json.Marshal(back); string(again) != string(out) {
			t.Fatalf("marshal is not canonical: %s then %s", out, again)
		}
	})
}
