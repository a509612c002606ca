package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
)

var deliveryStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// deliveryTB is the part of testing.TB (and of *rapid.T) the fixture uses.
type deliveryTB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// deliveryFixture is a store with one Steam customer and a product whose
// on_purchase commands go to eu-1 (one any time, one online-only) and
// us-1.
type deliveryFixture struct {
	pb    *playerbase.Client
	clock *manualClock
	cust  customer.Customer
	prod  inventory.Product
}

func newDeliveryFixture(t deliveryTB, b storage.Backend, cfg *playerbase.Config) deliveryFixture {
	t.Helper()
	ctx := context.Background()
	clock := &manualClock{now: deliveryStart}
	if cfg == nil {
		cfg = &playerbase.Config{}
	}
	cfg.Now = clock.Now
	pb := playerbase.New(b, cfg)
	cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := pb.ProductCreate(ctx, inventory.Product{Name: "Kit", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "inventory.giveto {steam_id} rifle.ak 1"},
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "say {name} got a kit", OnlineOnly: true},
		{Stage: inventory.OnPurchase, Server: "us-1", Template: "inventory.giveto {steam_id} rifle.ak 1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return deliveryFixture{pb: pb, clock: clock, cust: cust, prod: prod}
}

// assign grants the product and returns the item's commands.
func (f deliveryFixture) assign(t deliveryTB) (inventory.Item, []inventory.Command) {
	t.Helper()
	it, err := f.pb.ItemAssign(context.Background(), playerbase.ItemAssignParams{Customer: f.cust.ID, Product: f.prod.ID, Actor: "admin:alice"})
	if err != nil {
		t.Fatal(err)
	}
	return it, f.commands(t, it.ID)
}

func (f deliveryFixture) commands(t deliveryTB, id inventory.ItemID) []inventory.Command {
	t.Helper()
	cmds, err := f.pb.CommandList(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

func (f deliveryFixture) poll(t deliveryTB, server string, online []string, limit int) []playerbase.Delivery {
	t.Helper()
	ds, err := f.pb.DeliveryPoll(context.Background(), playerbase.DeliveryPollParams{Server: server, OnlinePlayers: online, Limit: limit})
	if err != nil {
		t.Fatalf("Poll(%s): %v", server, err)
	}
	return ds
}

func (f deliveryFixture) ack(t deliveryTB, server string, rs ...playerbase.DeliveryResult) []playerbase.DeliveryOutcome {
	t.Helper()
	out, err := f.pb.DeliveryAck(context.Background(), server, rs)
	if err != nil {
		t.Fatalf("Ack(%s): %v", server, err)
	}
	return out
}

func keys(ds []playerbase.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}

// cmdStatus is a command as the Command UI shows it.
type cmdStatus struct {
	Server   string
	Status   inventory.CommandStatus
	Attempts int
	Error    string
	ResendOf inventory.CommandID
}

func statuses(cmds []inventory.Command) []cmdStatus {
	out := []cmdStatus{}
	for _, c := range cmds {
		out = append(out, cmdStatus{c.Server, c.Status, c.Attempts, c.Error, c.ResendOf})
	}
	return out
}

func TestPollAck(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	it, cmds := f.assign(t)
	give, say, us := cmds[0], cmds[1], cmds[2]

	got := f.poll(t, "eu-1", nil, 0)
	want := []playerbase.Delivery{{
		Key: string(give.ID), Command: "inventory.giveto 76561198006409530 rifle.ak 1", Player: "76561198006409530",
		Customer: f.cust.ID, Item: it.ID, Stage: inventory.OnPurchase, Attempt: 1,
		LeaseExpiresAt: deliveryStart.Add(playerbase.DefaultLeaseDuration), QueuedAt: give.CreatedAt,
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Poll (-want +got):\n%s", d)
	}
	if again := f.poll(t, "eu-1", nil, 0); len(again) != 0 {
		t.Errorf("second Poll while leased = %v, want nothing", keys(again))
	}

	f.clock.Advance(time.Second)
	out := f.ack(t, "eu-1", playerbase.DeliveryResult{Key: got[0].Key})
	if d := cmp.Diff([]playerbase.DeliveryOutcome{{Key: got[0].Key, Status: inventory.Executed}}, out); d != "" {
		t.Errorf("Ack (-want +got):\n%s", d)
	}
	after := f.commands(t, it.ID)
	if d := cmp.Diff([]cmdStatus{{"eu-1", inventory.Executed, 1, "", ""}, {"eu-1", inventory.Pending, 0, "", ""}, {"us-1", inventory.Pending, 0, "", ""}}, statuses(after)); d != "" {
		t.Errorf("ItemCommands (-want +got):\n%s", d)
	}
	if at := after[0].ExecutedAt; at == nil || !at.Equal(deliveryStart.Add(time.Second)) {
		t.Errorf("ExecutedAt = %v, want the ack's time", at)
	}
	// A command never goes to another server.
	if d := cmp.Diff([]string{string(us.ID)}, keys(f.poll(t, "us-1", []string{"76561198006409530"}, 0))); d != "" {
		t.Errorf("Poll(us-1) (-want +got):\n%s", d)
	}
	_ = say
}

func TestPollArguments(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), &playerbase.Config{LeaseDuration: time.Minute})
	for range 3 {
		f.assign(t)
	}
	ctx := context.Background()
	if _, err := f.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "  "}); !errors.Is(err, playerbase.ErrInvalid) {
		t.Errorf("Poll without a server = %v, want ErrInvalid", err)
	}
	if _, err := f.pb.DeliveryAck(ctx, "", nil); !errors.Is(err, playerbase.ErrInvalid) {
		t.Errorf("Ack without a server = %v, want ErrInvalid", err)
	}
	got := f.poll(t, " eu-1 ", nil, 2)
	if len(got) != 2 || got[0].Key >= got[1].Key {
		t.Fatalf("Poll with limit 2 = %v, want the two oldest", keys(got))
	}
	if !got[0].LeaseExpiresAt.Equal(deliveryStart.Add(time.Minute)) {
		t.Errorf("LeaseExpiresAt = %v, want Config.LeaseDuration from now", got[0].LeaseExpiresAt)
	}
	if rest := f.poll(t, "eu-1", nil, 0); len(rest) != 1 {
		t.Errorf("next Poll = %v, want the one left", keys(rest))
	}
}

