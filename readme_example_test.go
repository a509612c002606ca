package playerbase_test

import (
	"context"
	"fmt"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/storage/memory"
)

// The README's sample: any SteamID form identifies the same customer.
func ExampleNew() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil) // nil config: time.Now clock, defaults

	cust, created, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry",
	})
	if err != nil {
		panic(err)
	}
	again, created2, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: "[U:1:46143802]", Name: "Garry",
	})
	fmt.Println(cust.PlatformID.Value, created)
	fmt.Println(again.ID == cust.ID, created2)
	// Output:
	// 76561198006409530 true
	// true false
}
