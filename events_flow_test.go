package playerbase_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// eventFlow is what flowEvents did: the events it appended, in feed order,
// and what a test checks them against.
type eventFlow struct {
	events []events.Event
	cust   customer.Customer
	token  customer.Token
	secret string
}

// flowEvents runs, on a fresh client over b, a store's life that makes
// every kind of change once or more: a product, a customer and their
// token, metadata, orders paid, refunded, charged back and canceled, a
// subscription from checkout to cancellation, items granted, extended,
// linked, revoked and expired, commands delivered, failed, resent and
// canceled, and a ban made, edited and lifted. Staff act as admin:alice
// (admin:bob revokes), the payment provider as webhook:paynow, the game
// server as gameserver:eu-1.
func flowEvents(t *testing.T, b storage.Backend) eventFlow {
	t.Helper()
	ctx := context.Background()
	alice := playerbase.WithActor(ctx, "admin:alice")
	hook := playerbase.WithActor(ctx, "webhook:paynow")
	server := playerbase.WithActor(ctx, "gameserver:eu-1")
	pb, clock, _ := comOn(t, b, playerbase.ReversalPolicy{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	start, err := pb.EventLast(ctx)
	must(err)
	var f eventFlow

	kit, err := pb.ProductCreate(alice, inventory.Product{
		Name: "Kit", Prices: []money.Amount{eur("2.00")},
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit {steam_id}"}},
	})
	must(err)
	kit.Name = "Starter kit"
	_, err = pb.ProductUpdate(alice, kit)
	must(err)

	f.cust, _, err = pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	must(err)
	f.cust, err = pb.CustomerUpdate(alice, f.cust.ID, playerbase.CustomerUpdateParams{Version: f.cust.Version, Name: "Garry N", PlatformID: f.cust.PlatformID.Value})
	must(err)
	f.token, f.secret, err = pb.TokenIssue(alice, f.cust.ID, playerbase.TokenIssueParams{Label: "launcher"})
	must(err)
	must(pb.TokenRevoke(alice, f.token.ID))
	_, err = pb.MetadataUpdate(alice, f.cust.ID, []metadata.Field{{Key: "discord", Value: "garry#1234"}, {Key: "notes", Value: "EU"}})
	must(err)

	// Two VIP orders: the second extends the first's item.
	pay := func(ref string, lines []playerbase.OrderLineParams) orders.ID {
		t.Helper()
		clock.Advance(time.Minute)
		o, err := pb.OrderCreate(ctx, f.cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: lines, IP: "203.0.113.7", Email: "garry@example.com"})
		must(err)
		_, err = pb.OrderComplete(hook, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref, Fees: eur("0.50")})
		must(err)
		return o.ID
	}
	orderA, orderB := pay("pay_a", vipLine()), pay("pay_b", vipLine())

	// The game server runs the purchase, fails the renewal; staff resend
	// it, then withdraw the resend.
	ds, err := pb.DeliveryPoll(server, playerbase.DeliveryPollParams{Server: "eu-1"})
	must(err)
	if len(ds) != 2 {
		t.Fatalf("polled %d commands, want the VIP's purchase and renewal", len(ds))
	}
	_, err = pb.DeliveryAck(server, "eu-1", []playerbase.DeliveryResult{{Key: ds[0].Key}, {Key: ds[1].Key, Error: "Unknown command: on_renew"}})
	must(err)
	resent, err := pb.CommandResend(alice, inventory.CommandID(ds[1].Key))
	must(err)
	_, err = pb.CommandCancel(alice, resent.ID)
	must(err)
	vip := ds[0].Item
	_, err = pb.ItemSetDiscord(alice, vip, "80351110224678912")
	must(err)
	_, err = pb.ItemClearDiscord(alice, vip)
	must(err)

	// A partial refund of A, a crate order abandoned, a rank assigned and
	// revoked, a chargeback of B (which revokes the VIP).
	_, err = pb.OrderRefund(hook, orderA, playerbase.OrderRefundParams{Amount: eur("2.50"), Reference: "re_1"})
	must(err)
	crate, err := pb.OrderCreate(ctx, f.cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{{ProductID: crateID, Quantity: 1}}})
	must(err)
	_, err = pb.OrderCancel(alice, crate.ID)
	must(err)
	rank, err := pb.ItemAssign(alice, playerbase.ItemAssignParams{Customer: f.cust.ID, Product: rankID})
	must(err)
	_, err = pb.ItemRevoke(alice, rank.ID, playerbase.ItemRevokeParams{Reason: "abuse", Actor: "admin:bob"})
	must(err)
	_, err = pb.OrderChargeback(hook, orderB, playerbase.OrderChargebackParams{DisputeFee: eur("15.00")})
	must(err)

	// A subscription, renewed once, canceled at its period end; its item
	// expires when the sweep runs after that.
	sub, err := pb.SubscriptionCreate(ctx, f.cust.ID, playerbase.SubscriptionCreateParams{ProductID: vipID, Currency: euro, Period: monthly})
	must(err)
	_, err = pb.SubscriptionActivate(hook, sub.ID)
	must(err)
	clock.Advance(24 * time.Hour)
	_, err = pb.SubscriptionRenew(hook, sub.ID)
	must(err)
	_, err = pb.SubscriptionCancel(alice, sub.ID, playerbase.SubscriptionCancelParams{AtPeriodEnd: true})
	must(err)
	clock.Advance(70 * 24 * time.Hour)
	n, err := pb.ItemSweepExpired(alice)
	must(err)
	if n != 1 {
		t.Fatalf("the sweep expired %d items, want the subscription's", n)
	}

	ban, err := pb.BanCreate(alice, playerbase.BanCreateParams{Reason: "chargeback fraud", Identities: bans.IdentitiesOf(f.cust)})
	must(err)
	reason := "chargeback fraud, twice"
	_, err = pb.BanUpdate(alice, ban.ID, playerbase.BanUpdateParams{Reason: &reason})
	must(err)
	_, err = pb.BanRemove(alice, ban.ID, playerbase.BanRemoveParams{})
	must(err)

	f.events = feed(t, pb, start)
	return f
}

