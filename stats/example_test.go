package stats_test

import (
	"fmt"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/subscriptions"
)

func ExampleCompute() {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cust := customer.NewID(now)

	o, _ := orders.New(orders.Params{Customer: cust, Lines: []orders.Line{
		{ProductID: "vip", Quantity: 1, UnitPrice: money.MustParse("10.00", "EUR")},
	}}, now)
	o, _, _ = o.Complete("pay_1", money.MustParse("0.79", "EUR"), now)
	o, _ = o.Refund(money.MustParse("3.00", "EUR"), now)

	s, _ := subscriptions.New(subscriptions.Params{
		Customer: cust, ProductID: "vip", Amount: money.MustParse("10.00", "EUR"),
		Period: period.Period{Count: 30, Unit: period.Day},
	}, now)
	s, _ = s.Activate(now)

	st := stats.Compute(orders.Summarize([]orders.Order{o}), []subscriptions.Subscription{s}, now, nil)
	fmt.Println("net spent:", st.NetSpent)
	fmt.Println("gross spent:", st.GrossSpent)
	fmt.Println("payments:", st.TotalPayments, "refunds:", st.Refunds, "chargebacks:", st.Chargebacks)
	fmt.Println("active subscriptions:", st.ActiveSubscriptions, "MRR:", st.MRR)
	fmt.Println("net spent in EUR:", st.NetSpent.In("EUR"), "in USD:", st.NetSpent.In("USD"))
	// Output:
	// net spent: [6.21 EUR]
	// gross spent: [10.00 EUR]
	// payments: 1 refunds: 1 chargebacks: 0
	// active subscriptions: 1 MRR: [10.14 EUR]
	// net spent in EUR: 6.21 EUR in USD: 0.00 USD
}
