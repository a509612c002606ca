package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
	"github.com/playerbase/playerbase/subscriptions"
)

// The commerce workflows across domains: paying an order delivers its
// items, subscriptions keep theirs for the billing period, refunds and
// chargebacks act on them by store policy. Each test runs on the memory
// backend, on SQLite and, when PLAYERBASE_TEST_POSTGRES is set, on
// PostgreSQL.

// forBackends runs fn on a fresh memory backend, a fresh SQLite file and
// a fresh PostgreSQL schema (skipped without a test database).
func forBackends(t *testing.T, fn func(t *testing.T, b storage.Backend)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { fn(t, memory.New()) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.NewBackend(t)) })
	t.Run("sqlite", func(t *testing.T) { fn(t, sqlitetest.NewBackend(t)) })
}

// comOn is comSetup on backend b with a reversal policy.
func comOn(t *testing.T, b storage.Backend, policy playerbase.ReversalPolicy) (*playerbase.Client, *comClock, customer.Customer) {
	t.Helper()
	clock := &comClock{t: comStart}
	pb := comClient(t, b, &playerbase.Config{Now: clock.Now, Reversals: policy})
	return pb, clock, comCustomer(t, pb, 1)
}

// itemRow is an item as these tests compare it: what it is, where it came
// from, its state now and the commands it queued, as rendered.
type itemRow struct {
	Product  inventory.ProductID
	Source   string // the order or subscription ID
	State    inventory.State
	Expires  *time.Time
	Commands []string
}

// itemRows lists a customer's items, newest first.
func itemRows(t *testing.T, pb *playerbase.Client, id customer.ID) []itemRow {
	t.Helper()
	ctx := context.Background()
	page, err := pb.ItemList(ctx, id, playerbase.ItemListParams{Limit: playerbase.MaxInventoryPage})
	if err != nil {
		t.Fatal(err)
	}
	rows := []itemRow{}
	for _, it := range page.Items {
		cmds, err := pb.CommandList(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		texts := []string{}
		for _, c := range cmds {
			texts = append(texts, c.Command)
		}
		src, _ := it.Source.Ref()
		rows = append(rows, itemRow{it.ProductID, src, it.State, it.ExpiresAt, texts})
	}
	return rows
}

// cmds renders what comProducts' templates queue: "<stage> <product>
// <steam_id>", one per stage.
func cmds(product, steamID string, stages ...inventory.Stage) []string {
	out := []string{}
	for _, st := range stages {
		out = append(out, string(st)+" "+product+" "+steamID)
	}
	return out
}

const (
	purchase   = inventory.OnPurchase
	renew      = inventory.OnRenew
	expire     = inventory.OnExpire
	refund     = inventory.OnRefund
	chargeback = inventory.OnChargeback
)

func TestCompleteOrderGrantsItems(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, clock, cust := comOn(t, b, playerbase.ReversalPolicy{})
		steam := cust.PlatformID.Value
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{
			{ProductID: vipID, Quantity: 2},
			{ProductID: crateID, Quantity: 2},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if rows := itemRows(t, pb, cust.ID); len(rows) != 0 {
			t.Errorf("an unpaid order granted %v", rows)
		}

		clock.Advance(time.Minute)
		paidAt := clock.Now()
		// The payment webhook, delivered three times.
		for range 3 {
			got, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_grant", Fees: eur("0.79")})
			if err != nil || got.Status != orders.Completed || got.Version != o.Version+1 {
				t.Fatalf("CompleteOrder = %s v%d, %v", got.Status, got.Version, err)
			}
		}
		src := string(o.ID)
		// Quantity 2 of the VIP: one item, extended once (30 + 30 days);
		// of the crate (adds): two items.
		want := []itemRow{
			{crateID, src, inventory.Active, nil, cmds("crate", steam, purchase)},
			{crateID, src, inventory.Active, nil, cmds("crate", steam, purchase)},
			{vipID, src, inventory.Active, new(paidAt.AddDate(0, 0, 60)), cmds("vip", steam, purchase, renew)},
		}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("after three completion webhooks (-want +got):\n%s", d)
		}

		// A second order's VIP extends the same item, whose source stays the
		// first order.
		clock.Advance(24 * time.Hour)
		o2, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o2.ID, PaymentRef: "pay_grant_2"}); err != nil {
			t.Fatal(err)
		}
		want[2].Expires = new(paidAt.AddDate(0, 0, 90))
		want[2].Commands = cmds("vip", steam, purchase, renew, renew)
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("after a second order (-want +got):\n%s", d)
		}
		st, err := pb.CustomerStats(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 2 × 10.00 + 2 × 1.00 − 0.79 + 10.00, at catalog prices
		if len(st.NetSpent) != 1 || st.NetSpent[0].String() != "31.21 EUR" || st.TotalPayments != 2 {
			t.Errorf("stats: net %v, %d payments; want 31.21 EUR, 2", st.NetSpent, st.TotalPayments)
		}
	})
}

