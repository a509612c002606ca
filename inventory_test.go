package playerbase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// invClock is a settable clock for the inventory tests.
type invClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *invClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *invClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var invStart = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func invSetup(t testing.TB) (*Client, *invClock, customer.Customer) {
	t.Helper()
	clk := &invClock{t: invStart}
	pb := New(memory.New(), &Config{Now: clk.Now})
	cust, _, err := pb.CustomerIdentify(context.Background(), CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	return pb, clk, cust
}

func invProduct(t testing.TB, pb *Client, p inventory.Product) inventory.Product {
	t.Helper()
	p, err := pb.ProductCreate(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// vipProduct lasts 30 days and removes the group on expiry.
func vipProduct(stacking inventory.Stacking) inventory.Product {
	return inventory.Product{
		Name: "VIP", Duration: period.For(30, period.Day), Stacking: stacking,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "say {name} bought {product}", OnlineOnly: true},
			{Stage: inventory.OnRenew, Server: "eu-1", Template: "say {name} renewed {product} until {expires_at}"},
			{Stage: inventory.OnExpire, Server: "eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
			{Stage: inventory.OnRefund, Server: "eu-1", Template: "say refund of {order_id}"},
		},
	}
}

type invCmd struct {
	Stage  inventory.Stage
	Text   string
	Status inventory.CommandStatus
}

func invCommands(t testing.TB, pb *Client, id inventory.ItemID) []invCmd {
	t.Helper()
	cmds, err := pb.CommandList(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := []invCmd{}
	for _, c := range cmds {
		out = append(out, invCmd{c.Stage, c.Command, c.Status})
	}
	return out
}

func TestProductSaveRefusesUnknownVariable(t *testing.T) {
	ctx := context.Background()
	pb, _, _ := invSetup(t)
	bad := vipProduct("")
	bad.Commands = append(bad.Commands, inventory.CommandTemplate{Stage: inventory.OnChargeback, Server: "eu-1", Template: "ban {player}"})
	_, err := pb.ProductCreate(ctx, bad)
	var uv *inventory.UnknownVariableError
	if !errors.As(err, &uv) || uv.Variable != "player" || uv.Field != "commands[5].template" {
		t.Fatalf("CreateProduct with {player} = %v, want *inventory.UnknownVariableError", err)
	}
	if ps, _ := pb.ProductList(ctx); len(ps) != 0 {
		t.Errorf("a refused product was stored: %v", ps)
	}

	p := invProduct(t, pb, vipProduct(""))
	bad.ID, bad.Version = p.ID, p.Version
	if _, err := pb.ProductUpdate(ctx, bad); !errors.As(err, &uv) {
		t.Errorf("UpdateProduct with {player} = %v, want *inventory.UnknownVariableError", err)
	}
	renamed := p
	renamed.Name = "VIP Gold"
	got, err := pb.ProductUpdate(ctx, renamed)
	if err != nil || got.Version != p.Version+1 || !got.Created.Equal(p.Created) {
		t.Fatalf("UpdateProduct = %+v, %v", got, err)
	}
	if _, err := pb.ProductUpdate(ctx, renamed); !errors.Is(err, ErrConflict) {
		t.Errorf("UpdateProduct with a stale version = %v, want ErrConflict", err)
	}
	if stored, _ := pb.ProductGet(ctx, p.ID); stored.Name != "VIP Gold" {
		t.Errorf("stored name %q", stored.Name)
	}
}

func TestAssignAndRevokeQueueCommands(t *testing.T) {
	ctx := context.Background()
	pb, clk, cust := invSetup(t)
	p := invProduct(t, pb, vipProduct(""))
	it, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin:alice", DiscordID: "175928847299117063"})
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Item{
		ID: it.ID, Customer: cust.ID, ProductID: p.ID,
		Source:    inventory.Source{Kind: inventory.FromManual, Actor: "admin:alice"},
		GrantedAt: invStart, ExpiresAt: new(invStart.AddDate(0, 0, 30)), State: inventory.Active,
		DiscordUserID: "175928847299117063",
	}
	if d := cmp.Diff(want, it); d != "" {
		t.Errorf("AssignItem (-want +got):\n%s", d)
	}
	clk.Advance(time.Hour)
	revoked, err := pb.ItemRevoke(ctx, it.ID, ItemRevokeParams{Reason: "chargeback", Actor: "admin:bob"})
	if err != nil {
		t.Fatal(err)
	}
	if revoked.State != inventory.Revoked || !revoked.RevokedAt.Equal(invStart.Add(time.Hour)) || revoked.RevokedBy != "admin:bob" {
		t.Errorf("RevokeItem = %+v", revoked)
	}
	wantCmds := []invCmd{
		{inventory.OnPurchase, "oxide.usergroup add 76561198006409530 vip", inventory.Pending},
		{inventory.OnPurchase, "say Garry bought VIP", inventory.Pending},
		{inventory.OnExpire, "oxide.usergroup remove 76561198006409530 vip", inventory.Pending},
	}
	if d := cmp.Diff(wantCmds, invCommands(t, pb, it.ID)); d != "" {
		t.Errorf("ItemCommands (-want +got):\n%s", d)
	}
	cmds, _ := pb.CommandList(ctx, it.ID)
	if c := cmds[1]; !c.OnlineOnly || c.Server != "eu-1" || c.Player != cust.PlatformID.Value || c.Customer != cust.ID || c.Attempts != 0 {
		t.Errorf("command record %+v", c)
	}
	if _, err := pb.CommandList(ctx, inventory.NewItemID(invStart)); !errors.Is(err, ErrNotFound) {
		t.Errorf("ItemCommands of an unknown item = %v, want ErrNotFound", err)
	}
	// Without an Actor the assignment is by ctx's actor, "system" if none.
	if it, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID}); err != nil || it.Source.Actor != "system" {
		t.Errorf("AssignItem without an actor = %+v, %v, want one by system", it.Source, err)
	}
	if _, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: inventory.NewProductID(invStart), Actor: "a"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("AssignItem of an unknown product = %v, want ErrNotFound", err)
	}
}

