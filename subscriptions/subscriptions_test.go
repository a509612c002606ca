package subscriptions

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 15, 4, 5, 0, time.UTC) }

// A billing period is day to year, at most ten years of its unit.
func TestCheckPeriod(t *testing.T) {
	for _, p := range []period.Period{{Count: 1, Unit: period.Day}, {Count: 120, Unit: period.Month}, {Count: 10, Unit: period.Year}, {Count: 522, Unit: period.Week}} {
		if err := CheckPeriod(p); err != nil {
			t.Errorf("CheckPeriod(%v) = %v", p, err)
		}
	}
	for _, p := range []period.Period{{Count: 1, Unit: period.Hour}, {Count: 0, Unit: period.Month}, {Count: 121, Unit: period.Month}, {Count: 11, Unit: period.Year}, {Count: 1, Unit: "fortnight"}} {
		if err := CheckPeriod(p); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("CheckPeriod(%v) = %v, want ErrInvalid", p, err)
		}
	}
}

var (
	t0   = date(2026, 1, 31)
	cust = customer.NewID(t0)
)

func mustNew(t *testing.T, p period.Period, trial bool) Subscription {
	t.Helper()
	s, err := New(Params{Customer: cust, ProductID: "vip", Amount: money.MustParse("10.00", "EUR"), Period: p, Trial: trial}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRefuses(t *testing.T) {
	ok := Params{Customer: cust, ProductID: "vip", Amount: money.MustParse("10.00", "EUR"), Period: period.Period{Count: 1, Unit: period.Month}}
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
		"zero period":  func(p *Params) { p.Period = period.Period{Count: 0, Unit: period.Month} },
		"unknown unit": func(p *Params) { p.Period = period.Period{Count: 1, Unit: "fortnight"} },
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
	month := period.Period{Count: 1, Unit: period.Month}
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
	s, err := mustNew(t, period.Period{Count: 1, Unit: period.Month}, true).Activate(t0) // Jan 31
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
	s, _ := mustNew(t, period.Period{Count: 30, Unit: period.Day}, false).Activate(t0)
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
