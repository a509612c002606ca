package playerbase_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/subscriptions"
)

// Text and times from outside, on every backend: docs/RULES.md
// "Text, numbers and times from outside", package internal/textin.

// A game server's error text is cleaned before it is stored, identically
// on every backend: a Latin-1 colour code or a NUL in one result neither
// fails the batch nor stays in the record.
func TestAckCleansServerText(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		f := newDeliveryFixture(t, b, nil)
		it, _ := f.assign(t)
		ds := f.poll(t, "eu-1", []string{"76561198006409530"}, 0)
		if len(ds) != 2 {
			t.Fatalf("Poll = %d deliveries, want 2", len(ds))
		}
		out, err := f.pb.DeliveryAck(ctx, "eu-1", []playerbase.DeliveryResult{
			{Key: ds[0].Key, Error: "Unknown item \xa7cDiamond"},
			{Key: ds[1].Key, Error: "\x00player offline\r\nretry\x1b[0m later\x00"},
			{Key: "cmd_\x00", Error: "x"},
		})
		if err != nil {
			t.Fatalf("Ack = %v, want each result judged alone", err)
		}
		var ie *errs.InvalidError
		if out[0].Err != nil || out[1].Err != nil || !errors.As(out[2].Err, &ie) || out[2].Key != "cmd_\x00" {
			t.Fatalf("outcomes %+v, want two recorded and the malformed key refused alone", out)
		}
		got := map[string]string{}
		for _, c := range f.commands(t, it.ID) {
			if c.Status == inventory.Failed {
				got[c.DeliveryKey()] = c.Error
			}
		}
		want := map[string]string{ds[0].Key: "Unknown item \uFFFDcDiamond", ds[1].Key: "player offline\nretry[0m later"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("stored error texts (-want +got):\n%s", d)
		}
		// A repeated ack of the same bad bytes is a duplicate, not a failure.
		again, err := f.pb.DeliveryAck(ctx, "eu-1", []playerbase.DeliveryResult{{Key: ds[0].Key, Error: "Unknown item \xa7cDiamond"}})
		if err != nil || !again[0].Duplicate {
			t.Errorf("repeated Ack = %+v, %v; want a duplicate", again, err)
		}
		for _, server := range []string{"eu-1\x00", "eu\xff"} {
			if _, err := f.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: server}); !isInvalid(err, "server") {
				t.Errorf("Poll(%q) = %v, want an *errs.InvalidError for server", server, err)
			}
			if _, err := f.pb.DeliveryAck(ctx, server, nil); !isInvalid(err, "server") {
				t.Errorf("Ack(%q) = %v, want an *errs.InvalidError for server", server, err)
			}
		}
	})
}

// isInvalid reports whether err is an *errs.InvalidError for field.
func isInvalid(err error, field string) bool {
	var ie *errs.InvalidError
	return errors.As(err, &ie) && ie.Field == field
}

