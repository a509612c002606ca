package playerbase_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// gameServer simulates one game server with a delivery plugin: several
// poll loops share its executed-key set, which survives their crashes, as
// a plugin's would (a file or the server's database). Running a command and
// recording its key happen in one step under mu, as on a server's main
// thread.
type gameServer struct {
	t      *testing.T
	name   string
	online map[string]bool // canonical player IDs

	mu       sync.Mutex
	executed map[string]string // key → error text, "" if it ran fine
	effects  map[string]int    // key → times the command took effect
	leases   map[string][]lease
}

type lease struct {
	start, end time.Time
	attempt    int
}

func newGameServer(t *testing.T, name string, online []string) *gameServer {
	g := &gameServer{t: t, name: name, online: map[string]bool{}, executed: map[string]string{},
		effects: map[string]int{}, leases: map[string][]lease{}}
	for _, p := range online {
		g.online[p] = true
	}
	return g
}

func (g *gameServer) onlineList() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.online))
	for p := range g.online {
		out = append(out, p)
	}
	return out
}

func (g *gameServer) setOnline(p string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.online[p] = true
}

// received records a lease handed out at now.
func (g *gameServer) received(ds []playerbase.Delivery, leaseFor time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range ds {
		g.leases[d.Key] = append(g.leases[d.Key], lease{d.LeaseExpiresAt.Add(-leaseFor), d.LeaseExpiresAt, d.Attempt})
	}
}

// run executes d unless its key ran before, and returns the result to
// acknowledge.
func (g *gameServer) run(d playerbase.Delivery) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if res, ok := g.executed[d.Key]; ok {
		return res
	}
	if d.OnlineOnly && !g.online[d.Player] {
		g.t.Errorf("%s: online-only command %s delivered while %s is offline", g.name, d.Key, d.Player)
	}
	g.effects[d.Key]++
	res := ""
	if strings.HasPrefix(d.Command, "broken") {
		res = "Unknown command: " + strings.Fields(d.Command)[0]
	}
	g.executed[d.Key] = res
	return res
}

func (g *gameServer) result(key string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	res, ok := g.executed[key]
	return res, ok
}

// chaosConfig sizes a chaos run.
type chaosConfig struct {
	players, kitsEach, pollers, rounds int
}

// The chaos test: concurrent pollers of one server, a clock that jumps past
// leases, crashes before and after running a command, duplicate and stale
// acks. Every command must take effect exactly once on its server, never
// under two live leases, and end with the status its server reported.
func TestDeliveryChaos(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		runChaos(t, memory.New(), chaosConfig{players: 6, kitsEach: 8, pollers: 4, rounds: 80})
	})
	t.Run("postgres", func(t *testing.T) {
		runChaos(t, pgtest.NewBackend(t), chaosConfig{players: 4, kitsEach: 5, pollers: 4, rounds: 40})
	})
	t.Run("sqlite", func(t *testing.T) {
		runChaos(t, sqlitetest.NewBackend(t), chaosConfig{players: 4, kitsEach: 5, pollers: 4, rounds: 40})
	})
}

