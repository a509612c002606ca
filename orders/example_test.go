package orders_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
)

// An order's life: paid with 0.79 fees, partly refunded, then charged back
// with a 15.00 dispute fee.
func ExampleOrder_Chargeback() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	o, err := orders.New(orders.Params{
		Customer: customer.NewID(now),
		Lines:    []orders.Line{{ProductID: "vip", Quantity: 1, UnitPrice: money.MustParse("10.00", "EUR")}},
	}, now)
	if err != nil {
		panic(err)
	}
	o, _, _ = o.Complete("pay_123", money.MustParse("0.79", "EUR"), now)
	fmt.Println(o.Status, "net", o.Net())

	o, _ = o.Refund(money.MustParse("3.00", "EUR"), now)
	fmt.Println(o.Status, "net", o.Net(), "refundable", o.Refundable())

	o, _, _ = o.Chargeback(money.MustParse("15.00", "EUR"), now)
	fmt.Println(o.Status, "net", o.Net())

	_, err = o.Refund(money.MustParse("1.00", "EUR"), now)
	var te *orders.TransitionError
	if errors.As(err, &te) {
		fmt.Printf("cannot %s a %s order (conflict: %v)\n", te.Event, te.From, errors.Is(err, errs.ErrConflict))
	}
	// Output:
	// completed net 9.21 EUR
	// completed net 6.21 EUR refundable 7.00 EUR
	// chargeback net -15.79 EUR
	// cannot refund a chargeback order (conflict: true)
}