// Text staff type is refused with the same typed error on every backend
// when it holds a NUL, another control character or invalid UTF-8, and
// nothing is stored.
func TestStaffTextRefused(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		f := newDeliveryFixture(t, b, nil)
		it, _ := f.assign(t)
		steam := []bans.Identity{{Type: bans.Steam, Value: "76561198006409530"}}
		ban, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "line 1\r\nline 2", Identities: steam, Actor: "admin:alice"})
		if err != nil {
			t.Fatalf("a two-line reason from a textarea: %v", err)
		}
		for _, bad := range []string{"nul\x00", "bad \xa7c byte", "bell\a"} {
			checks := []struct {
				field string
				err   error
			}{
				{"reason", second(f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: bad, Identities: steam, Actor: "admin:alice"}))},
				{"actor", second(f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r", Identities: steam, Actor: bad}))},
				{"reason", second(f.pb.BanUpdate(ctx, ban.ID, bans.Change{Reason: &bad, Actor: "admin:alice"}))},
				{"actor", second(f.pb.BanRemove(ctx, ban.ID, playerbase.BanRemoveParams{Actor: bad}))},
				{"label", third(f.pb.TokenIssue(ctx, f.cust.ID, playerbase.TokenIssueParams{Label: bad}))},
				{"metadata.k", second(f.pb.MetadataUpdate(ctx, f.cust.ID, []metadata.Field{{Key: "k", Value: bad}}))},
				{"metadata.key", second(f.pb.MetadataUpdate(ctx, f.cust.ID, []metadata.Field{{Key: bad, Value: "v"}}))},
				{"name", second(f.pb.CustomerUpdate(ctx, f.cust.ID, playerbase.CustomerUpdateParams{Version: f.cust.Version, Name: bad, PlatformID: f.cust.PlatformID.Value}))},
				{"email", second(f.pb.CustomerRecordCheckout(ctx, f.cust.ID, playerbase.CustomerRecordCheckoutParams{Email: "a" + bad + "@example.com"}))},
				{"reason", second(f.pb.ItemRevoke(ctx, it.ID, playerbase.ItemRevokeParams{Reason: bad, Actor: "admin:alice"}))},
				{"actor", second(f.pb.ItemRevoke(ctx, it.ID, playerbase.ItemRevokeParams{Reason: "r", Actor: bad}))},
				{"source.actor", second(f.pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: f.cust.ID, Product: f.prod.ID, Actor: bad}))},
				{"name", second(f.pb.ProductCreate(ctx, inventory.Product{Name: bad}))},
			}
			for i, c := range checks {
				if !isInvalid(c.err, c.field) {
					t.Errorf("check %d with %q = %v, want an *errs.InvalidError for %s", i, bad, c.err, c.field)
				}
			}
		}
		stored, err := f.pb.BanGet(ctx, ban.ID)
		if err != nil || stored.Reason != "line 1\r\nline 2" || stored.Removed() {
			t.Errorf("the ban after refused changes: %+v, %v", stored, err)
		}
		if toks, err := f.pb.TokenList(ctx, f.cust.ID); err != nil || len(toks) != 0 {
			t.Errorf("tokens after refused labels: %v, %v", toks, err)
		}
		if m, err := f.pb.MetadataGet(ctx, f.cust.ID); err != nil || len(m) != 0 {
			t.Errorf("metadata after refused updates: %v, %v", m, err)
		}
		if got, err := f.pb.ItemGet(ctx, it.ID); err != nil || got.State != inventory.Active {
			t.Errorf("item after refused revokes: %+v, %v", got, err)
		}
	})
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

// Expiries are bounded by year 9999 (textin.MaxTime), on every backend and
// in JSON: past it is an *errs.InvalidError, up to it is stored and read
// back unchanged and encodes.
func TestFarFutureTimes(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		f := newDeliveryFixture(t, b, nil)
		steam := []bans.Identity{{Type: bans.Steam, Value: "76561198006409530"}}
		last := time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
		for _, tooLate := range []time.Time{time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), last.Add(time.Microsecond)} {
			_, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r", Identities: steam, Actor: "admin:alice", ExpiresAt: &tooLate})
			if !isInvalid(err, "expires_at") {
				t.Errorf("Ban until %v = %v, want an *errs.InvalidError for expires_at", tooLate, err)
			}
			_, _, err = f.pb.TokenIssue(ctx, f.cust.ID, playerbase.TokenIssueParams{ExpiresAt: &tooLate})
			if !isInvalid(err, "expires_at") {
				t.Errorf("IssueToken until %v = %v, want an *errs.InvalidError for expires_at", tooLate, err)
			}
		}
		ban, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r", Identities: steam, Actor: "admin:alice", ExpiresAt: &last})
		if err != nil {
			t.Fatalf("Ban until the last microsecond of 9999: %v", err)
		}
		stored, err := f.pb.BanGet(ctx, ban.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(ban, stored); d != "" {
			t.Errorf("stored ban (-made +stored):\n%s", d)
		}
		if _, err := json.Marshal(stored); err != nil {
			t.Errorf("json.Marshal(ban until 9999): %v", err)
		}
		tooLate := last.Add(time.Microsecond)
		if _, err := f.pb.BanUpdate(ctx, ban.ID, bans.Change{SetExpiry: true, ExpiresAt: &tooLate, Actor: "admin:alice"}); !isInvalid(err, "expires_at") {
			t.Errorf("UpdateBan to %v = %v, want an *errs.InvalidError for expires_at", tooLate, err)
		}
		tok, _, err := f.pb.TokenIssue(ctx, f.cust.ID, playerbase.TokenIssueParams{ExpiresAt: &last})
		if err != nil {
			t.Fatalf("IssueToken until 9999: %v", err)
		}
		if toks, err := f.pb.TokenList(ctx, f.cust.ID); err != nil || len(toks) != 1 || !toks[0].ExpiresAt.Equal(last) || toks[0].ID != tok.ID {
			t.Errorf("Tokens = %+v, %v; want the one until %v", toks, err, last)
		}
	})
}