func runChaos(t *testing.T, b storage.Backend, cfg chaosConfig) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const leaseFor = 30 * time.Second
	clock := &manualClock{now: deliveryStart}
	pb := playerbase.New(b, &playerbase.Config{Now: clock.Now, LeaseDuration: leaseFor})

	kit, err := pb.ProductCreate(ctx, inventory.Product{Name: "Kit", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "inventory.giveto {steam_id} rifle.ak 1 // {item_id}"},
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "say {name} got a kit // {item_id}", OnlineOnly: true},
		{Stage: inventory.OnPurchase, Server: "us-1", Template: "inventory.giveto {steam_id} rifle.ak 1 // {item_id}"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	broken, err := pb.ProductCreate(ctx, inventory.Product{Name: "Broken", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "broken.cmd {steam_id} // {item_id}"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var items []inventory.ItemID
	var online []string
	var offline []string
	for i := range cfg.players {
		cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 1000+i), Name: fmt.Sprintf("P%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			offline = append(offline, cust.PlatformID.Value)
		} else {
			// The server reports players as STEAM_X:Y:Z; Poll matches
			// them to the canonical SteamID64.
			online = append(online, customer.SteamID2(mustSteam(t, cust.PlatformID.Value)))
		}
		for k := range cfg.kitsEach + 1 {
			p := kit.ID
			if k == cfg.kitsEach {
				p = broken.ID
			}
			it, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: p, Actor: "admin:chaos"})
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, it.ID)
		}
	}
	eu := newGameServer(t, "eu-1", nil)
	for _, p := range online {
		eu.setOnline(inventory.CanonicalPlayer(p))
	}

	var wg sync.WaitGroup
	for w := range cfg.pollers {
		rnd := rand.New(rand.NewPCG(uint64(w), 42))
		wg.Go(func() {
			var acked [][]playerbase.DeliveryResult // for stale re-acks
			for range cfg.rounds {
				if ctx.Err() != nil {
					return
				}
				ds, err := pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "eu-1", OnlinePlayers: online, Limit: 1 + rnd.IntN(8)})
				if err != nil {
					t.Errorf("Poll: %v", err)
					return
				}
				eu.received(ds, leaseFor)
				var results []playerbase.DeliveryResult
				crashed := false
				for _, d := range ds {
					if rnd.IntN(20) == 0 { // crash before running the rest
						crashed = true
						break
					}
					res := eu.run(d)
					if rnd.IntN(10) == 0 { // crash after running, before the ack
						crashed = true
						break
					}
					results = append(results, playerbase.DeliveryResult{Key: d.Key, Error: res})
				}
				if rnd.IntN(5) == 0 {
					// A slow server: the clock passes its leases (and
					// maybe others') before it acknowledges.
					clock.Advance(time.Duration(rnd.IntN(45)) * time.Second)
				}
				if crashed && rnd.IntN(2) == 0 {
					continue // the crash lost the whole batch's acks
				}
				ack := func(rs []playerbase.DeliveryResult) {
					out, err := pb.DeliveryAck(ctx, "eu-1", rs)
					if err != nil {
						t.Errorf("Ack: %v", err)
						return
					}
					for i, o := range out {
						want, _ := eu.result(rs[i].Key)
						if o.Err != nil || o.Status == "" || (o.Status == inventory.Failed) != (want != "") {
							t.Errorf("Ack %s = %+v; the server's result was %q", rs[i].Key, o, want)
						}
					}
				}
				ack(results)
				acked = append(acked, results)
				if rnd.IntN(5) == 0 {
					ack(results) // a retried request
				}
				if rnd.IntN(5) == 0 {
					ack(acked[rnd.IntN(len(acked))]) // a stale batch, delivered late
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Drain: everyone comes online, no more crashes; leases run out.
	for _, p := range offline {
		eu.setOnline(p)
	}
	for range 100 {
		clock.Advance(leaseFor)
		ds, err := pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "eu-1", OnlinePlayers: eu.onlineList(), Limit: playerbase.MaxPollLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			break
		}
		eu.received(ds, leaseFor)
		var results []playerbase.DeliveryResult
		for _, d := range ds {
			results = append(results, playerbase.DeliveryResult{Key: d.Key, Error: eu.run(d)})
		}
		if _, err := pb.DeliveryAck(ctx, "eu-1", results); err != nil {
			t.Fatal(err)
		}
	}

	total, reLeased := 0, 0
	for _, id := range items {
		cmds, err := pb.CommandList(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cmds {
			key := c.DeliveryKey()
			if c.Server == "us-1" {
				if c.Status != inventory.Pending || c.Attempts != 0 || eu.effects[key] != 0 {
					t.Errorf("us-1 command %s: %s, %d attempts, %d effects on eu-1; want untouched", key, c.Status, c.Attempts, eu.effects[key])
				}
				continue
			}
			total++
			if n := eu.effects[key]; n != 1 {
				t.Errorf("%s (%s) took effect %d times", key, c.Command, n)
			}
			wantStatus, wantErr := inventory.Executed, ""
			if strings.HasPrefix(c.Command, "broken") {
				wantStatus, wantErr = inventory.Failed, "Unknown command: broken.cmd"
			}
			if c.Status != wantStatus || c.Error != wantErr {
				t.Errorf("%s: %s %q, want %s %q", key, c.Status, c.Error, wantStatus, wantErr)
			}
			ls := slices.Clone(eu.leases[key])
			slices.SortFunc(ls, func(a, b lease) int { return a.attempt - b.attempt })
			if len(ls) != c.Attempts {
				t.Errorf("%s: %d leases handed out, record says %d attempts", key, len(ls), c.Attempts)
			}
			for i := range ls {
				if ls[i].attempt != i+1 {
					t.Errorf("%s: attempts %v, want 1, 2, … once each", key, ls)
					break
				}
				if i > 0 && ls[i].start.Before(ls[i-1].end) {
					t.Errorf("%s: lease %d from %v while lease %d lasted until %v", key, i+1, ls[i].start, i, ls[i-1].end)
				}
			}
			if len(ls) > 1 {
				reLeased++
			}
		}
	}
	if len(eu.effects) != total {
		t.Errorf("%d keys took effect on eu-1, the store has %d eu-1 commands", len(eu.effects), total)
	}
	t.Logf("%d commands, %d delivered more than once", total, reLeased)
	if reLeased == 0 {
		t.Errorf("no command was delivered twice: the chaos did not exercise lease expiry")
	}
}

func mustSteam(t *testing.T, s string) uint64 {
	t.Helper()
	id, err := customer.ParseSteamID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