// feed reads every event after cursor, a page at a time.
func feed(t *testing.T, pb *playerbase.Client, after events.Seq) []events.Event {
	t.Helper()
	var out []events.Event
	for {
		page, err := pb.EventList(context.Background(), playerbase.EventListParams{After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			return out
		}
		out = append(out, page.Events...)
		after = page.NextCursor
	}
}

// subjectPrefix is the ID prefix of the record each noun's events concern.
var subjectPrefix = map[string]string{
	"customer": "cus_", "token": "tok_", "metadata": "cus_", "order": "ord_", "subscription": "sub_",
	"item": "inv_", "command": "cmd_", "ban": "ban_", "product": "prd_",
}

// The flow makes every kind of change, and the feed holds an event of
// every type: the set of types seen is events.Types. Each event concerns
// the customer (a product, no one) and names its record; the actor is the
// one who made the call, the expiry sweep's is system:expiry; no token
// event holds the secret or its hash.
func TestEventsEveryTypeAppended(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		f := flowEvents(t, b)
		seen := map[events.Type]bool{}
		for _, e := range f.events {
			seen[e.Type] = true
			noun, _, _ := strings.Cut(string(e.Type), ".")
			wantCust := f.cust.ID
			if noun == "product" {
				wantCust = ""
			}
			if e.Customer != wantCust {
				t.Errorf("%s concerns customer %q, want %q", e.Type, e.Customer, wantCust)
			}
			if !strings.HasPrefix(e.Subject, subjectPrefix[noun]) {
				t.Errorf("%s's subject is %q, want a %s ID", e.Type, e.Subject, subjectPrefix[noun])
			}
			if len(e.Changes) == 0 {
				t.Errorf("%s %s changes nothing", e.Type, e.Subject)
			}
			switch e.Type {
			case events.OrderCompleted, events.OrderRefunded, events.OrderChargedBack, events.SubscriptionActivated, events.SubscriptionRenewed:
				wantActor(t, e, "webhook:paynow")
			case events.CommandExecuted, events.CommandFailed:
				wantActor(t, e, "gameserver:eu-1")
			case events.ItemExpired:
				wantActor(t, e, events.ActorExpiry)
			case events.CustomerCreated, events.OrderCreated, events.SubscriptionCreated:
				wantActor(t, e, events.Default)
			case events.ProductCreated, events.ProductUpdated, events.TokenIssued, events.TokenRevoked, events.MetadataChanged,
				events.DiscordLinked, events.DiscordCleared, events.CommandResent, events.CommandCanceled, events.OrderCanceled,
				events.SubscriptionCanceled, events.BanCreated, events.BanUpdated, events.BanRemoved:
				wantActor(t, e, "admin:alice")
			}
			if e.Type == events.ItemRevoked {
				if by := string(e.Changes["revoked_by"].After); by != `"admin:bob"` && by != `"payment:chargeback"` {
					t.Errorf("item.revoked's revoked_by = %s", by)
				}
			}
			if noun == "token" {
				b, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				_, body, _ := strings.Cut(f.secret, ".")
				for _, leak := range []string{body, hex.EncodeToString(f.token.Hash[:]), "hash", "secret"} {
					if strings.Contains(strings.ToLower(string(b)), strings.ToLower(leak)) {
						t.Errorf("%s holds %q: %s", e.Type, leak, b)
					}
				}
			}
		}
		var got []events.Type
		for typ := range seen {
			got = append(got, typ)
		}
		slices.Sort(got)
		if diff := cmp.Diff(events.Types, got); diff != "" {
			t.Errorf("types appended (-events.Types +seen):\n%s", diff)
		}
		// The manual revoke is admin:bob's, the chargeback's the webhook's.
		var revokers []string
		for _, e := range f.events {
			if e.Type == events.ItemRevoked {
				revokers = append(revokers, e.Actor)
			}
		}
		if want := []string{"admin:bob", "webhook:paynow"}; !slices.Equal(revokers, want) {
			t.Errorf("item.revoked actors = %q, want %q", revokers, want)
		}
	})
}

