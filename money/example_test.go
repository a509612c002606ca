package money_test

import (
	"errors"
	"fmt"

	"github.com/playerbase/playerbase/money"
)

// Totals keep one sum per currency and round each once, at the end.
func ExampleTotals() {
	var tot money.Totals
	for _, a := range []money.Amount{
		money.MustParse("0.005", "USD"),
		money.MustParse("0.005", "USD"),
		money.MustParse("0.005", "USD"),
		money.MustParse("1200", "JPY"),
	} {
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
	// 0.02 USD
	// true currency mismatch: USD and JPY
}
