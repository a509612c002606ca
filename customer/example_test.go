package customer_test

import (
	"fmt"
	"strconv"

	"github.com/playerbase/playerbase/customer"
)

// Every common form of a Steam account parses to one SteamID64.
func ExampleParsePlatformID() {
	for _, in := range []string{"STEAM_0:0:23071901", "[U:1:46143802]", "https://steamcommunity.com/profiles/76561198006409530"} {
		pid, err := customer.ParsePlatformID(customer.Steam, in)
		if err != nil {
			panic(err)
		}
		fmt.Println(pid.Value)
	}
	pid := customer.MustPlatformID(customer.Steam, "76561198006409530")
	id, _ := strconv.ParseUint(pid.Value, 10, 64)
	fmt.Println(customer.SteamID2(id), customer.SteamID3(id), pid.ProfileURL())

	java := customer.MustPlatformID(customer.MinecraftJava, "708F6260183D3912BBDE5E279A5E739A")
	fmt.Println(java.Value, "offline:", java.Offline(), java.Value == customer.OfflineUUID("tuxed"))
	// Output:
	// 76561198006409530
	// 76561198006409530
	// 76561198006409530
	// STEAM_0:0:23071901 [U:1:46143802] https://steamcommunity.com/profiles/76561198006409530
	// 708f6260-183d-3912-bbde-5e279a5e739a offline: true true
}
