// Command gameserver shows the game-server side of playerbase over HTTP (on
// the in-memory store unless -db names a SQLite file or a PostgreSQL URL): the
// store serves the game-server API (package gameapi) on a loopback port, and
// a Rust server's plugin, written with package gameclient, links its token,
// refuses banned players at join, reports joins, and delivers the store's
// commands exactly once, even when it crashes between running a command and
// acknowledging it. A plugin in any other language speaks the same HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/examples/internal/backend"
	"github.com/playerbase/playerbase/examples/internal/sim"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
)

func main() {
	db := backend.Flag()
	flag.Parse()
	ctx := context.Background()
	be, err := backend.Open(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, os.Stdout, sim.NewConsole("say ", "inventory.giveto "), be); err != nil {
		log.Fatal(err)
	}
}

const server = "rust-eu-1"

func run(ctx context.Context, out io.Writer, con *sim.Console, be storage.Backend) error {
	clk := sim.NewClock(time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC))
	pb := playerbase.New(be, &playerbase.Config{Now: clk.Now})
	defer pb.Close()

	// The store side: a kit with a command that needs the player online
	// and one that does not, a buyer, a cheater banned by SteamID and IP
	// range, and the game server's record with its token.
	kit, err := pb.ProductCreate(ctx, inventory.Product{
		Name: "Starter kit",
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: server, Template: "inventory.giveto {steam_id} kit.starter", OnlineOnly: true},
			{Stage: inventory.OnPurchase, Server: server, Template: "say {name} got the starter kit"},
		},
	})
	if err != nil {
		return err
	}
	garry, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		return err
	}
	ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{
		Reason: "aimbot", Actor: "admin:alice",
		Identities: []bans.Identity{{Type: bans.Steam, Value: "STEAM_0:1:42"}, {Type: bans.IPRange, Value: "198.51.100.0/24"}},
	})
	if err != nil {
		return err
	}
	item, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: garry.ID, Product: kit.ID, Actor: "admin:alice"})
	if err != nil {
		return err
	}
	_, token, err := pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: server})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "store: %s owns %s; ban %s is active; game server %s registered\n", garry.Name, kit.Name, ban.ID, server)

	// The host mounts the API on its own listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The API answers join checks from memory, from an index that follows
	// every ban the store makes.
	watch, err := pb.BanWatch(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = watch.Close() }() // Close always returns nil
	srv := &http.Server{Handler: gameapi.New(pb, &gameapi.Options{Logger: quiet, BanIndex: watch.Index()}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns when Close stops it
	defer func() { _ = srv.Close() }()
	base := "http://" + ln.Addr().String()

	// The plugin's journal lives on disk, so it outlives a crash.
	dir, err := os.MkdirTemp("", "gameserver-journal")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	journalPath := filepath.Join(dir, "delivered.journal")
	plugin, journal, err := start(base, token, journalPath, nil)
	if err != nil {
		return err
	}
	if _, err := plugin.Link(ctx, gameclient.LinkParams{IP: "203.0.113.1", Hostname: "Rust EU 1", Platform: "rust", Version: "1.0.0"}); err != nil {
		return err
	}

	g := &game{plugin: plugin, online: map[string]player{}}
	for _, p := range []player{
		{steamID: "76561197960265813", name: "Cheater", ip: "203.0.113.9"},
		{steamID: "76561198000000001", name: "Alt", ip: "198.51.100.77"},
	} {
		fmt.Fprintf(out, "join %s: %v\n", p.name, g.join(ctx, p))
	}

	// Garry is offline: only the command that does not need him runs.
	r, err := g.deliver(ctx, con)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "round 1 (Garry offline): %d delivered\n", r.Received)

	if err := g.join(ctx, player{steamID: garry.PlatformID.Value, name: garry.Name, ip: "203.0.113.20"}); err != nil {
		return err
	}
	fmt.Fprintf(out, "join %s: ok\n", garry.Name)

	// The plugin runs the kit command and dies before acknowledging it.
	if err := journal.Close(); err != nil {
		return err
	}
	g.plugin, journal, err = start(base, token, journalPath, crashBeforeAck{new(atomic.Bool)})
	if err != nil {
		return err
	}
	r, err = g.deliver(ctx, con)
	if !errors.Is(err, errCrashed) {
		return fmt.Errorf("round 2: want a crash, got %v", err)
	}
	fmt.Fprintf(out, "round 2: %d delivered, plugin crashed before the ack\n", r.Received)

	// The server restarts with the journal it wrote, which says the
	// command ran: its first poll reports that, and the store shows it
	// executed at once. The command is not handed out again, not even
	// when its lease would have run out.
	if err := journal.Close(); err != nil {
		return err
	}
	g.plugin, journal, err = start(base, token, journalPath, nil)
	if err != nil {
		return err
	}
	defer func() { _ = journal.Close() }()
	if r, err = g.deliver(ctx, con); err != nil {
		return err
	}
	fmt.Fprintf(out, "round 3 (restarted): %d delivered, %d executed reported from the journal without running again\n", r.Received, r.Executed)
	clk.Advance(playerbase.DefaultLeaseDuration)
	if r, err = g.deliver(ctx, con); err != nil {
		return err
	}
	fmt.Fprintf(out, "round 4 (the lease would have run out): %d delivered\n", r.Received)

	fmt.Fprintln(out, "console ran:")
	for _, c := range con.Ran() {
		fmt.Fprintf(out, "  %s\n", c)
	}
	cmds, err := pb.CommandList(ctx, item.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "store shows:")
	for _, c := range cmds {
		fmt.Fprintf(out, "  %-8s %-10s %s (attempts %d)\n", c.Status, c.Server, c.Command, c.Attempts)
	}
	cust, err := pb.CustomerGet(ctx, garry.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Garry's known IPs (from the join): %v\n", cust.KnownIPs)
	return nil
}

// start (re)starts the plugin with the journal at path; rt, if set, sits
// in front of the network.
func start(base, token, path string, rt http.RoundTripper) (*gameclient.Client, *gameclient.FileJournal, error) {
	j, err := gameclient.OpenFileJournal(path)
	if err != nil {
		return nil, nil, err
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if rt != nil {
		hc.Transport = rt
	}
	c, err := gameclient.New(gameclient.Config{BaseURL: base, Token: token, HTTPClient: hc, Journal: j})
	if err != nil {
		_ = j.Close()
		return nil, nil, err
	}
	return c, j, nil
}

var errCrashed = errors.New("plugin crashed")

// crashBeforeAck lets the first request through, the poll that hands out
// the commands, and fails every later one, as a plugin that dies right
// after running its commands, before it reports them.
type crashBeforeAck struct{ polled *atomic.Bool }

func (c crashBeforeAck) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.polled.Swap(true) {
		return nil, errCrashed
	}
	return http.DefaultTransport.RoundTrip(r)
}

type player struct{ steamID, name, ip string }

// game is the server's side of the plugin: who is online, and the join
// check.
type game struct {
	plugin *gameclient.Client
	mu     sync.Mutex
	online map[string]player
}

// refused is a join refused by a ban.
type refused struct {
	name string
	ban  string
}

func (e *refused) Error() string { return fmt.Sprintf("%s may not join: banned (%s)", e.name, e.ban) }

func (g *game) join(ctx context.Context, p player) error {
	st, err := g.plugin.CheckBan(ctx, gameclient.BanQuery{SteamID: p.steamID, Name: p.name, IPAddress: p.ip})
	if err != nil {
		return err
	}
	if st.Banned {
		return &refused{name: p.name, ban: st.BanIDs[0]}
	}
	if err := g.plugin.ReportJoins(ctx, gameclient.Join{IPAddress: p.ip, SteamID: p.steamID}); err != nil {
		return err
	}
	g.mu.Lock()
	g.online[p.steamID] = p
	g.mu.Unlock()
	return nil
}

func (g *game) deliver(ctx context.Context, con *sim.Console) (gameclient.Report, error) {
	g.mu.Lock()
	var ids []string
	for id := range g.online {
		ids = append(ids, id)
	}
	g.mu.Unlock()
	return g.plugin.Deliver(ctx, gameclient.Players{SteamIDs: ids}, func(_ context.Context, c gameclient.Command) error {
		return con.Run(c.Command)
	})
}
