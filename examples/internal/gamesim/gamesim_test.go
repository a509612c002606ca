package gamesim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/examples/internal/gamesim"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage/memory"
)

// A command the console refuses is acknowledged as failed, with the
// console's error, and the journal keeps it from running again.
func TestFailedCommandIsReportedOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock})
	p, err := pb.ProductCreate(ctx, inventory.Product{Name: "Broken", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "s1", Template: "teleport {steam_id} spawn"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin:alice"})
	if err != nil {
		t.Fatal(err)
	}
	console := &gamesim.RecordingConsole{}
	srv := gamesim.New("s1", pb, bans.NewIndex(nil), gamesim.NewJournal(), console, clock)
	r, err := srv.Deliver(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered != 1 || len(r.Outcomes) != 1 || r.Outcomes[0].Status != inventory.Failed {
		t.Fatalf("round = %+v, want one failed command", r)
	}
	cmds, err := pb.CommandList(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 1 || cmds[0].Status != inventory.Failed || cmds[0].Error != `unknown command "teleport"` {
		t.Fatalf("commands = %+v, want one failed with the console's error", cmds)
	}
	if r, err := srv.Deliver(ctx); err != nil || r.Delivered != 0 {
		t.Fatalf("second round = %+v, %v; want nothing left", r, err)
	}
	if len(console.Ran()) != 0 {
		t.Errorf("console ran %q", console.Ran())
	}
}

func TestBannedPlayerIsRefused(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	ban := bans.Ban{ID: "ban_01JZ0000000000000000000000", Reason: "x", Identities: []bans.Identity{{Type: bans.Name, Value: "griefer"}}}
	srv := gamesim.New("s1", nil, bans.NewIndex([]bans.Ban{ban}), gamesim.NewJournal(), &gamesim.RecordingConsole{}, func() time.Time { return now })
	err := srv.Join(gamesim.Player{ID: "76561198006409530", Name: "Griefer"})
	var refused *gamesim.RefusedError
	if !errors.As(err, &refused) || refused.Ban != ban.ID {
		t.Fatalf("Join = %v, want refused by %s", err, ban.ID)
	}
	if len(srv.Online()) != 0 {
		t.Error("a refused player is online")
	}
	if err := srv.Join(gamesim.Player{ID: "76561197960265813", Name: "Builder"}); err != nil {
		t.Fatal(err)
	}
}