func TestCheckoutNamesStoredProducts(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		unknown := inventory.NewProductID(comStart)
		for _, tc := range []struct {
			name  string
			lines []playerbase.OrderLineParams
			field string
		}{
			{"unknown product", []playerbase.OrderLineParams{vipLine()[0], {ProductID: unknown, Quantity: 1}}, "lines[1].product_id"},
			{"not a product ID", []playerbase.OrderLineParams{{ProductID: "vip", Quantity: 1}}, "lines[0].product_id"},
			{"another kind of ID", []playerbase.OrderLineParams{vipLine()[0], vipLine()[0], {ProductID: inventory.ProductID(cust.ID), Quantity: 1}}, "lines[2].product_id"},
		} {
			_, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: tc.lines, IP: "198.51.100.9"})
			var inv *errs.InvalidError
			if !errors.As(err, &inv) || inv.Field != tc.field || !errors.Is(err, playerbase.ErrInvalid) {
				t.Errorf("%s: CreateOrder = %v, want an *errs.InvalidError for %s", tc.name, err, tc.field)
			}
		}
		// Nothing was stored: no order, not even the checkout's IP.
		page, _ := pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{})
		got, _ := pb.CustomerGet(ctx, cust.ID)
		if len(page.Orders) != 0 || slices.Contains(got.KnownIPs, netip.MustParseAddr("198.51.100.9")) {
			t.Errorf("refused checkouts stored %d orders, known IPs %v", len(page.Orders), got.KnownIPs)
		}

		// Any case of the ID works; the order stores it canonical.
		lower := "prd_" + strings.ToLower(strings.TrimPrefix(string(vipID), "prd_"))
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{{ProductID: inventory.ProductID(" " + lower), Quantity: 1}}})
		if err != nil || o.Lines[0].ProductID != vipID {
			t.Errorf("CreateOrder with %q = %v, %v; want the line stored as %s", lower, o.Lines, err, vipID)
		}

		for name, id := range map[string]inventory.ProductID{"unknown product": unknown, "not a product ID": "vip"} {
			_, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: id, Currency: euro, Period: monthly})
			var inv *errs.InvalidError
			if !errors.As(err, &inv) || inv.Field != "product_id" {
				t.Errorf("subscription to %s: %v, want an *errs.InvalidError for product_id", name, err)
			}
		}
		subs, _ := pb.SubscriptionList(ctx, cust.ID, playerbase.SubscriptionListParams{})
		if len(subs.Subscriptions) != 0 {
			t.Errorf("refused subscriptions stored: %v", subs.Subscriptions)
		}
	})
}

