package playerbase_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/subscriptions"
)

var monthly = period.Period{Count: 1, Unit: period.Month}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 18, 30, 0, 0, time.UTC) }

// TestSubscriptionLifecycle follows a monthly subscription bought on
// January 31st: its period ends clamp to February 28th and come back to
// March 31st; canceled at the period end it counts as active until then.
func TestSubscriptionLifecycle(t *testing.T) {
	ctx := context.Background()
	pb, clock, cust := comSetup(t)
	s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly})
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != subscriptions.Created || s.CurrentPeriodEnd != nil {
		t.Fatalf("new subscription: %s, period end %v", s.Status, s.CurrentPeriodEnd)
	}
	if _, err := pb.SubscriptionRenew(ctx, s.ID); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("renewing a created subscription = %v, want ErrConflict", err)
	}
	if s, err = pb.SubscriptionActivate(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if !s.CurrentPeriodEnd.Equal(day(2026, 2, 28)) || s.Version != 1 {
		t.Errorf("activated on Jan 31: period end %s, version %d; want Feb 28, 1", s.CurrentPeriodEnd, s.Version)
	}
	if _, err := pb.SubscriptionActivate(ctx, s.ID); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("activating twice = %v, want ErrConflict", err)
	}
	clock.Advance(27 * 24 * time.Hour)
	if s, err = pb.SubscriptionRenew(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if !s.CurrentPeriodEnd.Equal(day(2026, 3, 31)) {
		t.Errorf("renewed: period end %s, want Mar 31", s.CurrentPeriodEnd)
	}
	mrr := func() string {
		st, err := pb.CustomerStats(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.MRR) == 0 {
			return "none"
		}
		return st.MRR[0].String()
	}
	if got := mrr(); got != "10.00 EUR" {
		t.Errorf("MRR = %s, want 10.00 EUR", got)
	}

	if s, err = pb.SubscriptionCancel(ctx, s.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: true}); err != nil {
		t.Fatal(err)
	}
	if s.Status != subscriptions.Active || !s.CancelAtPeriodEnd {
		t.Errorf("canceled at period end: %s, flag %v; want still active", s.Status, s.CancelAtPeriodEnd)
	}
	again, err := pb.SubscriptionCancel(ctx, s.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: true})
	if err != nil || again.Version != s.Version {
		t.Errorf("scheduling the cancellation twice = version %d, %v; want an unchanged %d", again.Version, err, s.Version)
	}
	if _, err := pb.SubscriptionRenew(ctx, s.ID); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("renewing a subscription set to cancel = %v, want ErrConflict", err)
	}
	statuses := func(st subscriptions.Status) []subscriptions.ID {
		page, err := pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{Statuses: []subscriptions.Status{st}})
		if err != nil {
			t.Fatal(err)
		}
		var out []subscriptions.ID
		for _, s := range page.Subscriptions {
			out = append(out, s.ID)
		}
		return out
	}
	if got := statuses(subscriptions.Active); !slices.Equal(got, []subscriptions.ID{s.ID}) || mrr() != "10.00 EUR" {
		t.Errorf("before the period end: active %v, MRR %s", got, mrr())
	}

	// At the period end it reads canceled, before anything is written.
	clock.Advance(day(2026, 3, 31).Sub(clock.Now()))
	got, _ := pb.SubscriptionGet(ctx, s.ID)
	if got.Status != subscriptions.Canceled || got.CanceledAt == nil || !got.CanceledAt.Equal(day(2026, 3, 31)) {
		t.Errorf("at the period end: %s, canceled at %v; want canceled at Mar 31", got.Status, got.CanceledAt)
	}
	if a, c := statuses(subscriptions.Active), statuses(subscriptions.Canceled); len(a) != 0 || !slices.Equal(c, []subscriptions.ID{s.ID}) || mrr() != "none" {
		t.Errorf("after the period end: active %v canceled %v MRR %s", a, c, mrr())
	}
	var te *subscriptions.TransitionError
	if _, err := pb.SubscriptionCancel(ctx, s.ID, playerbase.SubscriptionCancelParams{}); !errors.As(err, &te) || te.From != subscriptions.Canceled {
		t.Errorf("canceling a subscription whose cancellation came due = %v, want a TransitionError from canceled", err)
	}
}

