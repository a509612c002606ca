package playerbase_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// modelCmd is the plain-Go model of one command record.
type modelCmd struct {
	id         string
	item       inventory.ItemID
	server     string
	onlineOnly bool
	player     string
	status     inventory.CommandStatus
	attempts   int
	leaseEnd   time.Time // while leased
	errText    string
	resendOf   string
}

// leasable is the model's rule: the server's pending commands and those
// whose lease ran out; online-only ones while their player is online.
func (c *modelCmd) leasable(server string, online map[string]bool, now time.Time) bool {
	if c.server != server || (c.status != inventory.Pending && (c.status != inventory.Leased || now.Before(c.leaseEnd))) {
		return false
	}
	return !c.onlineOnly || online[c.player]
}

// deliveryMachine drives Poll, Ack, Cancel and the resends against a model.
type deliveryMachine struct {
	f       deliveryFixture
	custs   []customer.Customer
	cmds    []*modelCmd // in queue (ID) order
	byID    map[string]*modelCmd
	items   []inventory.ItemID
	players []string // as servers may report them
}

func newDeliveryMachine(t *rapid.T, backend storage.Backend) *deliveryMachine {
	f := newDeliveryFixture(t, backend, nil)
	other, _, err := f.pb.CustomerIdentify(context.Background(), playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "[U:1:1001]", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	return &deliveryMachine{
		f: f, custs: []customer.Customer{f.cust, other}, byID: map[string]*modelCmd{},
		players: []string{"STEAM_0:0:23071901", "76561197960266729", "76561198000000001"},
	}
}

func (m *deliveryMachine) add(cmd inventory.Command) {
	c := &modelCmd{id: string(cmd.ID), item: cmd.ItemID, server: cmd.Server, onlineOnly: cmd.OnlineOnly,
		player: cmd.Player, status: inventory.Pending, resendOf: string(cmd.ResendOf)}
	m.cmds = append(m.cmds, c)
	m.byID[c.id] = c
}

func (m *deliveryMachine) Assign(t *rapid.T) {
	cust := rapid.SampledFrom(m.custs).Draw(t, "customer")
	it, err := m.f.pb.ItemAssign(context.Background(), playerbase.ItemAssignParams{Customer: cust.ID, Product: m.f.prod.ID, Actor: "admin:model"})
	if err != nil {
		t.Fatal(err)
	}
	m.items = append(m.items, it.ID)
	for _, cmd := range m.f.commands(t, it.ID) {
		m.add(cmd)
	}
}

func (m *deliveryMachine) Poll(t *rapid.T) {
	server := rapid.SampledFrom([]string{"eu-1", "us-1"}).Draw(t, "server")
	online := rapid.SliceOfDistinct(rapid.SampledFrom(m.players), rapid.ID).Draw(t, "online")
	limit := rapid.IntRange(1, 4).Draw(t, "limit")
	now := m.f.clock.Now()
	set := map[string]bool{}
	for _, p := range online {
		set[inventory.CanonicalPlayer(p)] = true
	}
	var want []string
	for _, c := range m.cmds {
		if len(want) < limit && c.leasable(server, set, now) {
			want = append(want, c.id)
			c.status, c.leaseEnd = inventory.Leased, now.Add(playerbase.DefaultLeaseDuration)
			c.attempts++
		}
	}
	got := m.f.poll(t, server, online, limit)
	if !slices.Equal(want, keys(got)) {
		t.Fatalf("Poll(%s, %v, %d) = %v, want %v", server, online, limit, keys(got), want)
	}
	for _, d := range got {
		if c := m.byID[d.Key]; d.Attempt != c.attempts || d.OnlineOnly != c.onlineOnly || d.Player != c.player || !d.LeaseExpiresAt.Equal(c.leaseEnd) {
			t.Fatalf("delivery %+v, model %+v", d, *c)
		}
	}
}

func (m *deliveryMachine) Ack(t *rapid.T) {
	if len(m.cmds) == 0 {
		t.Skip("nothing queued")
	}
	server := rapid.SampledFrom([]string{"eu-1", "us-1"}).Draw(t, "server")
	ids := make([]string, 0, len(m.cmds)+1)
	for _, c := range m.cmds {
		ids = append(ids, c.id)
	}
	ids = append(ids, string(inventory.NewCommandID(m.f.clock.Now())))
	results := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) playerbase.DeliveryResult {
		return playerbase.DeliveryResult{
			Key:   rapid.SampledFrom(ids).Draw(t, "key"),
			Error: rapid.SampledFrom([]string{"", " ", "boom", " no such player "}).Draw(t, "error"),
		}
	}), 1, 4).Draw(t, "results")

	want := make([]playerbase.DeliveryOutcome, len(results))
	wantErr := make([]error, len(results))
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(results[a].Key, results[b].Key) })
	for _, i := range order {
		r := results[i]
		want[i].Key = r.Key
		c, ok := m.byID[r.Key]
		switch {
		case !ok:
			wantErr[i] = errs.ErrNotFound
		case c.server != server:
			wantErr[i] = errs.ErrForbidden
		case c.status == inventory.Executed || c.status == inventory.Failed:
			want[i].Status, want[i].Duplicate = c.status, true
		case c.attempts == 0:
			wantErr[i] = errs.ErrConflict
		default:
			c.status, c.errText, c.leaseEnd = inventory.Executed, strings.TrimSpace(r.Error), time.Time{}
			if c.errText != "" {
				c.status = inventory.Failed
			}
			want[i].Status = c.status
		}
	}
	got := m.f.ack(t, server, results...)
	for i, o := range got {
		if wantErr[i] != nil {
			if !errors.Is(o.Err, wantErr[i]) || o.Status != "" {
				t.Fatalf("Ack %d (%s) = %+v, want an error matching %v", i, results[i].Key, o, wantErr[i])
			}
			continue
		}
		if o != want[i] {
			t.Fatalf("Ack %d = %+v, want %+v", i, o, want[i])
		}
	}
}

