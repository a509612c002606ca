package gameapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/gameclient"
)

// What a game server changes over the API is its own in the change feed:
// an ack, a failure report and a join each append an event by
// "gameserver:<name>".
func TestGameServerIsTheActor(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	_, token := f.server("rust-eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "oxide.grant user {steam_id} vip", "say hi"))
	start, err := f.pb.EventLast(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(token, nil)
	r, err := c.Deliver(ctx, gameclient.Players{}, func(_ context.Context, cmd gameclient.Command) error {
		if strings.HasPrefix(cmd.Command, "oxide.grant") {
			return errors.New("Unknown command: oxide.grant")
		}
		return nil
	})
	if err != nil || r.Executed != 1 || r.Failed != 1 {
		t.Fatalf("Deliver = %+v, %v; want 1 executed, 1 failed", r, err)
	}
	if err := c.ReportJoins(ctx, gameclient.Join{SteamID: garry.PlatformID.Value, IPAddress: "198.51.100.23"}); err != nil {
		t.Fatal(err)
	}
	page, err := f.pb.EventList(ctx, playerbase.EventListParams{After: start})
	if err != nil {
		t.Fatal(err)
	}
	var got []events.Type
	for _, e := range page.Events {
		got = append(got, e.Type)
		if e.Actor != "gameserver:rust-eu-1" || e.Customer != garry.ID {
			t.Errorf("%s by %q about %s, want by gameserver:rust-eu-1 about %s", e.Type, e.Actor, e.Customer, garry.ID)
		}
	}
	want := map[events.Type]int{events.CommandExecuted: 1, events.CommandFailed: 1, events.CustomerUpdated: 1}
	for _, typ := range got {
		want[typ]--
	}
	for typ, n := range want {
		if n != 0 {
			t.Errorf("events %v: %s off by %d (a poll's lease is no event)", got, typ, n)
		}
	}
}