func TestRevokeItemRules(t *testing.T) {
	ctx := context.Background()
	withAction := vipProduct("")
	noAction := inventory.Product{Name: "Kit", Duration: period.For(1, period.Day),
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "s", Template: "kit {steam_id}"}}}
	permWithAction := inventory.Product{Name: "Rank", Commands: []inventory.CommandTemplate{{Stage: inventory.OnExpire, Server: "s", Template: "unrank {steam_id}"}}}
	permNoAction := inventory.Product{Name: "Hat"}
	for _, tc := range []struct {
		name    string
		product inventory.Product
		before  func(*Client, *invClock, inventory.ItemID) // what happens between assign and revoke
		why     inventory.RevokeRefusal
		expire  int // on_expire commands queued by the revoke
	}{
		{"active expiring", withAction, nil, "", 1},
		{"active expiring, no action", noAction, nil, "", 0},
		{"non-expiring with action", permWithAction, nil, "", 1},
		{"non-expiring without action", permNoAction, nil, inventory.RefusedNoExpiryAction, 0},
		{"expired by time, before a sweep", withAction, func(_ *Client, clk *invClock, _ inventory.ItemID) { clk.Advance(30 * 24 * time.Hour) }, inventory.RefusedExpired, 0},
		{"expired and swept", withAction, func(pb *Client, clk *invClock, _ inventory.ItemID) {
			clk.Advance(31 * 24 * time.Hour)
			if _, err := pb.ItemSweepExpired(ctx); err != nil {
				t.Fatal(err)
			}
		}, inventory.RefusedExpired, 1}, // the sweep's own on_expire
		{"already revoked", withAction, func(pb *Client, _ *invClock, id inventory.ItemID) {
			if _, err := pb.ItemRevoke(ctx, id, ItemRevokeParams{Reason: "first", Actor: "admin"}); err != nil {
				t.Fatal(err)
			}
		}, inventory.RefusedRevoked, 1}, // the first revoke's
	} {
		t.Run(tc.name, func(t *testing.T) {
			pb, clk, cust := invSetup(t)
			p := invProduct(t, pb, tc.product)
			it, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(pb, clk, it.ID)
			}
			before, _ := pb.ItemGet(ctx, it.ID)
			_, err = pb.ItemRevoke(ctx, it.ID, ItemRevokeParams{Reason: "test", Actor: "admin:bob"})
			var re *inventory.RevokeError
			switch {
			case tc.why == "" && err != nil:
				t.Fatalf("RevokeItem = %v", err)
			case tc.why != "" && (!errors.As(err, &re) || re.Why != tc.why):
				t.Fatalf("RevokeItem = %v, want *inventory.RevokeError %q", err, tc.why)
			}
			after, _ := pb.ItemGet(ctx, it.ID)
			if tc.why != "" && after.Version != before.Version {
				t.Errorf("a refused revoke changed the item: %+v", after)
			}
			n := 0
			for _, c := range invCommands(t, pb, it.ID) {
				if c.Stage == inventory.OnExpire {
					n++
				}
			}
			if n != tc.expire {
				t.Errorf("%d on_expire commands, want %d", n, tc.expire)
			}
		})
	}
}

