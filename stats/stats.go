package stats

import (
	"math/big"
	"time"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/subscriptions"
)

// DefaultMonthLength is an average month: 365/12 days.
const DefaultMonthLength = 730 * time.Hour

// Config tunes the stats. A nil *Config, and every zero field, means the
// default.
type Config struct {
	// MonthLength is how long a month is when day and week periods are
	// turned into MRR. Default DefaultMonthLength.
	MonthLength time.Duration
}

func (c *Config) monthLength() time.Duration {
	if c == nil || c.MonthLength <= 0 {
		return DefaultMonthLength
	}
	return c.MonthLength
}

// Stats are the figures the Customer Details Page shows. Every money list
// holds one amount per currency, rounded once, sorted by currency code;
// In reads one currency (st.NetSpent.In("EUR")).
type Stats struct {
	NetSpent            money.Amounts `json:"net_spent"`
	GrossSpent          money.Amounts `json:"gross_spent"`
	TotalPayments       int           `json:"total_payments"`
	Refunds             int           `json:"refunds"`
	Chargebacks         int           `json:"chargebacks"`
	ActiveSubscriptions int           `json:"active_subscriptions"`
	MRR                 money.Amounts `json:"mrr"`
}

// Compute returns the stats of a customer whose orders add up to o and who
// has subs (in any status), at now.
func Compute(o orders.Summary, subs []subscriptions.Subscription, now time.Time, cfg *Config) Stats {
	net, gross := NetSpent(o), GrossSpent(o)
	mrr := MRR(subs, now, cfg)
	return Stats{
		NetSpent:            net.Rounded(),
		GrossSpent:          gross.Rounded(),
		TotalPayments:       o.Payments,
		Refunds:             o.Refunds,
		Chargebacks:         o.Chargebacks,
		ActiveSubscriptions: ActiveSubscriptions(subs, now),
		MRR:                 mrr.Rounded(),
	}
}

// FromOrders is Compute over a list of orders.
func FromOrders(os []orders.Order, subs []subscriptions.Subscription, now time.Time, cfg *Config) Stats {
	return Compute(orders.Summarize(os), subs, now, cfg)
}

// NetSpent returns gross − fees − reversed per currency, unrounded.
func NetSpent(o orders.Summary) money.Totals {
	var t money.Totals
	for _, s := range o.Sums {
		t.Add(money.Amount{Value: s.Gross.Sub(s.Fees).Sub(s.Reversed), Currency: s.Currency})
	}
	return t
}

// GrossSpent returns Σ Total of paid orders per currency, unrounded.
func GrossSpent(o orders.Summary) money.Totals {
	var t money.Totals
	for _, s := range o.Sums {
		t.Add(money.Amount{Value: s.Gross, Currency: s.Currency})
	}
	return t
}

// ActiveSubscriptions counts the subscriptions active at now.
func ActiveSubscriptions(subs []subscriptions.Subscription, now time.Time) int {
	n := 0
	for _, s := range subs {
		if s.StatusAt(now) == subscriptions.Active {
			n++
		}
	}
	return n
}

// MRR returns the monthly recurring revenue of subs at now, per currency,
// unrounded. Subscriptions that are not active at now, and trials, add
// nothing; every currency with an active subscription has a total. The
// monthly values are added as exact fractions and divided once, so the
// total rounds as the exact sum would (three quarterly 1.00 plans and a
// yearly 0.06 one make exactly 1.005, which rounds to 1.01).
func MRR(subs []subscriptions.Subscription, now time.Time, cfg *Config) money.Totals {
	sums := map[money.Currency]*big.Rat{}
	for _, s := range subs {
		if s.StatusAt(now) != subscriptions.Active {
			continue
		}
		sum, ok := sums[s.Amount.Currency]
		if !ok {
			sum = new(big.Rat)
			sums[s.Amount.Currency] = sum
		}
		sum.Add(sum, monthly(s, cfg))
	}
	var t money.Totals
	for cur, sum := range sums {
		t.Add(money.Amount{Value: decimal.NewFromBigRat(sum, mrrPrecision), Currency: cur})
	}
	return t
}

// mrrPrecision is the number of decimals the one division of a total
// keeps: far beyond any currency's minor unit, and beyond the smallest
// distance between a fraction with these denominators and a rounding
// boundary, so rounding the result to minor units is exact.
const mrrPrecision = 24

// Monthly returns what s brings in per month, unrounded (to mrrPrecision
// decimals), whatever its status: 0 for a trial.
func Monthly(s subscriptions.Subscription, cfg *Config) money.Amount {
	return money.Amount{Value: decimal.NewFromBigRat(monthly(s, cfg), mrrPrecision), Currency: s.Amount.Currency}
}

// monthly is Monthly as an exact fraction: month ÷ count, year ÷ (12 ×
// count), and day and week periods scaled by the month length.
func monthly(s subscriptions.Subscription, cfg *Config) *big.Rat {
	v := new(big.Rat)
	if s.Trial {
		return v
	}
	count := int64(s.Period.Count)
	var per *big.Rat
	switch s.Period.Unit {
	case period.Month:
		per = big.NewRat(1, count)
	case period.Year:
		per = big.NewRat(1, 12*count)
	case period.Day, period.Week:
		unit := 24 * time.Hour
		if s.Period.Unit == period.Week {
			unit *= 7
		}
		per = big.NewRat(int64(cfg.monthLength()), count*int64(unit))
	default:
		return v
	}
	return v.Mul(s.Amount.Value.Rat(), per)
}