func TestOnlineOnlyWaitsForPlayer(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	_, cmds := f.assign(t)
	give, say := cmds[0], cmds[1]
	f.ack(t, "eu-1", playerbase.DeliveryResult{Key: f.poll(t, "eu-1", nil, 0)[0].Key})

	for _, online := range [][]string{nil, {"76561198000000001", "notch"}} {
		if got := f.poll(t, "eu-1", online, 0); len(got) != 0 {
			t.Errorf("Poll with %v online = %v, want the online-only command to wait", online, keys(got))
		}
	}
	// Online on another server does not count.
	if got := f.poll(t, "us-1", []string{"76561198006409530"}, 0); len(got) != 1 || got[0].Key == string(say.ID) {
		t.Errorf("Poll(us-1) = %v", keys(got))
	}
	f.clock.Advance(time.Hour)
	// The server may name the player in any Steam form.
	got := f.poll(t, "eu-1", []string{"76561198000000001", "STEAM_0:0:23071901"}, 0)
	if len(got) != 1 || got[0].Key != string(say.ID) || !got[0].OnlineOnly || got[0].Command != "say Garry got a kit" {
		t.Fatalf("Poll with the player online = %+v, want the online-only command", got)
	}
	if cmds := f.commands(t, give.ItemID); cmds[1].Status != inventory.Leased {
		t.Errorf("online-only command after Poll: %s, want leased", cmds[1].Status)
	}
}