// A time computed from input (a product's duration stacked on an item, a
// subscription's period end) past the bound refuses that grant or
// transition with a typed error, and stores nothing of it.
func TestComputedTimesBounded(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		f := newDeliveryFixture(t, b, nil)
		millennium, err := f.pb.ProductCreate(ctx, inventory.Product{Name: "Millennium", Duration: period.For(1000, period.Year)})
		if err != nil {
			t.Fatal(err)
		}
		var it inventory.Item
		for i := 1; i <= 10; i++ {
			next, err := f.pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: f.cust.ID, Product: millennium.ID, Actor: "admin:alice"})
			if err != nil {
				if !isInvalid(err, "expires_at") || i != 8 {
					t.Fatalf("assignment %d = %v, want the 8th (past 9999) refused for expires_at", i, err)
				}
				break
			}
			if i == 10 {
				t.Fatalf("assignment %d until %v accepted", i, next.ExpiresAt)
			}
			it = next
		}
		if got, err := f.pb.ItemGet(ctx, it.ID); err != nil || got.ExpiresAt.Year() != 9026 {
			t.Errorf("the item after the refused extension: %+v, %v; want it to expire in 9026", got, err)
		}

		club, err := f.pb.ProductCreate(ctx, inventory.Product{Name: "Club", Prices: []money.Amount{eur("10.00")}})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(9995, 6, 1, 0, 0, 0, 0, time.UTC))
		s, err := f.pb.SubscriptionCreate(ctx, f.cust.ID, playerbase.SubscriptionCreateParams{
			ProductID: club.ID, Currency: euro, Period: period.Period{Count: 10, Unit: period.Year},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.pb.SubscriptionActivate(ctx, s.ID); !isInvalid(err, "current_period_end") {
			t.Errorf("ActivateSubscription ending in 10005 = %v, want an *errs.InvalidError for current_period_end", err)
		}
		if got, err := f.pb.SubscriptionGet(ctx, s.ID); err != nil || got.Status != subscriptions.Created {
			t.Errorf("the subscription after the refused activation: %+v, %v; want created", got, err)
		}
	})
}

// A payment provider's references are cleaned, deterministically, before
// they are stored or looked up: a webhook whose reference carries a NUL,
// a line break or more than orders.MaxPaymentRefLen bytes completes or
// refunds its order, and its retry finds the same order and refund.
func TestProviderReferencesCleaned(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		long := "pay_" + strings.Repeat("x", orders.MaxPaymentRefLen)
		for _, ref := range []string{"pay_1\x00\r\n", " pay_\xa72 ", long} {
			o := paidVIP(t, pb, cust.ID, ref)
			if o.PaymentRef == "" || len(o.PaymentRef) > orders.MaxPaymentRefLen || strings.ContainsAny(o.PaymentRef, "\x00\r\n ") {
				t.Errorf("reference %q stored as %q", ref, o.PaymentRef)
			}
			again, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: ref, Fees: eur("0.79")})
			if err != nil || again.ID != o.ID || again.Version != o.Version {
				t.Errorf("retried webhook %q = %v (version %d), %v; want order %s unchanged", ref, again.ID, again.Version, err, o.ID)
			}
			if _, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: ref, Amount: eur("1.00")}); err != nil {
				t.Fatalf("refund %q: %v", ref, err)
			}
			r, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: ref, Amount: eur("1.00")})
			if err != nil || !r.Refunded.Equal(eur("1.00")) || len(r.Refunds) != 1 {
				t.Errorf("retried refund %q: refunded %v, refunds %v, %v; want 1.00 once", ref, r.Refunded, r.Refunds, err)
			}
		}
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: "\x00\n"}); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("a reference of nothing but control characters = %v, want ErrInvalid", err)
		}
	})
}