func wantActor(t *testing.T, e events.Event, actor string) {
	t.Helper()
	if e.Actor != actor {
		t.Errorf("%s %s by %q, want %q", e.Type, e.Subject, e.Actor, actor)
	}
}

// anyID is a record ID as ids.New makes them: a prefix and a ULID.
var anyID = regexp.MustCompile(`\b([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}\b`)

// The JSON of every event type is kept in testdata/events, one file per
// type, from the first event of that type in flowEvents (go test -run
// TestEventsGolden -update rewrites them). IDs are numbered per prefix in
// the order the flow first writes them and seqs counted from the flow's
// start, so every backend writes the same files; times come from the
// test's clock.
func TestEventsGolden(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		f := flowEvents(t, b)
		ids := map[string]string{}
		count := map[string]int{}
		done := map[events.Type]bool{}
		for i, e := range f.events {
			e.Seq = events.Seq(i + 1)
			raw, err := json.MarshalIndent(e, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := anyID.ReplaceAllStringFunc(string(raw), func(id string) string {
				if n, ok := ids[id]; ok {
					return n
				}
				prefix := id[:3]
				count[prefix]++
				ids[id] = fmt.Sprintf("%s_%026d", prefix, count[prefix])
				return ids[id]
			}) + "\n"
			if done[e.Type] {
				continue
			}
			done[e.Type] = true
			path := filepath.Join("testdata", "events", string(e.Type)+".json")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-golden +marshalled):\n%s", path, diff)
			}
			var back events.Event
			if err := json.Unmarshal(want, &back); err != nil {
				t.Errorf("%s does not read back: %v", path, err)
			}
		}
		for _, typ := range events.Types {
			if !done[typ] {
				t.Errorf("no %s event in the flow", typ)
			}
		}
	})
}