func TestFailedCommandShowsError(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	it, _ := f.assign(t)
	d := f.poll(t, "eu-1", nil, 0)[0]
	out := f.ack(t, "eu-1", playerbase.DeliveryResult{Key: d.Key, Error: " Unknown item 'rifle.ak'\n"})
	if out[0].Status != inventory.Failed || out[0].Duplicate || out[0].Err != nil {
		t.Errorf("Ack with an error = %+v, want failed", out[0])
	}
	// A later "it worked" does not paper over the failure.
	out = f.ack(t, "eu-1", playerbase.DeliveryResult{Key: d.Key})
	if out[0].Status != inventory.Failed || !out[0].Duplicate {
		t.Errorf("Ack of a failed command = %+v, want failed, duplicate", out[0])
	}
	cmds := f.commands(t, it.ID)
	if cmds[0].Status != inventory.Failed || cmds[0].Error != "Unknown item 'rifle.ak'" || cmds[0].ExecutedAt == nil {
		t.Errorf("ItemCommands shows %s %q at %v, want failed with the error", cmds[0].Status, cmds[0].Error, cmds[0].ExecutedAt)
	}
}

// A delivery key a plugin logged leads to the command's record, as the
// item's command list shows it; a malformed key is invalid input.
func TestCommandGetByKey(t *testing.T) {
	ctx := context.Background()
	f := newDeliveryFixture(t, memory.New(), nil)
	it, _ := f.assign(t)
	d := f.poll(t, "eu-1", nil, 0)[0]
	f.ack(t, "eu-1", playerbase.DeliveryResult{Key: d.Key, Error: "no such item"})
	got, err := f.pb.CommandGet(ctx, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	var want inventory.Command
	for _, c := range f.commands(t, it.ID) {
		if string(c.ID) == d.Key {
			want = c
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || got.Status != inventory.Failed {
		t.Errorf("CommandGet(%s) (-list +got):\n%s", d.Key, diff)
	}
	// Leased, then the lease runs out: it reads pending, as the list does.
	d2 := f.poll(t, "us-1", nil, 0)[0]
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	if got, err := f.pb.CommandGet(ctx, d2.Key); err != nil || got.Status != inventory.Pending {
		t.Errorf("CommandGet after the lease ran out = %s, %v; want pending", got.Status, err)
	}
	if _, err := f.pb.CommandGet(ctx, "ban_01JD3XK5G7M3Q2W8E9R4T6Y1ZA"); !errors.Is(err, playerbase.ErrInvalid) {
		t.Errorf("CommandGet(a ban ID) = %v, want ErrInvalid", err)
	}
	if _, err := f.pb.CommandGet(ctx, string(inventory.NewCommandID(deliveryStart))); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("CommandGet(unknown) = %v, want ErrNotFound", err)
	}
}

func TestLeaseExpiryRedeliversSameKey(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	it, _ := f.assign(t)
	first := f.poll(t, "eu-1", nil, 0)
	f.clock.Advance(playerbase.DefaultLeaseDuration - time.Microsecond)
	if got := f.poll(t, "eu-1", nil, 0); len(got) != 0 {
		t.Errorf("Poll before the lease runs out = %v, want nothing", keys(got))
	}
	if cmds := f.commands(t, it.ID); cmds[0].Status != inventory.Leased {
		t.Errorf("status before the lease runs out: %s, want leased", cmds[0].Status)
	}
	f.clock.Advance(time.Microsecond)
	if cmds := f.commands(t, it.ID); cmds[0].Status != inventory.Pending || cmds[0].Attempts != 1 {
		t.Errorf("after the lease ran out: %s, %d attempts; want pending again, 1 attempt", cmds[0].Status, cmds[0].Attempts)
	}
	second := f.poll(t, "eu-1", nil, 0)
	if len(second) != 1 || second[0].Key != first[0].Key || second[0].Attempt != 2 {
		t.Fatalf("Poll after the lease ran out = %+v, want the same key, attempt 2", second)
	}
}

func TestAckAfterReleaseHasOneEffect(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	it, _ := f.assign(t)
	key := f.poll(t, "eu-1", nil, 0)[0].Key
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	if again := f.poll(t, "eu-1", nil, 0); len(again) != 1 || again[0].Key != key {
		t.Fatalf("re-lease = %v", keys(again))
	}
	// The first lease's holder ran it and reports late; then the second
	// lease's holder, which found the key executed, reports too.
	f.clock.Advance(time.Second)
	late := f.ack(t, "eu-1", playerbase.DeliveryResult{Key: key})
	dup := f.ack(t, "eu-1", playerbase.DeliveryResult{Key: key, Error: "already ran"}, playerbase.DeliveryResult{Key: key})
	want := []playerbase.DeliveryOutcome{{Key: key, Status: inventory.Executed}}
	if d := cmp.Diff(want, late); d != "" {
		t.Errorf("late ack (-want +got):\n%s", d)
	}
	want = []playerbase.DeliveryOutcome{{Key: key, Status: inventory.Executed, Duplicate: true}, {Key: key, Status: inventory.Executed, Duplicate: true}}
	if d := cmp.Diff(want, dup); d != "" {
		t.Errorf("second lease's acks (-want +got):\n%s", d)
	}
	cmds := f.commands(t, it.ID)
	if c := cmds[0]; c.Status != inventory.Executed || c.Attempts != 2 || !c.ExecutedAt.Equal(deliveryStart.Add(playerbase.DefaultLeaseDuration+time.Second)) {
		t.Errorf("command: %s, %d attempts, executed %v; want executed once, at the first ack", c.Status, c.Attempts, c.ExecutedAt)
	}
	if got := f.poll(t, "eu-1", nil, 0); len(got) != 0 {
		t.Errorf("Poll after the ack = %v", keys(got))
	}
}

func TestAckOutcomesPerResult(t *testing.T) {
	f := newDeliveryFixture(t, memory.New(), nil)
	_, cmds := f.assign(t)
	eu := f.poll(t, "eu-1", nil, 0)[0]
	us := f.poll(t, "us-1", nil, 0)[0]
	waiting := string(cmds[1].ID) // online-only, never handed out
	unknown := string(inventory.NewCommandID(deliveryStart))

	out := f.ack(t, "eu-1",
		playerbase.DeliveryResult{Key: "nonsense"},
		playerbase.DeliveryResult{Key: unknown},
		playerbase.DeliveryResult{Key: us.Key},
		playerbase.DeliveryResult{Key: waiting},
		playerbase.DeliveryResult{Key: eu.Key},
	)
	if len(out) != 5 {
		t.Fatalf("Ack returned %d outcomes for 5 results", len(out))
	}
	for i, is := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrForbidden, errs.ErrConflict} {
		if !errors.Is(out[i].Err, is) || out[i].Status != "" || out[i].Key == "" {
			t.Errorf("outcome %d = %+v, want an error matching %v", i, out[i], is)
		}
	}
	var wrong *inventory.WrongServerError
	if !errors.As(out[2].Err, &wrong) || wrong.Queued != "us-1" || wrong.Server != "eu-1" {
		t.Errorf("another server's command: %v, want *inventory.WrongServerError", out[2].Err)
	}
	var te *inventory.TransitionError
	if !errors.As(out[3].Err, &te) {
		t.Errorf("a command never handed out: %v, want *inventory.TransitionError", out[3].Err)
	}
	if o := out[4]; o.Err != nil || o.Status != inventory.Executed || o.Duplicate {
		t.Errorf("the good result in a batch with bad ones = %+v, want recorded", o)
	}
	if got := f.commands(t, eu.Item); got[0].Status != inventory.Executed || got[2].Status != inventory.Leased {
		t.Errorf("after the batch: eu-1 %s, us-1 %s; want executed, and us-1 untouched", got[0].Status, got[2].Status)
	}
}

func TestCancelOnlyPending(t *testing.T) {
	ctx := context.Background()
	f := newDeliveryFixture(t, memory.New(), nil)
	it, cmds := f.assign(t)
	give, say, us := cmds[0], cmds[1], cmds[2]

	canceled, err := f.pb.CommandCancel(ctx, say.ID)
	if err != nil || canceled.Status != inventory.Canceled || canceled.Version != say.Version+1 {
		t.Fatalf("CancelCommand(pending) = %+v, %v", canceled, err)
	}
	if got := f.poll(t, "eu-1", []string{"76561198006409530"}, 0); len(got) != 1 || got[0].Key != string(give.ID) {
		t.Errorf("Poll after a cancel = %v, want only the other command", keys(got))
	}
	var te *inventory.TransitionError
	if _, err := f.pb.CommandCancel(ctx, give.ID); !errors.As(err, &te) || te.From != inventory.Leased {
		t.Errorf("CancelCommand(leased) = %v, want *inventory.TransitionError from leased", err)
	}
	if _, err := f.pb.CommandCancel(ctx, say.ID); !errors.As(err, &te) || te.From != inventory.Canceled {
		t.Errorf("CancelCommand(canceled) = %v, want *inventory.TransitionError", err)
	}
	if _, err := f.pb.CommandCancel(ctx, inventory.NewCommandID(deliveryStart)); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("CancelCommand(unknown) = %v, want ErrNotFound", err)
	}

	// us-1 ran its command: a result is final.
	usKey := f.poll(t, "us-1", nil, 0)[0].Key
	f.ack(t, "us-1", playerbase.DeliveryResult{Key: usKey})
	if _, err := f.pb.CommandCancel(ctx, us.ID); !errors.As(err, &te) || te.From != inventory.Executed {
		t.Errorf("CancelCommand(executed) = %v, want *inventory.TransitionError", err)
	}

	// Once the lease ran out the command is pending again and may be
	// canceled; if its server did run it, the late ack says so.
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	if _, err := f.pb.CommandCancel(ctx, give.ID); err != nil {
		t.Fatalf("CancelCommand after the lease ran out = %v", err)
	}
	if got := f.poll(t, "eu-1", nil, 0); len(got) != 0 {
		t.Errorf("Poll after canceling = %v", keys(got))
	}
	out := f.ack(t, "eu-1", playerbase.DeliveryResult{Key: string(give.ID)})
	if out[0].Err != nil || out[0].Status != inventory.Executed {
		t.Errorf("late ack of a command canceled after its lease ran out = %+v, want executed", out[0])
	}
	want := []cmdStatus{{"eu-1", inventory.Executed, 1, "", ""}, {"eu-1", inventory.Canceled, 0, "", ""}, {"us-1", inventory.Executed, 1, "", ""}}
	if d := cmp.Diff(want, statuses(f.commands(t, it.ID))); d != "" {
		t.Errorf("ItemCommands (-want +got):\n%s", d)
	}
}