// TestReversals pays a 10.00 order (a VIP for 6.00, a crate for 2.50, a
// rank for 1.50) with 0.79 fees, then reverses it. The crate is permanent
// without an on-expiry action, so the revoke rule always keeps it; net
// spent follows docs/RULES.md, in hand-computed cents.
func TestReversals(t *testing.T) {
	type step func(t *testing.T, pb *playerbase.Client, clock *comClock, o orders.Order, items map[inventory.ProductID]inventory.ItemID)
	refundOf := func(v string) step {
		return func(t *testing.T, pb *playerbase.Client, _ *comClock, o orders.Order, _ map[inventory.ProductID]inventory.ItemID) {
			if _, err := pb.OrderRefund(context.Background(), o.ID, playerbase.OrderRefundParams{Amount: eur(v)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// refundWebhook is the provider's refund webhook, delivered twice: the
	// retry must have no effect at all.
	refundWebhook := func(v, ref string) step {
		return func(t *testing.T, pb *playerbase.Client, clock *comClock, o orders.Order, _ map[inventory.ProductID]inventory.ItemID) {
			ctx := context.Background()
			first, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: ref, Amount: eur(v)})
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			again, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: ref, Amount: eur(v)})
			if err != nil {
				t.Fatalf("retried refund webhook %s: %v", ref, err)
			}
			if again.Version != first.Version || !again.Refunded.Equal(first.Refunded) || !again.UpdatedAt.Equal(first.UpdatedAt) || len(again.Refunds) != len(first.Refunds) {
				t.Errorf("retried refund webhook %s changed the order: version %d, refunded %s, %d refunds; first %d, %s, %d",
					ref, again.Version, again.Refunded, len(again.Refunds), first.Version, first.Refunded, len(first.Refunds))
			}
		}
	}
	chargebackOf := func(fee string) step {
		return func(t *testing.T, pb *playerbase.Client, _ *comClock, o orders.Order, _ map[inventory.ProductID]inventory.ItemID) {
			if _, err := pb.OrderChargeback(context.Background(), o.ID, playerbase.OrderChargebackParams{DisputeFee: eur(fee)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	advance := func(d time.Duration) step {
		return func(_ *testing.T, _ *playerbase.Client, clock *comClock, _ orders.Order, _ map[inventory.ProductID]inventory.ItemID) {
			clock.Advance(d)
		}
	}
	sweep := func(t *testing.T, pb *playerbase.Client, _ *comClock, _ orders.Order, _ map[inventory.ProductID]inventory.ItemID) {
		if _, err := pb.ItemSweepExpired(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	staffRevokesVIP := func(t *testing.T, pb *playerbase.Client, _ *comClock, _ orders.Order, items map[inventory.ProductID]inventory.ItemID) {
		if _, err := pb.ItemRevoke(context.Background(), items[vipID], playerbase.ItemRevokeParams{Reason: "abuse", Actor: "admin:alice"}); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		state  inventory.State
		stages []inventory.Stage
	}
	var (
		kept      = inventory.Active
		revoked   = inventory.Revoked
		expired   = inventory.Expired
		untouched = want{kept, []inventory.Stage{purchase}}
	)
	for _, tc := range []struct {
		name             string
		policy           playerbase.ReversalPolicy
		steps            []step
		net              string
		vip, crate, rank want
	}{
		{"partial refund: a price adjustment", playerbase.ReversalPolicy{}, []step{refundOf("3.00")}, "6.21 EUR",
			untouched, untouched, untouched},
		{"full refund revokes what the rule allows", playerbase.ReversalPolicy{}, []step{refundOf("10.00")}, "-0.79 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire}}, want{kept, []inventory.Stage{purchase, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire}}},
		{"partial refunds adding up to the total", playerbase.ReversalPolicy{}, []step{refundOf("3.00"), refundOf("7.00")}, "-0.79 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire}}, want{kept, []inventory.Stage{purchase, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire}}},
		{"a retried partial refund webhook refunds once", playerbase.ReversalPolicy{}, []step{refundWebhook("3.00", "re_1")}, "6.21 EUR",
			untouched, untouched, untouched},
		{"a retried full refund webhook reverses once", playerbase.ReversalPolicy{}, []step{refundWebhook("10.00", "re_1")}, "-0.79 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire}}, want{kept, []inventory.Stage{purchase, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire}}},
		{"retried webhooks of partial refunds adding up to the total", playerbase.ReversalPolicy{PartialRefunds: true}, []step{refundWebhook("3.00", "re_1"), refundWebhook("7.00", "re_2"), refundWebhook("3.00", "re_1")}, "-0.79 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire, refund}}, want{kept, []inventory.Stage{purchase, refund, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire, refund}}},
		{"chargeback revokes what the rule allows", playerbase.ReversalPolicy{}, []step{chargebackOf("15.00")}, "-15.79 EUR",
			want{revoked, []inventory.Stage{purchase, chargeback, expire}}, want{kept, []inventory.Stage{purchase, chargeback}}, want{revoked, []inventory.Stage{purchase, chargeback, expire}}},
		{"partial refund, then chargeback", playerbase.ReversalPolicy{}, []step{refundOf("3.00"), chargebackOf("15.00")}, "-15.79 EUR",
			want{revoked, []inventory.Stage{purchase, chargeback, expire}}, want{kept, []inventory.Stage{purchase, chargeback}}, want{revoked, []inventory.Stage{purchase, chargeback, expire}}},
		{"KeepOnRefund", playerbase.ReversalPolicy{KeepOnRefund: true}, []step{refundOf("10.00")}, "-0.79 EUR",
			want{kept, []inventory.Stage{purchase, refund}}, want{kept, []inventory.Stage{purchase, refund}}, want{kept, []inventory.Stage{purchase, refund}}},
		{"KeepOnChargeback", playerbase.ReversalPolicy{KeepOnChargeback: true}, []step{chargebackOf("0")}, "-0.79 EUR",
			want{kept, []inventory.Stage{purchase, chargeback}}, want{kept, []inventory.Stage{purchase, chargeback}}, want{kept, []inventory.Stage{purchase, chargeback}}},
		{"PartialRefunds", playerbase.ReversalPolicy{PartialRefunds: true}, []step{refundOf("3.00")}, "6.21 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire}}, want{kept, []inventory.Stage{purchase, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire}}},
		{"PartialRefunds, then the rest", playerbase.ReversalPolicy{PartialRefunds: true}, []step{refundOf("3.00"), refundOf("7.00")}, "-0.79 EUR",
			want{revoked, []inventory.Stage{purchase, refund, expire, refund}}, want{kept, []inventory.Stage{purchase, refund, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire, refund}}},
		{"an expired item is kept", playerbase.ReversalPolicy{}, []step{advance(30 * 24 * time.Hour), refundOf("10.00")}, "-0.79 EUR",
			want{expired, []inventory.Stage{purchase, refund}}, want{kept, []inventory.Stage{purchase, refund}}, want{revoked, []inventory.Stage{purchase, refund, expire}}},
		{"a swept item is kept", playerbase.ReversalPolicy{}, []step{advance(31 * 24 * time.Hour), sweep, chargebackOf("15.00")}, "-15.79 EUR",
			want{expired, []inventory.Stage{purchase, expire, chargeback}}, want{kept, []inventory.Stage{purchase, chargeback}}, want{revoked, []inventory.Stage{purchase, chargeback, expire}}},
		{"a revoked item is kept", playerbase.ReversalPolicy{}, []step{staffRevokesVIP, chargebackOf("15.00")}, "-15.79 EUR",
			want{revoked, []inventory.Stage{purchase, expire, chargeback}}, want{kept, []inventory.Stage{purchase, chargeback}}, want{revoked, []inventory.Stage{purchase, chargeback, expire}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBackends(t, func(t *testing.T, b storage.Backend) {
				ctx := context.Background()
				pb, clock, cust := comOn(t, b, tc.policy)
				// A bundle the host prices at 10.00 in all.
				o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{
					{ProductID: vipID, Quantity: 1, PriceOverride: override(eur("6.00"))},
					{ProductID: crateID, Quantity: 1, PriceOverride: override(eur("2.50"))},
					{ProductID: rankID, Quantity: 1, PriceOverride: override(eur("1.50"))},
				}})
				if err != nil {
					t.Fatal(err)
				}
				if o, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_rev", Fees: eur("0.79")}); err != nil {
					t.Fatal(err)
				}
				page, err := pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
				if err != nil {
					t.Fatal(err)
				}
				items := map[inventory.ProductID]inventory.ItemID{}
				for _, it := range page.Items {
					items[it.ProductID] = it.ID
				}
				for _, s := range tc.steps {
					s(t, pb, clock, o, items)
				}
				for p, w := range map[inventory.ProductID]want{vipID: tc.vip, crateID: tc.crate, rankID: tc.rank} {
					it, err := pb.ItemGet(ctx, items[p])
					if err != nil {
						t.Fatal(err)
					}
					cmds, err := pb.CommandList(ctx, it.ID)
					if err != nil {
						t.Fatal(err)
					}
					var stages []inventory.Stage
					for _, c := range cmds {
						stages = append(stages, c.Stage)
					}
					if it.State != w.state || !slices.Equal(stages, w.stages) {
						t.Errorf("%s: %s with %v; want %s with %v", p, it.State, stages, w.state, w.stages)
					}
				}
				st, err := pb.CustomerStats(ctx, cust.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(st.NetSpent) != 1 || st.NetSpent[0].String() != tc.net {
					t.Errorf("net spent %v, want %s", st.NetSpent, tc.net)
				}
			})
		})
	}

	// Who revoked, and why, is on the item.
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_who"}); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")}); err != nil {
			t.Fatal(err)
		}
		page, _ := pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
		if it := page.Items[0]; it.RevokedBy != playerbase.ActorChargeback || it.RevokeReason != "chargeback of "+string(o.ID) || !it.RevokedAt.Equal(comStart) {
			t.Errorf("revoked by %q for %q at %v", it.RevokedBy, it.RevokeReason, it.RevokedAt)
		}
	})
}

// TestRefundWebhooks delivers one refund webhook concurrently and then
// with another amount: it refunds once, and a reused reference is a
// conflict that changes nothing.
func TestRefundWebhooks(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		o := paidVIP(t, pb, cust.ID, "pay_re")
		const n = 8
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_race", Amount: eur("3.00")})
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		_, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re_race", Amount: eur("7.00")})
		var re *orders.RefundRefError
		if !errors.As(err, &re) || !errors.Is(err, playerbase.ErrConflict) || !re.Recorded.Equal(eur("3.00")) {
			t.Errorf("the same refund reference for 7.00 = %v, want an *orders.RefundRefError (3.00 recorded) matching ErrConflict", err)
		}
		if _, err := pb.OrderRefund(ctx, o.ID, playerbase.OrderRefundParams{Reference: "re race", Amount: eur("1.00")}); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("a refund reference with a space = %v, want ErrInvalid", err)
		}
		got, err := pb.OrderGet(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != orders.Completed || !got.Refunded.Equal(eur("3.00")) || got.Version != o.Version+1 ||
			len(got.Refunds) != 1 || got.Refunds[0].Ref != "re_race" {
			t.Errorf("after the webhooks: %s, refunded %s, version %d, refunds %v; want completed, 3.00 EUR, %d, one re_race",
				got.Status, got.Refunded, got.Version, got.Refunds, o.Version+1)
		}
		if st := statsOf(t, pb, cust.ID); len(st.NetSpent) != 1 || st.NetSpent[0].String() != "6.21 EUR" || st.Refunds != 1 {
			t.Errorf("net spent %v, %d refunds; want 6.21 EUR, 1", st.NetSpent, st.Refunds)
		}
	})
}

// A dispute webhook delivered twice charges back once: the item is revoked
// and its on_chargeback commands queued once; another dispute fee for the
// same order is a conflict.
func TestChargebackWebhookRetried(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		o := paidVIP(t, pb, cust.ID, "pay_cb")
		first, err := pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")})
		if err != nil {
			t.Fatal(err)
		}
		again, err := pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")})
		if err != nil || again.Version != first.Version || again.Status != orders.Chargeback {
			t.Fatalf("retried chargeback = %s v%d, %v; want chargeback v%d, no error", again.Status, again.Version, err, first.Version)
		}
		if _, err := pb.OrderChargeback(ctx, o.ID, playerbase.OrderChargebackParams{DisputeFee: eur("20.00")}); !errors.Is(err, playerbase.ErrConflict) {
			t.Errorf("a chargeback with another dispute fee = %v, want ErrConflict", err)
		}
		page, err := pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].State != inventory.Revoked {
			t.Fatalf("items = %+v, want one revoked", page.Items)
		}
		cmds, err := pb.CommandList(ctx, page.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		stages := map[inventory.Stage]int{}
		for _, c := range cmds {
			stages[c.Stage]++
		}
		var vip inventory.Product
		if vip, err = pb.ProductGet(ctx, page.Items[0].ProductID); err != nil {
			t.Fatal(err)
		}
		if want := len(vip.CommandsFor(inventory.OnChargeback)); stages[inventory.OnChargeback] != want {
			t.Errorf("on_chargeback commands = %d, want %d (once)", stages[inventory.OnChargeback], want)
		}
		if st := statsOf(t, pb, cust.ID); len(st.NetSpent) != 1 || st.NetSpent[0].String() != "-15.79 EUR" || st.Chargebacks != 1 {
			t.Errorf("net spent %v, %d chargebacks; want -15.79 EUR, 1", st.NetSpent, st.Chargebacks)
		}
	})
}