func TestSubscriptionRefusals(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := comSetup(t)
	for name, p := range map[string]playerbase.SubscriptionCreateParams{
		"no product":      {Currency: euro, Period: monthly},
		"negative amount": {ProductID: vipID, Currency: euro, PriceOverride: override(eur("-1")), Period: monthly},
		"no period":       {ProductID: vipID, Currency: euro},
	} {
		if _, err := pb.SubscriptionCreate(ctx, cust.ID, p); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	ok := playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly}
	if _, err := pb.SubscriptionCreate(ctx, customer.NewID(comStart), ok); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("unknown customer: %v, want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"activate": errOf(pb.SubscriptionActivate(ctx, subscriptions.NewID(comStart))),
		"renew":    errOf(pb.SubscriptionRenew(ctx, subscriptions.NewID(comStart))),
		"cancel":   errOf(pb.SubscriptionCancel(ctx, subscriptions.NewID(comStart), playerbase.SubscriptionCancelParams{})),
		"get":      errOf(pb.SubscriptionGet(ctx, subscriptions.NewID(comStart))),
	} {
		if !errors.Is(err, playerbase.ErrNotFound) {
			t.Errorf("%s unknown: %v, want ErrNotFound", name, err)
		}
	}
	// Cancel now works from created; cancel at period end of a created
	// subscription cancels it at once.
	for _, atEnd := range []bool{false, true} {
		s, _ := pb.SubscriptionCreate(ctx, cust.ID, ok)
		got, err := pb.SubscriptionCancel(ctx, s.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: atEnd})
		if err != nil || got.Status != subscriptions.Canceled {
			t.Errorf("cancel (at period end %v) a created subscription: %s, %v", atEnd, got.Status, err)
		}
		if _, err := pb.SubscriptionActivate(ctx, s.ID); !errors.Is(err, playerbase.ErrConflict) {
			t.Errorf("activating a canceled subscription = %v, want ErrConflict", err)
		}
	}
}

func TestSubscriptionsPages(t *testing.T) {
	ctx := context.Background()
	pb, clock, cust := comSetup(t)
	var made []subscriptions.ID
	for i := range 5 {
		s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly, Trial: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		made = append(made, s.ID)
		clock.Advance(time.Second)
	}
	var got []subscriptions.ID
	p := playerbase.SubscriptionListParams{Limit: 2}
	pages := 0
	for {
		page, err := pb.SubscriptionList(ctx, cust.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.Subscriptions {
			got = append(got, s.ID)
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	want := []subscriptions.ID{made[4], made[3], made[2], made[1], made[0]}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("pages of 2: %v in %d pages, want %v in 3", got, pages, want)
	}
	page, _ := pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{Statuses: []subscriptions.Status{subscriptions.Created}})
	if len(page.Subscriptions) != 2 || page.Subscriptions[0].ID != made[3] {
		t.Errorf("created: %d, want made[3] and made[1]", len(page.Subscriptions))
	}
	st, _ := pb.CustomerStats(ctx, cust.ID)
	if st.ActiveSubscriptions != 3 || len(st.MRR) != 1 || !st.MRR[0].Equal(eur("20.00")) {
		t.Errorf("stats: %d active, MRR %v; want 3 active and 20.00 EUR (the trial counts 0)", st.ActiveSubscriptions, st.MRR)
	}
	if _, err := pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{Statuses: []subscriptions.Status{"paused"}}); !errors.Is(err, playerbase.ErrInvalid) {
		t.Errorf("unknown status: %v, want ErrInvalid", err)
	}
}
