package stats_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/subscriptions"
)

var (
	t0   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cust = customer.NewID(t0)
)

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}

func amounts(pairs ...string) money.Amounts {
	out := money.Amounts{}
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, money.MustParse(pairs[i], pairs[i+1]))
	}
	return out
}

// order builds a 10.00-per-unit order in currency cur and walks it through
// steps: "complete:<fees>", "refund:<amount>", "chargeback:<fee>", "cancel".
func order(t *testing.T, cur string, price string, steps ...string) orders.Order {
	t.Helper()
	o, err := orders.New(orders.Params{Customer: cust, Lines: []orders.Line{{ProductID: "vip", Quantity: 1, UnitPrice: money.MustParse(price, cur)}}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range steps {
		var kind, arg string
		for i := range step {
			if step[i] == ':' {
				kind, arg = step[:i], step[i+1:]
				break
			}
		}
		if kind == "" {
			kind = step
		}
		switch kind {
		case "complete":
			o, _, err = o.Complete("pay_"+string(o.ID), money.MustParse(arg, cur), t0)
		case "refund":
			o, err = o.Refund(money.MustParse(arg, cur), t0)
		case "chargeback":
			o, _, err = o.Chargeback(money.MustParse(arg, cur), t0)
		case "cancel":
			o, err = o.Cancel(t0)
		}
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	return o
}

// TestOrderVectors checks the hand-computed figures of docs/RULES.md "Stats" and
// issue 4.
func TestOrderVectors(t *testing.T) {
	tests := []struct {
		name   string
		orders func(t *testing.T) []orders.Order
		want   stats.Stats
	}{
		{"no orders", func(t *testing.T) []orders.Order { return nil },
			stats.Stats{}},
		{"unpaid orders count nothing", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00"), order(t, "EUR", "10.00", "cancel")}
		}, stats.Stats{}},
		{"completed 10.00 with 0.79 fees nets 9.21", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00", "complete:0.79")}
		}, stats.Stats{NetSpent: amounts("9.21", "EUR"), GrossSpent: amounts("10.00", "EUR"), TotalPayments: 1}},
		{"a partial refund of 3.00 leaves 6.21", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00", "complete:0.79", "refund:3.00")}
		}, stats.Stats{NetSpent: amounts("6.21", "EUR"), GrossSpent: amounts("10.00", "EUR"), TotalPayments: 1, Refunds: 1}},
		{"a full refund leaves minus the fees", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00", "complete:0.79", "refund:3.00", "refund:7.00")}
		}, stats.Stats{NetSpent: amounts("-0.79", "EUR"), GrossSpent: amounts("10.00", "EUR"), TotalPayments: 1, Refunds: 1}},
		{"a chargeback with a 15.00 dispute fee makes the order -15.79", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00", "complete:0.79", "chargeback:15.00")}
		}, stats.Stats{NetSpent: amounts("-15.79", "EUR"), GrossSpent: amounts("10.00", "EUR"), TotalPayments: 1, Chargebacks: 1}},
		{"a chargeback after a partial refund reverses the total once", func(t *testing.T) []orders.Order {
			return []orders.Order{order(t, "EUR", "10.00", "complete:0.79", "refund:3.00", "chargeback:15.00")}
		}, stats.Stats{NetSpent: amounts("-15.79", "EUR"), GrossSpent: amounts("10.00", "EUR"), TotalPayments: 1, Refunds: 1, Chargebacks: 1}},
		{"two currencies never sum", func(t *testing.T) []orders.Order {
			return []orders.Order{
				order(t, "EUR", "10.00", "complete:0.79"),                     // 9.21
				order(t, "EUR", "10.00", "complete:0.79", "refund:3.00"),      // 6.21
				order(t, "EUR", "10.00", "complete:0.79", "chargeback:15.00"), // -15.79
				order(t, "USD", "20.00", "complete:1.00"),                     // 19.00
				order(t, "JPY", "1500", "complete:50"),                        // 1450
				order(t, "USD", "99.00"),                                      // unpaid
			}
		}, stats.Stats{
			NetSpent:      amounts("1450", "JPY", "-0.37", "EUR", "19.00", "USD"),
			GrossSpent:    amounts("1500", "JPY", "30.00", "EUR", "20.00", "USD"),
			TotalPayments: 5, Refunds: 1, Chargebacks: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.FromOrders(tt.orders(t), nil, t0, nil)
			normalize(&got)
			normalize(&tt.want)
			if d := cmp.Diff(tt.want, got, cmpOpts); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
		})
	}
}

// normalize makes nil and empty money lists compare equal and sorts the
// wanted lists as Compute does (by currency code).
func normalize(s *stats.Stats) {
	for _, l := range []*money.Amounts{&s.NetSpent, &s.GrossSpent, &s.MRR} {
		if *l == nil {
			*l = money.Amounts{}
		}
		sortAmounts(*l)
	}
}