// TestSubscriptionItems follows a subscription's item through activation,
// renewal and both kinds of cancellation.
func TestSubscriptionItems(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, clock, cust := comOn(t, b, playerbase.ReversalPolicy{})
		steam := cust.PlatformID.Value
		subscribe := func(cust customer.ID, p inventory.ProductID) subscriptions.Subscription {
			t.Helper()
			s, err := pb.SubscriptionCreate(ctx, cust, playerbase.SubscriptionCreateParams{ProductID: p, Currency: euro, Period: monthly})
			if err != nil {
				t.Fatal(err)
			}
			if s, err = pb.SubscriptionActivate(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			return s
		}

		// Activated on January 31st: the item lasts the billing period, to
		// February 28th, not the product's 30 days.
		s := subscribe(cust.ID, vipID)
		src := string(s.ID)
		want := []itemRow{{vipID, src, inventory.Active, new(day(2026, 2, 28)), cmds("vip", steam, purchase)}}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("activated (-want +got):\n%s", d)
		}
		clock.Advance(27 * 24 * time.Hour)
		if _, err := pb.SubscriptionRenew(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		want[0].Expires, want[0].Commands = new(day(2026, 3, 31)), cmds("vip", steam, purchase, renew)
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("renewed (-want +got):\n%s", d)
		}

		// A VIP bought meanwhile is an item of its own: the subscription's
		// keeps its period.
		o, _ := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_beside"}); err != nil {
			t.Fatal(err)
		}
		bought := itemRow{vipID, string(o.ID), inventory.Active, new(clock.Now().AddDate(0, 0, 30)), cmds("vip", steam, purchase)}
		want = append([]itemRow{bought}, want...)
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("with a bought VIP (-want +got):\n%s", d)
		}

		// Canceled at the period end: not extended, it expires then.
		if _, err := pb.SubscriptionCancel(ctx, s.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: true}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("set to cancel at the period end (-want +got):\n%s", d)
		}
		clock.Advance(day(2026, 3, 31).Sub(clock.Now()))
		if n, err := pb.ItemSweepExpired(ctx); n != 2 || err != nil {
			t.Fatalf("sweep at the period end = %d, %v; want 2 (the bought VIP ended on March 29th)", n, err)
		}
		want[0].State, want[0].Commands = inventory.Expired, cmds("vip", steam, purchase, expire)
		want[1].State, want[1].Commands = inventory.Expired, cmds("vip", steam, purchase, renew, expire)
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("at the period end (-want +got):\n%s", d)
		}

		// Canceled now: the item ends now, recorded expired with its
		// on-expiry commands.
		other := comCustomer(t, pb, 2)
		s2 := subscribe(other.ID, rankID)
		clock.Advance(24 * time.Hour)
		canceled, err := pb.SubscriptionCancel(ctx, s2.ID, playerbase.SubscriptionCancelParams{})
		if err != nil || canceled.Status != subscriptions.Canceled {
			t.Fatalf("cancel now = %s, %v", canceled.Status, err)
		}
		wantOther := []itemRow{{rankID, string(s2.ID), inventory.Expired, new(clock.Now()), cmds("rank", other.PlatformID.Value, purchase, expire)}}
		if d := cmp.Diff(wantOther, itemRows(t, pb, other.ID)); d != "" {
			t.Errorf("canceled now (-want +got):\n%s", d)
		}
		if n, _ := pb.ItemSweepExpired(ctx); n != 0 {
			t.Errorf("a sweep after cancel now expired %d items, want 0", n)
		}
	})
}

