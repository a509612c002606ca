package subscriptions

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 4, 5, 0, time.UTC) }

func TestParsePeriod(t *testing.T) {
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
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0 days", "-1 month", "1 fortnight", "1.5 months", "121 months", "11 years", "99999 days", "m", "1 month 2 days", "days 30"} {
		if p, err := ParsePeriod(in); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParsePeriod(%q) = %v, %v; want ErrInvalid", in, p, err)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"30 days", "1 month", "monthly", "2w", "1y", "0 days", "", "9999 weeks", "1 yr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if err := p.Check(); err != nil {
			t.Fatalf("ParsePeriod(%q) = %v, which fails Check: %v", s, p, err)
		}
		again, err := ParsePeriod(p.String())
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
		unit := rapid.SampledFrom([]Unit{Day, Week, Month, Year}).Draw(t, "unit")
		p := Period{Count: rapid.IntRange(1, maxCount[unit]).Draw(t, "count"), Unit: unit}
		anchor := time.Date(rapid.IntRange(1990, 2100).Draw(t, "year"), time.Month(rapid.IntRange(1, 12).Draw(t, "month")),
			rapid.IntRange(1, 31).Draw(t, "day"), rapid.IntRange(0, 23).Draw(t, "hour"), 0, 0, 0, time.UTC)
		n := rapid.IntRange(0, 50).Draw(t, "n")
		a, b := p.AddN(anchor, n), p.AddN(anchor, n+1)
		if !b.After(a) {
			t.Fatalf("%v: period %d ends %s, period %d ends %s", p, n+1, b, n, a)
		}
		if a.Hour() != anchor.Hour() {
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

var (
	t0   = date(2026, 1, 31)
	cust = customer.NewID(t0)
)

func mustNew(t *testing.T, p Period, trial bool) Subscription {
	t.Helper()
	s, err := New(Params{Customer: cust, ProductID: "vip", Amount: money.MustParse("10.00", "EUR"), Period: p, Trial: trial}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRefuses(t *testing.T) {
	ok := Params{Customer: cust, ProductID: "vip", Amount: money.MustParse("10.00", "EUR"), Period: Period{1, Month}}
	for name, mutate := range map[string]func(*Params){
		"no customer":     func(p *Params) { p.Customer = "" },
		"no product":      func(p *Params) { p.ProductID = " " },
		"negative amount": func(p *Params) { p.Amount = money.MustParse("-1", "EUR") },
		"no currency":     func(p *Params) { p.Amount = money.Amount{} },
		"0.4 JPY": func(p *Params) {
			p.Amount = money.Amount{Value: decimal.RequireFromString("0.4"), Currency: money.MustCurrency("JPY")}
		},
		"9.999 EUR": func(p *Params) {
			p.Amount = money.Amount{Value: decimal.RequireFromString("9.999"), Currency: money.MustCurrency("EUR")}
		},
		"zero period":  func(p *Params) { p.Period = Period{0, Month} },
		"unknown unit": func(p *Params) { p.Period = Period{1, "fortnight"} },
	} {
		p := ok
		mutate(&p)
		if _, err := New(p, t0); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s: New = %v, want ErrInvalid", name, err)
		}
		var inv *errs.InvalidError
		if _, err := New(p, t0); p.Amount != ok.Amount && (!errors.As(err, &inv) || inv.Field != "amount") {
			t.Errorf("%s: New = %v, want an *errs.InvalidError for amount", name, err)
		}
	}
	if _, err := New(ok, t0); err != nil {
		t.Errorf("New(valid) = %v", err)
	}
}

// TestTransitions tries every event on every state.
func TestTransitions(t *testing.T) {
	month := Period{1, Month}
	created := mustNew(t, month, false)
	active, err := created.Activate(t0)
	if err != nil {
		t.Fatal(err)
	}
	end := *active.CurrentPeriodEnd // Feb 28
	scheduled, _, err := active.Cancel(true, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	canceled, _, err := active.Cancel(false, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	before, at := end.Add(-time.Second), end
	states := []struct {
		name string
		s    Subscription
		now  time.Time
		is   Status // StatusAt(now)
	}{
		{"created", created, before, Created},
		{"active", active, before, Active},
		{"active after its period end", active, end.Add(24 * time.Hour), Active}, // unpaid renewal is the provider's to cancel
		{"cancel scheduled, before the end", scheduled, before, Active},
		{"cancel scheduled, at the end", scheduled, at, Canceled},
		{"canceled", canceled, before, Canceled},
	}
	const refused = Status("refused")
	events := []struct {
		name  string
		apply func(Subscription, time.Time) (Subscription, error)
		want  []Status // per state, in order
	}{
		{"activate", func(s Subscription, now time.Time) (Subscription, error) { return s.Activate(now) },
			[]Status{Active, refused, refused, refused, refused, refused}},
		{"renew", func(s Subscription, now time.Time) (Subscription, error) { return s.Renew(now) },
			[]Status{refused, Active, Active, refused, refused, refused}},
		{"cancel now", func(s Subscription, now time.Time) (Subscription, error) {
			n, _, err := s.Cancel(false, now)
			return n, err
		}, []Status{Canceled, Canceled, Canceled, Canceled, refused, refused}},
		{"cancel at period end", func(s Subscription, now time.Time) (Subscription, error) {
			n, _, err := s.Cancel(true, now)
			return n, err
		}, []Status{Canceled, Active, Canceled, Active, refused, refused}},
	}
	for i, st := range states {
		if got := st.s.StatusAt(st.now); got != st.is {
			t.Errorf("%s: StatusAt = %s, want %s", st.name, got, st.is)
		}
		for _, ev := range events {
			next, err := ev.apply(st.s, st.now)
			want := ev.want[i]
			if want == refused {
				var te *TransitionError
				if !errors.As(err, &te) || !errors.Is(err, errs.ErrConflict) || te.From != st.is {
					t.Errorf("%s / %s: err = %v, want a *TransitionError from %s", st.name, ev.name, err, st.is)
				}
				if next != st.s {
					t.Errorf("%s / %s: a refused transition changed the subscription", st.name, ev.name)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s / %s: err = %v, want success", st.name, ev.name, err)
				continue
			}
			if got := next.StatusAt(st.now); got != want {
				t.Errorf("%s / %s: status = %s, want %s", st.name, ev.name, got, want)
			}
		}
	}
}

func TestRenewKeepsTheAnchorDay(t *testing.T) {
	s, err := mustNew(t, Period{1, Month}, true).Activate(t0) // Jan 31
	if err != nil {
		t.Fatal(err)
	}
	wants := []time.Time{date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)}
	for i, want := range wants {
		if i > 0 {
			// Renewing late does not move the billing day.
			if s, err = s.Renew(s.CurrentPeriodEnd.Add(72 * time.Hour)); err != nil {
				t.Fatal(err)
			}
			if s.Trial {
				t.Errorf("still a trial after renewal %d", i)
			}
		}
		if !s.CurrentPeriodEnd.Equal(want) || s.Periods != i+1 {
			t.Errorf("after %d renewals: period %d ends %s, want %s", i, s.Periods, s.CurrentPeriodEnd, want)
		}
	}
}

func TestCancelAtPeriodEnd(t *testing.T) {
	s, _ := mustNew(t, Period{30, Day}, false).Activate(t0)
	end := *s.CurrentPeriodEnd
	s, changed, err := s.Cancel(true, t0.Add(time.Hour))
	if err != nil || !changed || !s.CancelAtPeriodEnd || s.Status != Active {
		t.Fatalf("Cancel(at period end) = %+v, %v, %v", s, changed, err)
	}
	if again, changed, err := s.Cancel(true, t0.Add(2*time.Hour)); err != nil || changed || again != s {
		t.Errorf("scheduling twice = changed %v, %v; want an unchanged success", changed, err)
	}
	if got := s.At(end.Add(-time.Microsecond)); got.Status != Active || got.CanceledAt != nil {
		t.Errorf("just before the end: %s, canceled at %v", got.Status, got.CanceledAt)
	}
	got := s.At(end)
	if got.Status != Canceled || got.CanceledAt == nil || !got.CanceledAt.Equal(end) || got.CancelAtPeriodEnd {
		t.Errorf("at the end: status %s canceled at %v flag %v; want canceled at %s", got.Status, got.CanceledAt, got.CancelAtPeriodEnd, end)
	}
	if s.Status != Active {
		t.Errorf("At modified its receiver")
	}
	// Canceling now overrides the schedule.
	now, changed, err := s.Cancel(false, t0.Add(3*time.Hour))
	if err != nil || !changed || now.Status != Canceled || !now.CanceledAt.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("Cancel(now) after scheduling = %s at %v, %v", now.Status, now.CanceledAt, err)
	}
}
