// Command gameserver shows the game-server side of playerbase (on the
// in-memory store unless -db names a SQLite file or a PostgreSQL URL): a
// simulated Rust server whose plugin refuses a banned player at join (from
// an in-memory ban index) and delivers the store's commands exactly once,
// even when it crashes between running a command and acknowledging it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/examples/internal/backend"
	"github.com/playerbase/playerbase/examples/internal/gamesim"
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
	if err := run(ctx, os.Stdout, &gamesim.RecordingConsole{}, be); err != nil {
		log.Fatal(err)
	}
}

const server = "rust-eu-1"

func run(ctx context.Context, out io.Writer, console *gamesim.RecordingConsole, be storage.Backend) error {
	clk := gamesim.NewClock(time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC))
	pb := playerbase.New(be, &playerbase.Config{Now: clk.Now})
	defer pb.Close()

	// The store side: a kit with a command that needs the player online
	// and one that does not, a buyer, and a cheater banned by SteamID.
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
	fmt.Fprintf(out, "store: %s owns %s; ban %s is active\n", garry.Name, kit.Name, ban.ID)

	// The game server loads the ban index once and asks it on every join.
	index, err := pb.BanIndex(ctx)
	if err != nil {
		return err
	}
	journal := gamesim.NewJournal()
	srv := gamesim.New(server, pb, index, journal, console, clk.Now)
	for _, p := range []gamesim.Player{
		{ID: "76561197960265813", Name: "Cheater", IP: netip.MustParseAddr("203.0.113.9")},
		{ID: "76561198000000001", Name: "Alt", IP: netip.MustParseAddr("198.51.100.77")},
	} {
		fmt.Fprintf(out, "join %s: %v\n", p.Name, srv.Join(p))
	}

	// Garry is offline: only the command that does not need him runs.
	r, err := srv.Deliver(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "round 1 (Garry offline): %d delivered\n", r.Delivered)

	if err := srv.Join(gamesim.Player{ID: garry.PlatformID.Value, Name: garry.Name}); err != nil {
		return err
	}
	fmt.Fprintf(out, "join %s: ok\n", garry.Name)

	// The plugin runs the kit command and dies before acknowledging it.
	r, err = srv.DeliverAndCrash(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "round 2: %d delivered, plugin crashed before the ack\n", r.Delivered)

	// The server restarts with the same journal; Garry rejoins. Until the
	// lease runs out the command is held; then it comes back under the
	// same key, and the journal says it already ran.
	srv = gamesim.New(server, pb, index, journal, console, clk.Now)
	if err := srv.Join(gamesim.Player{ID: garry.PlatformID.Value, Name: garry.Name}); err != nil {
		return err
	}
	r, err = srv.Deliver(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "round 3 (lease held): %d delivered\n", r.Delivered)
	clk.Advance(playerbase.DefaultLeaseDuration)
	r, err = srv.Deliver(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "round 4 (lease ran out): %d delivered, acknowledged from the journal without running again\n", r.Delivered)

	fmt.Fprintln(out, "console ran:")
	for _, c := range console.Ran() {
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
	return nil
}
