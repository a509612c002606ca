package playerbase_test

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage/memory"
)

// A login names a Steam customer in any form; metadata and a token follow.
// IDs and secrets are random, so the example prints what is stable.
func ExampleClient() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	defer pb.Close()

	cust, created, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry",
	})
	if err != nil {
		panic(err)
	}
	id64, _ := strconv.ParseUint(cust.PlatformID.Value, 10, 64)
	fmt.Println("created:", created)
	fmt.Println("SteamID64:", cust.PlatformID.Value, customer.SteamID3(id64))
	fmt.Println("profile:", cust.PlatformID.ProfileURL())

	md, err := pb.MetadataUpdate(ctx, cust.ID, []metadata.Field{
		{Key: "discord", Value: "garry"},
		{Key: "", Value: ""}, // an empty row in the form: dropped
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("metadata:", md)

	expires := time.Now().Add(30 * 24 * time.Hour)
	_, secret, err := pb.TokenIssue(ctx, cust.ID, playerbase.TokenIssueParams{Label: "website", ExpiresAt: &expires})
	if err != nil {
		panic(err)
	}
	owner, err := pb.TokenAuthenticate(ctx, secret)
	fmt.Println("token authenticates:", err == nil && owner == cust.ID)

	if _, err := pb.TokenRevokeAll(ctx, cust.ID); err != nil {
		panic(err)
	}
	_, err = pb.TokenAuthenticate(ctx, secret)
	fmt.Println("after revoke:", err)
	// Output:
	// created: true
	// SteamID64: 76561198006409530 [U:1:46143802]
	// profile: https://steamcommunity.com/profiles/76561198006409530
	// metadata: map[discord:garry]
	// token authenticates: true
	// after revoke: forbidden: token is unknown, expired or revoked
}