func TestResendKeepsHistory(t *testing.T) {
	ctx := context.Background()
	f := newDeliveryFixture(t, memory.New(), nil)
	it, cmds := f.assign(t)
	give, say, us := cmds[0], cmds[1], cmds[2]
	d := f.poll(t, "eu-1", nil, 0)[0]
	f.ack(t, "eu-1", playerbase.DeliveryResult{Key: d.Key, Error: "player not found"})

	var te *inventory.TransitionError
	if _, err := f.pb.CommandResend(ctx, say.ID); !errors.As(err, &te) {
		t.Errorf("ResendCommand(pending) = %v, want *inventory.TransitionError", err)
	}
	f.clock.Advance(time.Minute)
	re, err := f.pb.CommandResend(ctx, give.ID)
	if err != nil || re.ResendOf != give.ID || re.ID == give.ID || re.Status != inventory.Pending || re.Command != give.Command || re.Attempts != 0 {
		t.Fatalf("ResendCommand(failed) = %+v, %v", re, err)
	}
	if _, err := f.pb.CommandResend(ctx, give.ID); !errors.Is(err, playerbase.ErrConflict) {
		t.Errorf("second ResendCommand before the first ran = %v, want ErrConflict", err)
	}
	got := f.poll(t, "eu-1", nil, 0)
	if len(got) != 1 || got[0].Key != string(re.ID) || got[0].Attempt != 1 {
		t.Fatalf("Poll after the resend = %+v, want the new attempt under its own key", got)
	}
	f.ack(t, "eu-1", playerbase.DeliveryResult{Key: got[0].Key})

	want := []cmdStatus{
		{"eu-1", inventory.Failed, 1, "player not found", ""},
		{"eu-1", inventory.Pending, 0, "", ""},
		{"us-1", inventory.Pending, 0, "", ""},
		{"eu-1", inventory.Executed, 1, "", give.ID},
	}
	if d := cmp.Diff(want, statuses(f.commands(t, it.ID))); d != "" {
		t.Errorf("ItemCommands after a resend (-want +got):\n%s", d)
	}

	// Resend all: the latest attempt of each command that has a result.
	f.ack(t, "us-1", playerbase.DeliveryResult{Key: f.poll(t, "us-1", nil, 0)[0].Key})
	all, err := f.pb.CommandResendItem(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ResendOf != us.ID || all[1].ResendOf != re.ID {
		t.Errorf("ResendItemCommands = %+v, want resends of the us-1 command and of the latest eu-1 attempt", all)
	}
	if again, err := f.pb.CommandResendItem(ctx, it.ID); err != nil || len(again) != 0 {
		t.Errorf("ResendItemCommands with every resend still pending = %v, %v; want nothing", again, err)
	}
	if n := len(f.commands(t, it.ID)); n != 6 {
		t.Errorf("the item has %d commands, want 6: every attempt is kept", n)
	}
	if _, err := f.pb.CommandResendItem(ctx, inventory.NewItemID(deliveryStart)); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("ResendItemCommands(unknown item) = %v, want ErrNotFound", err)
	}
}