// TestLateRenewal renews a subscription after its item lapsed, before a
// sweep: the lapsed item's on_expire is queued before the new item's
// on_purchase, so a game server removing then adding leaves the player
// with the product.
func TestLateRenewal(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, clock, cust := comOn(t, b, playerbase.ReversalPolicy{})
		s, err := pb.SubscriptionCreate(ctx, cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.SubscriptionActivate(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(day(2026, 3, 1).Sub(clock.Now())) // a day after the period end
		if _, err := pb.SubscriptionRenew(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		steam, src := cust.PlatformID.Value, string(s.ID)
		want := []itemRow{
			{vipID, src, inventory.Active, new(day(2026, 3, 31)), cmds("vip", steam, purchase)},
			{vipID, src, inventory.Expired, new(day(2026, 2, 28)), cmds("vip", steam, purchase, expire)},
		}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("after a late renewal (-want +got):\n%s", d)
		}
		page, _ := pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
		lapsed, _ := pb.CommandList(ctx, page.Items[1].ID)
		renewed, _ := pb.CommandList(ctx, page.Items[0].ID)
		if lapsed[1].ID >= renewed[0].ID {
			t.Errorf("the lapsed item's %s (%s) was queued after the new item's %s (%s)", lapsed[1].Stage, lapsed[1].ID, renewed[0].Stage, renewed[0].ID)
		}
		if n, _ := pb.ItemSweepExpired(ctx); n != 0 {
			t.Errorf("the sweep expired %d items the renewal had recorded", n)
		}
	})
}