func TestExpiryDerivedThenSweptOnce(t *testing.T) {
	ctx := context.Background()
	pb, clk, cust := invSetup(t)
	p := invProduct(t, pb, inventory.Product{
		Name: "Day pass", Duration: period.For(1, period.Hour),
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnExpire, Server: "s", Template: "unpass {steam_id}"}},
	})
	it, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	state := func() (derived, recorded inventory.State) {
		got, err := pb.ItemGet(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := pb.view(ctx, func(tx storage.Tx) error {
			raw, err := tx.Items().Get(ctx, it.ID)
			recorded = raw.State
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got.State, recorded
	}
	clk.Advance(time.Hour - time.Microsecond)
	if d, r := state(); d != inventory.Active || r != inventory.Active {
		t.Errorf("a microsecond before expiry: %s (recorded %s), want active", d, r)
	}
	if n, _ := pb.ItemSweepExpired(ctx); n != 0 {
		t.Errorf("sweep before expiry expired %d items", n)
	}
	clk.Advance(time.Microsecond)
	if d, r := state(); d != inventory.Expired || r != inventory.Active {
		t.Errorf("at the expiry instant: %s (recorded %s), want expired (recorded active)", d, r)
	}
	page, _ := pb.ItemList(ctx, cust.ID, ItemListParams{State: inventory.Expired})
	if len(page.Items) != 1 || page.Items[0].State != inventory.Expired {
		t.Errorf("Inventory(expired) before the sweep = %+v", page.Items)
	}
	if n, err := pb.ItemSweepExpired(ctx); n != 1 || err != nil {
		t.Fatalf("first sweep = %d, %v; want 1", n, err)
	}
	if d, r := state(); d != inventory.Expired || r != inventory.Expired {
		t.Errorf("after the sweep: %s (recorded %s)", d, r)
	}
	clk.Advance(24 * time.Hour)
	if n, err := pb.ItemSweepExpired(ctx); n != 0 || err != nil {
		t.Errorf("second sweep = %d, %v; want 0", n, err)
	}
	want := []invCmd{{inventory.OnExpire, "unpass 76561198006409530", inventory.Pending}}
	if d := cmp.Diff(want, invCommands(t, pb, it.ID)); d != "" {
		t.Errorf("commands after two sweeps (-want +got):\n%s", d)
	}
}

func TestSweepManyBatches(t *testing.T) {
	ctx := context.Background()
	pb, clk, cust := invSetup(t)
	p := invProduct(t, pb, inventory.Product{
		Name: "Kit", Duration: period.For(1, period.Hour), Stacking: inventory.StackAdd,
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnExpire, Server: "s", Template: "unkit {item_id}"}},
	})
	const n = 2*sweepBatch + 7
	for range n {
		if _, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	if got, err := pb.ItemSweepExpired(ctx); got != n || err != nil {
		t.Fatalf("SweepExpired = %d, %v; want %d", got, err, n)
	}
	page, _ := pb.ItemList(ctx, cust.ID, ItemListParams{Limit: MaxInventoryPage})
	for _, it := range page.Items {
		cmds := invCommands(t, pb, it.ID)
		if len(cmds) != 1 || cmds[0].Text != "unkit "+string(it.ID) {
			t.Fatalf("item %s commands %v", it.ID, cmds)
		}
	}
}

func TestAssignStacking(t *testing.T) {
	ctx := context.Background()
	t.Run("Extend", func(t *testing.T) {
		pb, clk, cust := invSetup(t)
		p := invProduct(t, pb, vipProduct(inventory.StackExtend))
		first, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"})
		clk.Advance(10 * 24 * time.Hour)
		second, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID || !second.ExpiresAt.Equal(invStart.AddDate(0, 0, 60)) || second.Source.Actor != "a" {
			t.Errorf("re-assign = %+v, want %s extended to 60 days from the first grant", second, first.ID)
		}
		want := []invCmd{
			{inventory.OnPurchase, "oxide.usergroup add 76561198006409530 vip", inventory.Pending},
			{inventory.OnPurchase, "say Garry bought VIP", inventory.Pending},
			{inventory.OnRenew, "say Garry renewed VIP until 2027-01-24T12:00:00Z", inventory.Pending},
		}
		if d := cmp.Diff(want, invCommands(t, pb, first.ID)); d != "" {
			t.Errorf("commands (-want +got):\n%s", d)
		}
	})
	t.Run("Add", func(t *testing.T) {
		pb, _, cust := invSetup(t)
		p := invProduct(t, pb, vipProduct(inventory.StackAdd))
		first, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"})
		second, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"})
		page, _ := pb.ItemList(ctx, cust.ID, ItemListParams{State: inventory.Active})
		if second.ID == first.ID || len(page.Items) != 2 {
			t.Errorf("add policy: items %v, want two", page.Items)
		}
		if cmds := invCommands(t, pb, second.ID); len(cmds) != 2 || cmds[0].Stage != inventory.OnPurchase {
			t.Errorf("second item's commands %v, want on_purchase ones", cmds)
		}
	})
}

// The workflow entry points the order and subscription workflows call.
func TestGrantItemAndQueueStage(t *testing.T) {
	ctx := context.Background()
	pb, clk, cust := invSetup(t)
	p := invProduct(t, pb, vipProduct(inventory.StackExtend))
	order1, order2 := "ord_01JD3Z0000000000000000000A", "ord_01JD3Z0000000000000000000B"
	var it inventory.Item
	err := pb.update(ctx, func(tx storage.Tx) (err error) {
		it, err = grantItem(ctx, tx, cust, p, inventory.Source{Kind: inventory.FromOrder, OrderID: order1},
			inventory.Vars{inventory.VarDiscordID: "175928847299117063"}, clk.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if it.Source.OrderID != order1 || it.DiscordUserID != "175928847299117063" {
		t.Errorf("granted %+v", it)
	}
	clk.Advance(time.Hour)
	err = pb.update(ctx, func(tx storage.Tx) error {
		again, err := grantItem(ctx, tx, cust, p, inventory.Source{Kind: inventory.FromOrder, OrderID: order2}, nil, clk.Now())
		if err != nil {
			return err
		}
		if again.ID != it.ID || again.Source.OrderID != order1 || again.Version != it.Version+1 {
			t.Errorf("second order's grant = %+v, want %s extended, source kept", again, it.ID)
		}
		// A refund of the second order queues on_refund naming it.
		cmds, err := queueStage(ctx, tx, again, inventory.OnRefund, inventory.Vars{inventory.VarOrderID: order2}, clk.Now())
		if len(cmds) != 1 || cmds[0].Command != "say refund of "+order2 || cmds[0].Stage != inventory.OnRefund {
			t.Errorf("queueStage = %+v", cmds)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A grant that fails (a bad Discord ID) keeps nothing.
	err = pb.update(ctx, func(tx storage.Tx) error {
		_, err := grantItem(ctx, tx, cust, p, inventory.Source{Kind: inventory.FromOrder, OrderID: order2}, inventory.Vars{inventory.VarDiscordID: "123"}, clk.Now())
		return err
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("grantItem with a bad Discord ID = %v, want ErrInvalid", err)
	}
	if got := len(invCommands(t, pb, it.ID)); got != 4 {
		t.Errorf("%d commands, want 4 (2 on_purchase, on_renew, on_refund)", got)
	}
}

func TestDiscordLink(t *testing.T) {
	ctx := context.Background()
	pb, _, cust := invSetup(t)
	p := invProduct(t, pb, vipProduct(""))
	it, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"})
	got, err := pb.ItemSetDiscord(ctx, it.ID, "175928847299117063")
	if err != nil || got.DiscordUserID != "175928847299117063" || got.Version != it.Version+1 {
		t.Fatalf("SetDiscord = %+v, %v", got, err)
	}
	for _, bad := range []string{"1759288472991170", "175928847299117063000", "abc", "0175928847299117063"} {
		if _, err := pb.ItemSetDiscord(ctx, it.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetDiscord(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a", DiscordID: "12"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AssignItem with a bad Discord ID = %v, want ErrInvalid", err)
	}
	got, err = pb.ItemClearDiscord(ctx, it.ID)
	if err != nil || got.DiscordUserID != "" {
		t.Errorf("ClearDiscord = %+v, %v", got, err)
	}
	if _, err := pb.ItemSetDiscord(ctx, inventory.NewItemID(invStart), "175928847299117063"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDiscord of an unknown item = %v, want ErrNotFound", err)
	}

	// A link given at assignment renders into the item's commands.
	role := invProduct(t, pb, inventory.Product{Name: "Role", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "discord-bot", Template: "role add {discord_id} vip"},
	}})
	linked, err := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: role.ID, Actor: "a", DiscordID: "175928847299117063"})
	if err != nil {
		t.Fatal(err)
	}
	want := []invCmd{{inventory.OnPurchase, "role add 175928847299117063 vip", inventory.Pending}}
	if d := cmp.Diff(want, invCommands(t, pb, linked.ID)); d != "" {
		t.Errorf("commands (-want +got):\n%s", d)
	}
}

func TestInventoryPages(t *testing.T) {
	ctx := context.Background()
	pb, clk, cust := invSetup(t)
	p := invProduct(t, pb, inventory.Product{Name: "Crate", Stacking: inventory.StackAdd})
	var ids []inventory.ItemID
	for range 5 {
		it, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "a"})
		ids = append(ids, it.ID)
		clk.Advance(time.Second)
	}
	slices.Reverse(ids) // newest first
	var got []inventory.ItemID
	var cursor inventory.ItemID
	for pages := 0; ; pages++ {
		page, err := pb.ItemList(ctx, cust.ID, ItemListParams{Cursor: cursor, Limit: 2})
		if err != nil || pages > 3 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("pages (-want +got):\n%s", d)
	}
	if _, err := pb.ItemList(ctx, cust.ID, ItemListParams{State: "gone"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad state = %v, want ErrInvalid", err)
	}
	if _, err := pb.ItemList(ctx, cust.ID, ItemListParams{Cursor: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cursor = %v, want ErrInvalid", err)
	}
	if _, err := pb.ItemList(ctx, customer.NewID(invStart), ItemListParams{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown customer = %v, want ErrNotFound", err)
	}
}

// The state machine: items assigned, revoked and swept through the Client
// while the clock advances, against a plain-Go model of states, expiries
// and command counts.

type invModelProduct struct {
	p                                  inventory.Product
	dur                                time.Duration // 0: forever
	extend, action                     bool
	onPurchase, onRenew, onExpireCount int
}

type invModelItem struct {
	id       inventory.ItemID
	cust     int
	product  int
	expires  *time.Time
	recorded inventory.State
	commands int
}

func (m *invModelItem) stateAt(now time.Time) inventory.State {
	if m.recorded == inventory.Active && m.expires != nil && !now.Before(*m.expires) {
		return inventory.Expired
	}
	return m.recorded
}

type invMachine struct {
	pb       *Client
	clk      *invClock
	custs    []customer.Customer
	products []invModelProduct
	items    []*invModelItem // creation order
}

func cmdTemplates(stage inventory.Stage, n int) []inventory.CommandTemplate {
	var out []inventory.CommandTemplate
	for i := range n {
		out = append(out, inventory.CommandTemplate{Stage: stage, Server: "s", Template: fmt.Sprintf("%s %d {item_id}", stage, i)})
	}
	return out
}

func newInvMachine(t *rapid.T, backend storage.Backend) *invMachine {
	clk := &invClock{t: invStart}
	m := &invMachine{pb: New(backend, &Config{Now: clk.Now}), clk: clk}
	ctx := context.Background()
	for i, name := range []string{"Garry", "Steve"} {
		c, _, err := m.pb.CustomerIdentify(ctx, CustomerIdentifyParams{Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 1000+i), Name: name})
		if err != nil {
			t.Fatal(err)
		}
		m.custs = append(m.custs, c)
	}
	for _, mp := range []invModelProduct{
		{dur: 24 * time.Hour, extend: true, action: true, onPurchase: 1, onRenew: 1, onExpireCount: 2},
		{dur: time.Hour, extend: false, action: false, onPurchase: 2},
		{dur: 0, extend: true, action: true, onPurchase: 1, onExpireCount: 1},
		{dur: 0, extend: false, action: false},
		{dur: 7 * 24 * time.Hour, extend: true, action: false, onRenew: 1},
	} {
		p := inventory.Product{Name: "P", Stacking: inventory.StackAdd}
		if mp.extend {
			p.Stacking = inventory.StackExtend
		}
		if mp.dur != 0 {
			p.Duration = period.For(int(mp.dur/time.Hour), period.Hour)
		}
		p.Commands = append(p.Commands, cmdTemplates(inventory.OnPurchase, mp.onPurchase)...)
		p.Commands = append(p.Commands, cmdTemplates(inventory.OnRenew, mp.onRenew)...)
		p.Commands = append(p.Commands, cmdTemplates(inventory.OnExpire, mp.onExpireCount)...)
		var err error
		if mp.p, err = m.pb.ProductCreate(ctx, p); err != nil {
			t.Fatal(err)
		}
		m.products = append(m.products, mp)
	}
	return m
}

func (m *invMachine) Assign(t *rapid.T) {
	ci := rapid.IntRange(0, len(m.custs)-1).Draw(t, "customer")
	pi := rapid.IntRange(0, len(m.products)-1).Draw(t, "product")
	mp, now := m.products[pi], m.clk.Now()
	// A grant first records the customer's lapsed items of the product as
	// expired, running their expiry action before the new item's commands.
	for _, it := range m.items {
		if it.cust == ci && it.product == pi && it.recorded == inventory.Active && it.stateAt(now) == inventory.Expired {
			it.recorded = inventory.Expired
			if mp.action {
				it.commands += mp.onExpireCount
			}
		}
	}
	var target *invModelItem
	if mp.dur != 0 && mp.extend {
		for _, it := range m.items {
			if it.cust == ci && it.product == pi && it.stateAt(now) == inventory.Active && it.expires != nil &&
				(target == nil || it.expires.After(*target.expires)) {
				target = it
			}
		}
	}
	got, err := m.pb.ItemAssign(context.Background(), ItemAssignParams{Customer: m.custs[ci].ID, Product: mp.p.ID, Actor: "admin"})
	if err != nil {
		t.Fatalf("AssignItem: %v", err)
	}
	if target != nil {
		if got.ID != target.id {
			t.Fatalf("AssignItem made %s, want %s extended", got.ID, target.id)
		}
		e := target.expires.Add(mp.dur)
		target.expires = &e
		target.commands += mp.onRenew
		return
	}
	it := &invModelItem{id: got.ID, cust: ci, product: pi, recorded: inventory.Active, commands: mp.onPurchase}
	if mp.dur != 0 {
		e := now.Add(mp.dur)
		it.expires = &e
	}
	m.items = append(m.items, it)
}

func (m *invMachine) Revoke(t *rapid.T) {
	if len(m.items) == 0 {
		t.Skip("no items")
	}
	it := m.items[rapid.IntRange(0, len(m.items)-1).Draw(t, "item")]
	mp, now := m.products[it.product], m.clk.Now()
	_, err := m.pb.ItemRevoke(context.Background(), it.id, ItemRevokeParams{Reason: "test", Actor: "admin"})
	allowed := it.stateAt(now) == inventory.Active && (it.expires != nil || mp.action)
	var re *inventory.RevokeError
	switch {
	case allowed && err != nil:
		t.Fatalf("RevokeItem(%s) = %v, want success", it.id, err)
	case !allowed && !errors.As(err, &re):
		t.Fatalf("RevokeItem(%s) in state %s (expires %v, action %v) = %v, want *inventory.RevokeError", it.id, it.stateAt(now), it.expires, mp.action, err)
	case allowed:
		it.recorded = inventory.Revoked
		if mp.action {
			it.commands += mp.onExpireCount
		}
	}
}

func (m *invMachine) Sweep(t *rapid.T) {
	now, want := m.clk.Now(), 0
	for _, it := range m.items {
		if it.recorded == inventory.Active && it.stateAt(now) == inventory.Expired {
			it.recorded = inventory.Expired
			if m.products[it.product].action {
				it.commands += m.products[it.product].onExpireCount
			}
			want++
		}
	}
	if got, err := m.pb.ItemSweepExpired(context.Background()); got != want || err != nil {
		t.Fatalf("SweepExpired = %d, %v; want %d", got, err, want)
	}
}

func (m *invMachine) Advance(t *rapid.T) {
	now := m.clk.Now()
	steps := []time.Duration{time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	// Landing exactly on an expiry exercises the instant it ends.
	for _, it := range m.items {
		if it.expires != nil && it.expires.After(now) {
			steps = append(steps, it.expires.Sub(now))
		}
	}
	m.clk.Advance(rapid.SampledFrom(steps).Draw(t, "advance"))
}

func (m *invMachine) Check(t *rapid.T) {
	ctx, now := context.Background(), m.clk.Now()
	for ci, c := range m.custs {
		page, err := m.pb.ItemList(ctx, c.ID, ItemListParams{Limit: MaxInventoryPage})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			ID       inventory.ItemID
			State    inventory.State
			Expires  *time.Time
			Commands int
		}
		var got, want []row
		for _, it := range page.Items {
			cmds, err := m.pb.CommandList(ctx, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row{it.ID, it.State, it.ExpiresAt, len(cmds)})
		}
		for i := len(m.items) - 1; i >= 0; i-- {
			if it := m.items[i]; it.cust == ci {
				want = append(want, row{it.id, it.stateAt(now), it.expires, it.commands})
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("customer %d at %v (-model +client):\n%s", ci, now, d)
		}
	}
}

func TestInventoryStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newInvMachine(t, memory.New())
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestInventoryStateMachinePostgres runs the same machine on PostgreSQL,
// each iteration on emptied tables, fewer iterations unless -rapid.checks
// says otherwise.
func TestInventoryStateMachinePostgres(t *testing.T) {
	backend := pgtest.NewBackend(t)
	fewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		pgtest.Truncate(t, backend)
		m := newInvMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

// TestInventoryStateMachineSQLite runs the same machine on a SQLite file (WAL,
// the writer and the readers on separate connections), each iteration on
// emptied tables, fewer iterations unless -rapid.checks says otherwise.
func TestInventoryStateMachineSQLite(t *testing.T) {
	backend := sqlitetest.NewBackend(t)
	fewerRapidChecks(t, 25)
	rapid.Check(t, func(t *rapid.T) {
		sqlitetest.Truncate(t, backend)
		m := newInvMachine(t, backend)
		t.Repeat(rapid.StateMachineActions(m))
	})
}

func ExampleClient_ItemRevoke() {
	ctx := context.Background()
	pb := New(memory.New(), nil)
	garry, _, _ := pb.CustomerIdentify(ctx, CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	vip, _ := pb.ProductCreate(ctx, inventory.Product{
		Name: "VIP", Duration: period.For(30, period.Day),
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "rust-eu", Template: "oxide.usergroup remove {steam_id} vip"},
		},
	})
	it, _ := pb.ItemAssign(ctx, ItemAssignParams{Customer: garry.ID, Product: vip.ID, Actor: "admin:alice"})
	it, _ = pb.ItemRevoke(ctx, it.ID, ItemRevokeParams{Reason: "chargeback", Actor: "admin:alice"})
	fmt.Println(it.State, it.RevokeReason)
	cmds, _ := pb.CommandList(ctx, it.ID)
	for _, c := range cmds {
		fmt.Printf("%s %s %q %s\n", c.Stage, c.Server, c.Command, c.Status)
	}
	_, err := pb.ItemRevoke(ctx, it.ID, ItemRevokeParams{Reason: "again", Actor: "admin:alice"})
	var re *inventory.RevokeError
	fmt.Println(errors.Is(err, ErrConflict), errors.As(err, &re) && re.Why == inventory.RefusedRevoked)
	// Output:
	// revoked chargeback
	// on_purchase rust-eu "oxide.usergroup add 76561198006409530 vip" pending
	// on_expire rust-eu "oxide.usergroup remove 76561198006409530 vip" pending
	// true true
}