// A plugin's delivery loop, as a game server runs it: poll with the online
// players, run each command it has not run before, remember the key with
// the result, acknowledge.
func ExampleClient_DeliveryPoll() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	garry, _, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	kit, _ := pb.ProductCreate(ctx, inventory.Product{Name: "Kit", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "inventory.giveto {steam_id} rifle.ak 1"},
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit.give {steam_id} starter", OnlineOnly: true},
	}})
	if _, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: garry.ID, Product: kit.ID, Actor: "admin:alice"}); err != nil {
		panic(err)
	}

	executed := map[string]string{} // key → error text; a real plugin persists it
	run := func(cmd string) error {
		if strings.HasPrefix(cmd, "kit.give") {
			return errors.New("no kit named starter")
		}
		return nil
	}
	for _, online := range [][]string{nil, {"STEAM_0:0:23071901"}} {
		ds, _ := pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "eu-1", OnlinePlayers: online, Limit: 100})
		var results []playerbase.DeliveryResult
		for _, d := range ds {
			errText, done := executed[d.Key]
			if !done {
				if err := run(d.Command); err != nil {
					errText = err.Error()
				}
				executed[d.Key] = errText
			}
			results = append(results, playerbase.DeliveryResult{Key: d.Key, Error: errText})
		}
		outcomes, _ := pb.DeliveryAck(ctx, "eu-1", results)
		for i, o := range outcomes {
			fmt.Printf("%s → %s %q\n", ds[i].Command, o.Status, results[i].Error)
		}
	}
	// Output:
	// inventory.giveto 76561198006409530 rifle.ak 1 → executed ""
	// kit.give 76561198006409530 starter → failed "no kit named starter"
}