// TestReversalOfAnExtension charges back a second VIP purchase that only
// extended the item the first one granted: the item is that order's too
// (orders.Order.Granted), so it gets the chargeback's commands and is
// revoked whole.
func TestReversalOfAnExtension(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, clock, cust := comOn(t, b, playerbase.ReversalPolicy{})
		var paid []orders.Order
		for i := range 2 {
			o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
			if err != nil {
				t.Fatal(err)
			}
			if o, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pay_ext_", i)}); err != nil {
				t.Fatal(err)
			}
			paid = append(paid, o)
			clock.Advance(time.Hour)
		}
		page, _ := pb.ItemList(ctx, cust.ID, playerbase.ItemListParams{})
		if len(page.Items) != 1 {
			t.Fatalf("%d items, want the one VIP, extended", len(page.Items))
		}
		vip := page.Items[0].ID
		for i, o := range paid {
			if !slices.Equal(o.Granted, []inventory.ItemID{vip}) {
				t.Errorf("order %d granted %v, want [%s]", i, o.Granted, vip)
			}
		}
		if _, err := pb.OrderChargeback(ctx, paid[1].ID, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")}); err != nil {
			t.Fatal(err)
		}
		want := []itemRow{{vipID, string(paid[0].ID), inventory.Revoked, new(comStart.AddDate(0, 0, 60)),
			cmds("vip", cust.PlatformID.Value, purchase, renew, chargeback, expire)}}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("after charging back the extension (-want +got):\n%s", d)
		}
	})
}

