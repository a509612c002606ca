package playerbase_test

import (
	"context"
	"fmt"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage/memory"
)

// A customer buys a VIP rank, the payment webhook delivers it, staff
// revoke it, and the store owner opens the Customer Details Page. IDs are
// random, so the example prints everything else.
func ExampleClient_CustomerDetails() {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: func() time.Time { return now }})

	vip, _ := pb.ProductCreate(ctx, inventory.Product{
		Name: "VIP", Duration: period.For(30, period.Day),
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "rust-eu", Template: "oxide.usergroup remove {steam_id} vip"},
		},
		Prices: []money.Amount{money.MustParse("10.00", "EUR")},
	})
	garry, _, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry"})

	// Buy, then the payment provider's webhook completes the order and
	// delivers the VIP.
	o, _ := pb.OrderCreate(ctx, garry.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("EUR"),
		Lines:    []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1}},
		IP:       "203.0.113.7",
	})
	_, _ = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pi_123", Fees: money.MustParse("0.79", "EUR")})

	// A day later staff revoke the VIP and ban the IP it was bought from.
	now = now.Add(24 * time.Hour)
	page, _ := pb.ItemList(ctx, garry.ID, playerbase.ItemListParams{})
	_, _ = pb.ItemRevoke(ctx, page.Items[0].ID, playerbase.ItemRevokeParams{Reason: "shared account", Actor: "admin:alice"})
	_, _ = pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "shared account", Actor: "admin:alice", Identities: []bans.Identity{{Type: bans.IP, Value: "203.0.113.7"}}})
	_, _ = pb.MetadataUpdate(ctx, garry.ID, []metadata.Field{{Key: "note", Value: "asked for a refund"}})

	d, err := pb.CustomerDetails(ctx, garry.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Customer.Name, d.ProfileURL)
	fmt.Println("net spent", d.Stats.NetSpent.In("EUR"), "gross", d.Stats.GrossSpent.In("EUR"), "payments", d.Stats.TotalPayments)
	fmt.Println("active bans:", len(d.Banner))
	for _, o := range d.Orders.Orders {
		fmt.Println("order:", o.Status, o.Total, "fees", o.Fees, "paid", o.CompletedAt.Format(time.DateOnly))
	}
	for _, it := range d.Inventory.Items {
		fmt.Println("item:", it.State, "from", it.Source.Kind, "by", it.RevokedBy, "for", it.RevokeReason)
		cmds, _ := pb.CommandList(ctx, it.ID)
		for _, c := range cmds {
			fmt.Printf("  %s %s %q\n", c.Stage, c.Server, c.Command)
		}
	}
	fmt.Println("metadata:", d.Metadata)
	// Output:
	// Garry https://steamcommunity.com/profiles/76561198006409530
	// net spent 9.21 EUR gross 10.00 EUR payments 1
	// active bans: 1
	// order: completed 10.00 EUR fees 0.79 EUR paid 2026-03-01
	// item: revoked from order by admin:alice for shared account
	//   on_purchase rust-eu "oxide.usergroup add 76561198006409530 vip"
	//   on_expire rust-eu "oxide.usergroup remove 76561198006409530 vip"
	// metadata: map[note:asked for a refund]
}
