package playerbase_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// TestBanEventsCarryTheActor: a ban's create, edit and removal each append
// one event, by the actor the params name, else the context's, else
// "system"; a refused change appends nothing.
func TestBanEventsCarryTheActor(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		start, err := pb.EventLast(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "x-ray", Identities: bans.IdentitiesOf(cust)})
		if err != nil {
			t.Fatal(err)
		}
		if ban.CreatedBy != events.Default {
			t.Errorf("CreatedBy = %q, want %q", ban.CreatedBy, events.Default)
		}
		staff := playerbase.WithActor(ctx, "admin:alice")
		reason := "x-ray, twice"
		if _, err := pb.BanUpdate(staff, ban.ID, playerbase.BanUpdateParams{Reason: &reason}); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.BanCreate(staff, playerbase.BanCreateParams{Reason: "x", Actor: "bad\x00actor", Identities: bans.IdentitiesOf(cust)}); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ban by a bad actor = %v, want ErrInvalid", err)
		}
		if _, err := pb.BanRemove(staff, ban.ID, playerbase.BanRemoveParams{Actor: "admin:bob"}); err != nil {
			t.Fatal(err)
		}
		page, err := pb.EventList(ctx, playerbase.EventListParams{After: start})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			typ   events.Type
			actor string
		}
		var got []row
		for _, e := range page.Events {
			if e.Customer != cust.ID || e.Subject != string(ban.ID) {
				t.Errorf("%s concerns %s/%s, want %s/%s", e.Type, e.Customer, e.Subject, cust.ID, ban.ID)
			}
			got = append(got, row{e.Type, e.Actor})
		}
		want := []row{{events.BanCreated, "system"}, {events.BanUpdated, "admin:alice"}, {events.BanRemoved, "admin:bob"}}
		if len(got) != len(want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("event %d = %v, want %v", i, got[i], want[i])
			}
		}
		if ch := page.Events[1].Changes["reason"]; string(ch.Before) != `"x-ray"` || string(ch.After) != `"x-ray, twice"` {
			t.Errorf("update's reason change = %s → %s", ch.Before, ch.After)
		}
		hist, err := pb.CustomerHistory(ctx, cust.ID, playerbase.CustomerHistoryParams{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(hist.Events) != 2 || hist.Events[0].Type != events.BanRemoved || hist.NextCursor == 0 {
			t.Errorf("history page 1 = %v (next %d), want the removal first and a next page", hist.Events, hist.NextCursor)
		}

		// A follower waiting on the feed wakes for the next change.
		got1 := make(chan error, 1)
		go func() {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			p, err := pb.EventWait(wctx, playerbase.EventListParams{After: page.NextCursor, Types: []events.Type{events.BanCreated}})
			if err == nil && (len(p.Events) != 1 || p.Events[0].Type != events.BanCreated) {
				err = errors.New("woke without the new ban")
			}
			got1 <- err
		}()
		time.Sleep(50 * time.Millisecond)
		if _, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "again", Identities: bans.IdentitiesOf(cust)}); err != nil {
			t.Fatal(err)
		}
		if err := <-got1; err != nil {
			t.Errorf("EventWait: %v", err)
		}
	})
}

// TestBanEditDroppingTheCustomerIsTheirs: an edit that takes the customer
// identity off a ban is in that customer's history; what happens to the
// ban afterwards, naming them no more, is not.
func TestBanEditDroppingTheCustomerIsTheirs(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := playerbase.WithActor(context.Background(), "admin:alice")
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "alt", Identities: []bans.Identity{
			{Type: bans.Customer, Value: string(cust.ID)}, {Type: bans.IP, Value: "203.0.113.7"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.BanUpdate(ctx, ban.ID, playerbase.BanUpdateParams{Remove: []bans.Identity{{Type: bans.Customer, Value: string(cust.ID)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.BanRemove(ctx, ban.ID, playerbase.BanRemoveParams{}); err != nil {
			t.Fatal(err)
		}
		hist, err := pb.CustomerHistory(ctx, cust.ID, playerbase.CustomerHistoryParams{})
		if err != nil {
			t.Fatal(err)
		}
		var got []events.Type
		for _, e := range hist.Events {
			if e.Subject == string(ban.ID) {
				got = append(got, e.Type)
			}
		}
		if want := []events.Type{events.BanUpdated, events.BanCreated}; !slices.Equal(got, want) {
			t.Errorf("the customer's history of the ban = %v, want %v", got, want)
		}
	})
}