// TestConcurrentWebhooksGrantOnce delivers one payment webhook from many
// goroutines at once: the order is completed once and its VIP granted once.
func TestConcurrentWebhooksGrantOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), PaymentRef: "pay_race"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: "pay_race", Fees: eur("0.79")})
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		want := []itemRow{{vipID, string(o.ID), inventory.Active, new(comStart.AddDate(0, 0, 30)), cmds("vip", cust.PlatformID.Value, purchase)}}
		if d := cmp.Diff(want, itemRows(t, pb, cust.ID)); d != "" {
			t.Errorf("after %d concurrent webhooks (-want +got):\n%s", n, d)
		}
	})
}

// paidVIP checks cust out for one 10.00 EUR VIP and completes the order
// with payment reference ref and 0.79 EUR fees.
func paidVIP(t *testing.T, pb *playerbase.Client, cust customer.ID, ref string) orders.Order {
	t.Helper()
	ctx := context.Background()
	o, err := pb.OrderCreate(ctx, cust, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
	if err != nil {
		t.Fatal(err)
	}
	if o, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref, Fees: eur("0.79")}); err != nil {
		t.Fatal(err)
	}
	return o
}

func statsOf(t *testing.T, pb *playerbase.Client, cust customer.ID) stats.Stats {
	t.Helper()
	st, err := pb.CustomerStats(context.Background(), cust)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
