package stats_test

import (
	"testing"
	"time"

	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/subscriptions"
)

// The MRR total is rounded once, from the exact sum: three quarterly 1.00
// plans (0.333… each) and a yearly 0.06 plan (0.005) make exactly 1.005,
// which rounds half away from zero to 1.01. Adding the parts rounded to
// any fixed number of decimals first would land just under 1.005.
func TestMRRRoundsTheExactSum(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := now.Add(24 * time.Hour)
	sub := func(amount string, p period.Period) subscriptions.Subscription {
		return subscriptions.Subscription{Amount: money.MustParse(amount, "USD"), Period: p, Status: subscriptions.Active, CurrentPeriodEnd: &end}
	}
	quarter := period.Period{Count: 3, Unit: period.Month}
	year := period.Period{Count: 1, Unit: period.Year}
	subs := []subscriptions.Subscription{sub("1.00", quarter), sub("1.00", quarter), sub("1.00", quarter), sub("0.06", year)}
	got := stats.Compute(orders.Summary{}, subs, now, nil).MRR
	if len(got) != 1 || got[0].String() != "1.01 USD" {
		t.Fatalf("MRR = %v, want [1.01 USD]", got)
	}
}