func sortAmounts(l []money.Amount) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Currency.Code() < l[j-1].Currency.Code(); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func sub(t *testing.T, amount, cur, every string, steps ...string) subscriptions.Subscription {
	t.Helper()
	p, err := period.Parse(every)
	if err != nil {
		t.Fatal(err)
	}
	s, err := subscriptions.New(subscriptions.Params{Customer: cust, ProductID: "vip", Amount: money.MustParse(amount, cur), Period: p}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range steps {
		switch step {
		case "trial":
			s.Trial = true
		case "activate":
			s, err = s.Activate(t0)
		case "renew":
			s, err = s.Renew(t0)
		case "cancel":
			s, _, err = s.Cancel(false, t0)
		case "cancel at period end":
			s, _, err = s.Cancel(true, t0)
		}
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	return s
}

func TestMRRVectors(t *testing.T) {
	tests := []struct {
		name   string
		subs   func(t *testing.T) []subscriptions.Subscription
		cfg    *stats.Config
		now    time.Time
		mrr    []money.Amount
		active int
	}{
		{"a 30-day 10.00 plan is 10.14", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "10.00", "EUR", "30 days", "activate")}
		}, nil, t0, amounts("10.14", "EUR"), 1},
		{"a yearly 120.00 plan is 10.00", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "120.00", "EUR", "1 year", "activate")}
		}, nil, t0, amounts("10.00", "EUR"), 1},
		{"a quarterly 30.00 plan is 10.00", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "30.00", "EUR", "3 months", "activate")}
		}, nil, t0, amounts("10.00", "EUR"), 1},
		{"a weekly 2.50 plan is 10.86", func(t *testing.T) []subscriptions.Subscription {
			// 2.50 × 730 h ÷ 168 h = 10.8630…
			return []subscriptions.Subscription{sub(t, "2.50", "EUR", "1 week", "activate")}
		}, nil, t0, amounts("10.86", "EUR"), 1},
		{"a two-year 240.00 plan is 10.00", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "240.00", "EUR", "2 years", "activate")}
		}, nil, t0, amounts("10.00", "EUR"), 1},
		{"rounding once: three 30-day 3.33 plans are 10.13, not 3 × 3.38", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{
				sub(t, "3.33", "EUR", "30 days", "activate"),
				sub(t, "3.33", "EUR", "30 days", "activate"),
				sub(t, "3.33", "EUR", "30 days", "activate"),
			}
		}, nil, t0, amounts("10.13", "EUR"), 3},
		{"a month of 30 days makes the 30-day plan 10.00", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "10.00", "EUR", "30 days", "activate")}
		}, &stats.Config{MonthLength: 30 * 24 * time.Hour}, t0, amounts("10.00", "EUR"), 1},
		{"JPY rounds to whole yen", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "1000", "JPY", "30 days", "activate")}
		}, nil, t0, amounts("1014", "JPY"), 1},
		{"two currencies never sum", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{
				sub(t, "10.00", "EUR", "1 month", "activate"),
				sub(t, "10.00", "USD", "1 month", "activate"),
			}
		}, nil, t0, amounts("10.00", "EUR", "10.00", "USD"), 2},
		{"trials, created and canceled count 0", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{
				sub(t, "10.00", "EUR", "1 month", "trial", "activate"),
				sub(t, "10.00", "EUR", "1 month"),
				sub(t, "10.00", "EUR", "1 month", "activate", "cancel"),
				sub(t, "5.00", "USD", "1 month", "activate"),
			}
		}, nil, t0, amounts("0.00", "EUR", "5.00", "USD"), 2},
		{"a trial's first renewal counts", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "10.00", "EUR", "1 month", "trial", "activate", "renew")}
		}, nil, t0, amounts("10.00", "EUR"), 1},
		{"cancel at period end counts until the period ends", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "10.00", "EUR", "1 month", "activate", "cancel at period end")}
		}, nil, t0.AddDate(0, 1, 0).Add(-time.Second), amounts("10.00", "EUR"), 1},
		{"… and not after", func(t *testing.T) []subscriptions.Subscription {
			return []subscriptions.Subscription{sub(t, "10.00", "EUR", "1 month", "activate", "cancel at period end")}
		}, nil, t0.AddDate(0, 1, 0), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Compute(orders.Summary{}, tt.subs(t), tt.now, tt.cfg)
			want := stats.Stats{MRR: tt.mrr, ActiveSubscriptions: tt.active}
			normalize(&got)
			normalize(&want)
			if d := cmp.Diff(want, got, cmpOpts); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
		})
	}
}
