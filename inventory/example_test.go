package inventory_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
)

func ExampleRender() {
	garry := customer.Customer{
		ID: "cus_01JD3Z0000000000000000000A", Name: "Garry",
		PlatformID: customer.MustPlatformID(customer.Steam, "STEAM_0:0:23071901"),
	}
	tpl := "oxide.usergroup add {steam_id} vip // {name}"
	if err := inventory.ValidateTemplate(tpl); err != nil {
		panic(err)
	}
	fmt.Println(inventory.Render(tpl, inventory.CustomerVars(garry)))
	fmt.Println(inventory.ValidateTemplate("kit {player} starter"))
	// Output:
	// oxide.usergroup add 76561198006409530 vip // Garry
	// invalid template: unknown variable {player} at byte 4
}

func ExampleParseSnowflake() {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	id, err := inventory.ParseSnowflake("175928847299117063", now)
	fmt.Println(id, id.Time(), err)
	_, err = inventory.ParseSnowflake("1759288472991170630", now) // one digit too many
	fmt.Println(err)
	// Output:
	// 175928847299117063 2016-04-30 11:18:25.796 +0000 UTC <nil>
	// invalid discord_id "1759288472991170630": timestamp 2028-04-16T17:04:17Z is in the future
}

func ExampleRevoke() {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	cosmetic, _ := inventory.CheckProduct(inventory.Product{Name: "Hat"}) // permanent, nothing runs on expiry
	hat := inventory.Item{ID: "inv_01JD3Z0000000000000000000A", ProductID: cosmetic.ID, State: inventory.Active}
	_, err := inventory.Revoke(hat, cosmetic, "refund", "admin:alice", now)
	var re *inventory.RevokeError
	fmt.Println(errors.As(err, &re), re.Why)
	// Output:
	// true the item never expires and its product has no on-expiry action
}
