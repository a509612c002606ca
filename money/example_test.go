package money_test

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/money"
)

// Totals keep one sum per currency at full precision and round each once,
// at the end: three thirds of a dollar make a dollar, where rounding each
// third first would lose a cent.
func ExampleTotals() {
	third := money.MustParse("1.00", "USD").Mul(decimal.NewFromInt(1).Div(decimal.NewFromInt(3)))
	var tot money.Totals
	for _, a := range []money.Amount{third, third, third, money.MustParse("1200", "JPY")} {
		tot.Add(a)
	}
	for _, a := range tot.Rounded() {
		fmt.Println(a)
	}

	_, err := money.MustParse("1.00", "USD").Add(money.MustParse("1", "JPY"))
	var mismatch *money.MismatchError
	fmt.Println(errors.As(err, &mismatch), err)
	// Output:
	// 1200 JPY
	// 1.00 USD
	// true currency mismatch: USD and JPY
}

// Amounts that enter from outside are held to the currency's minor unit: a
// store cannot charge or refund 0.004 USD or 0.4 JPY.
func ExampleParse() {
	for _, in := range [][2]string{{"9.40", "EUR"}, {"0.004", "USD"}, {"0.4", "JPY"}, {"1.125", "KWD"}} {
		a, err := money.Parse(in[0], in[1])
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a)
	}
	_, err := money.ParsePrice("-1.00", "EUR")
	fmt.Println(err)
	// Output:
	// 9.40 EUR
	// invalid amount "0.004 USD": finer than the currency's minor unit: USD has 2 decimals
	// invalid amount "0.4 JPY": finer than the currency's minor unit: JPY has no decimals
	// 1.125 KWD
	// invalid price "-1.00 EUR": must not be negative
}

// A host reads one currency of a per-currency list, such as a customer's
// net spent, without looping.
func ExampleAmounts_In() {
	var tot money.Totals
	tot.Add(money.MustParse("10.00", "EUR"))
	tot.Add(money.MustParse("-0.79", "EUR"))
	tot.Add(money.MustParse("1500", "JPY"))
	net := tot.Rounded()
	fmt.Println(net.In("EUR"), net.In("jpy"), net.In("USD"))
	fmt.Println(net.Currencies())
	// Output:
	// 9.21 EUR 1500 JPY 0.00 USD
	// [EUR JPY]
}
