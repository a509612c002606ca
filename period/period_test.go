package period

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/errs"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 4, 5, 0, time.UTC) }

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Period
	}{
		{"30 days", Period{30, Day}},
		{"1 day", Period{1, Day}},
		{"30d", Period{30, Day}},
		{" 2 Weeks ", Period{2, Week}},
		{"2w", Period{2, Week}},
		{"1 month", Period{1, Month}},
		{"month", Period{1, Month}},
		{"3mo", Period{3, Month}},
		{"Monthly", Period{1, Month}},
		{"1 year", Period{1, Year}},
		{"1y", Period{1, Year}},
		{"annually", Period{1, Year}},
		{"weekly", Period{1, Week}},
		{"daily", Period{1, Day}},
		{"120 months", Period{120, Month}},
		{"12 hours", Period{12, Hour}},
		{"hourly", Period{1, Hour}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0 days", "-1 month", "1 fortnight", "1.5 months", "99999 days", "m", "1 month 2 days", "days 30"} {
		if p, err := Parse(in); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, %v; want ErrInvalid", in, p, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"30 days", "1 month", "monthly", "2w", "1y", "0 days", "", "9999 weeks", "1 yr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if p.Count < 1 || !p.Unit.Valid() {
			t.Fatalf("Parse(%q) = %v, not a period", s, p)
		}
		again, err := Parse(p.String())
		if err != nil || again != p {
			t.Fatalf("%v formats as %q, which parses to %v, %v", p, p.String(), again, err)
		}
	})
}

func TestAddNClampsToMonthEnd(t *testing.T) {
	month, quarter, year := Period{1, Month}, Period{3, Month}, Period{1, Year}
	tests := []struct {
		name   string
		p      Period
		anchor time.Time
		n      int
		want   time.Time
	}{
		{"Jan 31 + 1 month", month, date(2026, 1, 31), 1, date(2026, 2, 28)},
		{"Jan 31 + 2 months keeps the 31st", month, date(2026, 1, 31), 2, date(2026, 3, 31)},
		{"Jan 31 + 3 months", month, date(2026, 1, 31), 3, date(2026, 4, 30)},
		{"leap year", month, date(2028, 1, 31), 1, date(2028, 2, 29)},
		{"Jan 30 in a leap year", month, date(2028, 1, 30), 1, date(2028, 2, 29)},
		{"Dec 31 into a new year", month, date(2026, 12, 31), 2, date(2027, 2, 28)},
		{"Nov 30 quarterly", quarter, date(2026, 11, 30), 1, date(2027, 2, 28)},
		{"Nov 30 two quarters", quarter, date(2026, 11, 30), 2, date(2027, 5, 30)},
		{"Feb 29 + 1 year", year, date(2028, 2, 29), 1, date(2029, 2, 28)},
		{"Feb 29 + 4 years", year, date(2028, 2, 29), 4, date(2032, 2, 29)},
		{"30 days", Period{30, Day}, date(2026, 1, 31), 1, date(2026, 3, 2)},
		{"2 weeks twice", Period{2, Week}, date(2026, 1, 31), 2, date(2026, 2, 28)},
		{"zero periods", month, date(2026, 1, 31), 0, date(2026, 1, 31)},
	}
	for _, tt := range tests {
		if got := tt.p.AddN(tt.anchor, tt.n); !got.Equal(tt.want) {
			t.Errorf("%s: AddN(%s, %d) = %s, want %s", tt.name, tt.anchor.Format(time.DateOnly), tt.n, got, tt.want)
		}
	}
	if got := month.AddTo(date(2026, 1, 31)); !got.Equal(date(2026, 2, 28)) {
		t.Errorf("AddTo(Jan 31) = %s, want Feb 28", got)
	}
}

// TestAddNProperties: period ends strictly increase, and a month-based
// period end keeps the anchor's day when the month has it, else the last.
func TestAddNProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		unit := rapid.SampledFrom(Units).Draw(t, "unit")
		p := Period{Count: rapid.IntRange(1, 120).Draw(t, "count"), Unit: unit}
		anchor := time.Date(rapid.IntRange(1990, 2100).Draw(t, "year"), time.Month(rapid.IntRange(1, 12).Draw(t, "month")),
			rapid.IntRange(1, 31).Draw(t, "day"), rapid.IntRange(0, 23).Draw(t, "hour"), 0, 0, 0, time.UTC)
		n := rapid.IntRange(0, 50).Draw(t, "n")
		a, b := p.AddN(anchor, n), p.AddN(anchor, n+1)
		if !b.After(a) {
			t.Fatalf("%v: period %d ends %s, period %d ends %s", p, n+1, b, n, a)
		}
		if unit != Hour && a.Hour() != anchor.Hour() {
			t.Fatalf("AddN moved the clock: %s from %s", a, anchor)
		}
		if unit == Month || unit == Year {
			want := min(anchor.Day(), daysIn(a.Year(), a.Month()))
			if a.Day() != want {
				t.Fatalf("%v × %d from %s = %s, want day %d", p, n, anchor, a, want)
			}
		}
	})
}
