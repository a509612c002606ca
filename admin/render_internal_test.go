package admin

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/money"
)

// A stamp is one value per instant, whatever the zone or monotonic
// reading of the time it came from, so fragments keyed by it hit; and it
// shows the instant in UTC.
func TestStamp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tm := time.Unix(rapid.Int64Range(-62135596799, 253402300799).Draw(t, "sec"), rapid.Int64Range(0, 999999999).Draw(t, "ns"))
		zoned := tm.In(time.FixedZone("z", rapid.IntRange(-50000, 50000).Draw(t, "zone")))
		if stamp(tm) != stamp(zoned) {
			t.Fatalf("stamp(%v) != stamp(%v)", tm, zoned)
		}
		st := stamp(zoned)
		if st.ISO() != tm.UTC().Format(time.RFC3339) || st.Text() != tm.UTC().Format("2006-01-02 15:04 UTC") {
			t.Fatalf("stamp(%v) shows %s, %s", zoned, st.ISO(), st.Text())
		}
	})
	now := time.Now() // with a monotonic reading
	if stamp(now) != stamp(now.Round(0)) {
		t.Error("a monotonic reading changes the stamp")
	}
	if (stamp(time.Time{}) != Stamp{}) || stamp(time.Time{}).ISO() != "" || stampPtr(nil).Text() != "" {
		t.Error("no time is not the empty stamp")
	}
}

// amountText is Amount.String, faster.
func TestAmountText(t *testing.T) {
	codes := []string{"EUR", "JPY", "KWD", "USD", "CLF"}
	rapid.Check(t, func(t *rapid.T) {
		var coef int64
		switch rapid.IntRange(0, 2).Draw(t, "size") {
		case 0:
			coef = rapid.Int64Range(-100000, 100000).Draw(t, "small")
		case 1:
			coef = rapid.Int64Range(-1e15, 1e15).Draw(t, "mid")
		default:
			coef = rapid.Int64().Draw(t, "any")
		}
		a := money.Amount{
			Value:    decimal.New(coef, int32(rapid.IntRange(-8, 4).Draw(t, "exp"))),
			Currency: money.MustCurrency(rapid.SampledFrom(codes).Draw(t, "currency")),
		}
		if got, want := amountText(a), a.String(); got != want {
			t.Fatalf("amountText(%s × 10^%d %s) = %q, want %q", a.Value.Coefficient(), a.Value.Exponent(), a.Currency.Code(), got, want)
		}
	})
}