// The seed's flow on the Customer Details Page, each step by another staff
// member: edit the customer, ban them, revoke an item, lift the ban. The
// customer's history lists every change, newest first, with who made it.
func TestCustomerHistorySeedFlow(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		it, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: rankID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.CustomerUpdate(playerbase.WithActor(ctx, "admin:alice"), cust.ID, playerbase.CustomerUpdateParams{
			Version: cust.Version, Name: "Renamed", PlatformID: cust.PlatformID.Value,
		}); err != nil {
			t.Fatal(err)
		}
		ban, err := pb.BanCreate(playerbase.WithActor(ctx, "admin:bob"), playerbase.BanCreateParams{Reason: "griefing", Identities: bans.IdentitiesOf(cust)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.ItemRevoke(playerbase.WithActor(ctx, "admin:carol"), it.ID, playerbase.ItemRevokeParams{Reason: "griefing"}); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.BanRemove(playerbase.WithActor(ctx, "admin:dave"), ban.ID, playerbase.BanRemoveParams{}); err != nil {
			t.Fatal(err)
		}
		type row struct {
			Type    events.Type
			Actor   string
			Subject string
		}
		var got []row
		page := playerbase.HistoryPage{}
		for first := true; first || page.NextCursor != 0; first = false {
			page, err = pb.CustomerHistory(ctx, cust.ID, playerbase.CustomerHistoryParams{Before: page.NextCursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				got = append(got, row{e.Type, e.Actor, e.Subject})
			}
		}
		cmds, err := pb.CommandList(ctx, it.ID)
		if err != nil || len(cmds) != 2 {
			t.Fatalf("the rank's commands: %v, %v; want on_purchase and on_expire", cmds, err)
		}
		want := []row{
			{events.BanRemoved, "admin:dave", string(ban.ID)},
			{events.CommandQueued, "admin:carol", string(cmds[1].ID)}, // the revoke's on_expire
			{events.ItemRevoked, "admin:carol", string(it.ID)},
			{events.BanCreated, "admin:bob", string(ban.ID)},
			{events.CustomerUpdated, "admin:alice", string(cust.ID)},
			{events.CommandQueued, "system", string(cmds[0].ID)},
			{events.ItemGranted, "system", string(it.ID)},
			{events.CustomerCreated, "system", string(cust.ID)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CustomerHistory, newest first (-want +got):\n%s", diff)
		}
	})
}

// A workflow the rules refuse appends nothing: a banned customer's
// checkout (whose new IP would have been recorded), a revoke the revoke
// rule refuses.
func TestEventsRefusedWorkflowAppendsNothing(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		crate, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: crateID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "fraud", Identities: bans.IdentitiesOf(cust)}); err != nil {
			t.Fatal(err)
		}
		last, err := pb.EventLast(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), IP: "198.51.100.9", Email: "new@example.com"})
		var banned *bans.BannedError
		if !errors.As(err, &banned) {
			t.Errorf("checkout of a banned customer = %v, want a *bans.BannedError", err)
		}
		_, err = pb.ItemRevoke(ctx, crate.ID, playerbase.ItemRevokeParams{Reason: "x", Actor: "admin:alice"})
		var refused *inventory.RevokeError
		if !errors.As(err, &refused) {
			t.Errorf("revoke of a permanent crate = %v, want an *inventory.RevokeError", err)
		}
		if evs := feed(t, pb, last); len(evs) != 0 {
			t.Errorf("refused workflows appended %v", evs)
		}
		if now, err := pb.EventLast(ctx); err != nil || now != last {
			t.Errorf("EventLast = %d, %v; want %d", now, err, last)
		}
	})
}

// An actor the events cannot carry (a control character, too long) fails
// the call with an *errs.InvalidError for "actor", and it changes nothing:
// not even a call that would have changed nothing gets through.
func TestEventsInvalidActorChangesNothing(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine()})
		if err != nil {
			t.Fatal(err)
		}
		last, err := pb.EventLast(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, actor := range []string{"admin:\x00eve", "admin:\neve", strings.Repeat("e", events.MaxActorLen+1)} {
			bad := playerbase.WithActor(ctx, actor)
			calls := map[string]error{
				"CustomerUpdate":                     second(pb.CustomerUpdate(bad, cust.ID, playerbase.CustomerUpdateParams{Version: cust.Version, Name: "Eve", PlatformID: cust.PlatformID.Value})),
				"OrderComplete":                      second(pb.OrderComplete(bad, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_eve"})),
				"OrderCreate":                        second(pb.OrderCreate(bad, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), IP: "198.51.100.1"})),
				"MetadataUpdate":                     second(pb.MetadataUpdate(bad, cust.ID, []metadata.Field{{Key: "k", Value: "v"}})),
				"TokenIssue":                         third(pb.TokenIssue(bad, cust.ID, playerbase.TokenIssueParams{})),
				"ProductCreate":                      second(pb.ProductCreate(bad, inventory.Product{Name: "Eve's"})),
				"DeliveryAck":                        second(pb.DeliveryAck(bad, "eu-1", nil)),
				"CustomerRecordCheckout (no change)": second(pb.CustomerRecordCheckout(bad, cust.ID, playerbase.CustomerRecordCheckoutParams{})),
			}
			for name, err := range calls {
				if !isInvalid(err, "actor") {
					t.Errorf("%s by %q = %v, want an *errs.InvalidError for actor", name, actor, err)
				}
			}
		}
		if evs := feed(t, pb, last); len(evs) != 0 {
			t.Errorf("calls by a bad actor appended %v", evs)
		}
		got, err := pb.CustomerGet(ctx, cust.ID)
		if err != nil || got.Name != cust.Name || got.Version != cust.Version {
			t.Errorf("customer after refused calls = %+v, %v", got, err)
		}
		if o, err := pb.OrderGet(ctx, o.ID); err != nil || o.Status != "created" {
			t.Errorf("order after a refused completion = %s, %v", o.Status, err)
		}
	})
}
