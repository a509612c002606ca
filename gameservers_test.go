package playerbase_test

import (
	"context"
	"errors"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/storage/memory"
)

func TestGameServerRecords(t *testing.T) {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	s, secret, err := pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: "eu-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: "eu-1"}); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("a second eu-1 = %v, want ErrConflict", err)
	}
	if got, err := pb.GameServerAuthenticate(ctx, secret); err != nil || got.ID != s.ID {
		t.Errorf("GameServerAuthenticate = %v, %v", got.ID, err)
	}
	if _, err := pb.GameServerAuthenticate(ctx, string(gameserver.NewID(s.Created))+".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, gameserver.ErrBadToken) {
		t.Errorf("an unknown server's secret = %v, want ErrBadToken", err)
	}
	if _, err := pb.GameServerSetEnabled(ctx, s.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.GameServerAuthenticate(ctx, secret); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("a disabled server = %v, want ErrForbidden", err)
	}
	list, err := pb.GameServerList(ctx)
	if err != nil || len(list) != 1 || list[0].Enabled {
		t.Errorf("GameServerList = %+v, %v", list, err)
	}
}

// A join records the IP on the customer a Steam ID, a Java UUID or a
// Bedrock player's Floodgate UUID names; an unknown player is no error.
func TestCustomerRecordJoin(t *testing.T) {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	bedrock, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftBedrock, PlatformID: "2535428692075499", Name: "Steve"})
	if err != nil {
		t.Fatal(err)
	}
	c, found, err := pb.CustomerRecordJoin(ctx, playerbase.CustomerRecordJoinParams{
		MinecraftUUID: customer.FloodgateUUID(2535428692075499), IP: "::ffff:203.0.113.5",
	})
	if err != nil || !found || c.ID != bedrock.ID || len(c.KnownIPs) != 1 || c.KnownIPs[0].String() != "203.0.113.5" {
		t.Errorf("CustomerRecordJoin = %+v, %v, %v", c, found, err)
	}
	if _, found, err := pb.CustomerRecordJoin(ctx, playerbase.CustomerRecordJoinParams{SteamID: "76561198006409530", IP: "203.0.113.5"}); found || err != nil {
		t.Errorf("an unknown player: found %v, %v", found, err)
	}
	if _, _, err := pb.CustomerRecordJoin(ctx, playerbase.CustomerRecordJoinParams{SteamID: "76561198006409530", IP: "nope"}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("a bad IP = %v, want ErrInvalid", err)
	}
}