func (m *deliveryMachine) pick(t *rapid.T) *modelCmd {
	if len(m.cmds) == 0 {
		t.Skip("nothing queued")
	}
	return rapid.SampledFrom(m.cmds).Draw(t, "command")
}

func (m *deliveryMachine) Cancel(t *rapid.T) {
	c := m.pick(t)
	now := m.f.clock.Now()
	ok := c.status == inventory.Pending || c.status == inventory.Leased && !now.Before(c.leaseEnd)
	got, err := m.f.pb.CommandCancel(context.Background(), inventory.CommandID(c.id))
	if !ok {
		var te *inventory.TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("CancelCommand(%s %s) = %v, want *inventory.TransitionError", c.status, c.id, err)
		}
		return
	}
	if err != nil || got.Status != inventory.Canceled {
		t.Fatalf("CancelCommand(%s) = %+v, %v", c.status, got, err)
	}
	c.status, c.leaseEnd = inventory.Canceled, time.Time{}
}

func (m *deliveryMachine) open(id string) bool {
	for _, c := range m.cmds {
		if c.resendOf == id && !c.status.Final() {
			return true
		}
	}
	return false
}

func (m *deliveryMachine) Resend(t *rapid.T) {
	c := m.pick(t)
	got, err := m.f.pb.CommandResend(context.Background(), inventory.CommandID(c.id))
	switch {
	case !c.status.Final():
		var te *inventory.TransitionError
		if !errors.As(err, &te) {
			t.Fatalf("ResendCommand(%s) = %v, want *inventory.TransitionError", c.status, err)
		}
	case m.open(c.id):
		if !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("ResendCommand with a resend pending = %v, want ErrConflict", err)
		}
	default:
		if err != nil || string(got.ResendOf) != c.id || got.ItemID != c.item || got.Server != c.server {
			t.Fatalf("ResendCommand = %+v, %v", got, err)
		}
		m.add(got)
	}
}

func (m *deliveryMachine) ResendAll(t *rapid.T) {
	if len(m.items) == 0 {
		t.Skip("no items")
	}
	it := rapid.SampledFrom(m.items).Draw(t, "item")
	resent := map[string]bool{}
	for _, c := range m.cmds {
		resent[c.resendOf] = true
	}
	var want []string
	for _, c := range m.cmds {
		if c.item == it && !resent[c.id] && (c.status == inventory.Executed || c.status == inventory.Failed) {
			want = append(want, c.id)
		}
	}
	got, err := m.f.pb.CommandResendItem(context.Background(), it)
	if err != nil {
		t.Fatal(err)
	}
	var of []string
	for _, cmd := range got {
		of = append(of, string(cmd.ResendOf))
		m.add(cmd)
	}
	if !slices.Equal(want, of) {
		t.Fatalf("ResendItemCommands resent %v, want %v", of, want)
	}
}

func (m *deliveryMachine) Advance(t *rapid.T) {
	m.f.clock.Advance(rapid.SampledFrom([]time.Duration{time.Second, 10 * time.Second, playerbase.DefaultLeaseDuration}).Draw(t, "advance"))
}

// Check compares every item's commands with the model, statuses as of now.
func (m *deliveryMachine) Check(t *rapid.T) {
	now := m.f.clock.Now()
	type row struct {
		ID       string
		Status   inventory.CommandStatus
		Attempts int
		Error    string
		ResendOf string
	}
	var want, got []row
	for _, c := range m.cmds {
		st := c.status
		if st == inventory.Leased && !now.Before(c.leaseEnd) {
			st = inventory.Pending
		}
		want = append(want, row{c.id, st, c.attempts, c.errText, c.resendOf})
	}
	byItem := map[inventory.ItemID][]inventory.Command{}
	for _, it := range m.items {
		byItem[it] = m.f.commands(t, it)
	}
	for _, c := range m.cmds { // model order, to compare across items
		for _, cmd := range byItem[c.item] {
			if string(cmd.ID) == c.id {
				got = append(got, row{string(cmd.ID), cmd.Status, cmd.Attempts, cmd.Error, string(cmd.ResendOf)})
			}
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("commands (-model +store):\n%s", d)
	}
}

func TestDeliveryStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newDeliveryMachine(t, memory.New())
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestDeliveryStateMachinePostgres runs the same machine on PostgreSQL,
// each iteration on emptied tables, fewer iterations unless -rapid.checks
// says otherwise.
func TestDeliveryStateMachinePostgres(t *testing.T) {
	backend := pgtest.NewBackend(t)
	playerbase.FewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		pgtest.Truncate(t, backend)
		m := newDeliveryMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestDeliveryStateMachineSQLite runs the same machine on a SQLite file (WAL,
// the writer and the readers on separate connections), each iteration on
// emptied tables, fewer iterations unless -rapid.checks says otherwise.
func TestDeliveryStateMachineSQLite(t *testing.T) {
	backend := sqlitetest.NewBackend(t)
	playerbase.FewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		sqlitetest.Truncate(t, backend)
		m := newDeliveryMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}
