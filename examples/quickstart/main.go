// Command quickstart walks one customer through the basics: identify at
// login, edit, set metadata, issue and use a token, buy a VIP rank, and read
// the Customer Details Page. It runs on the in-memory store unless -db
// names a SQLite file or a PostgreSQL URL:
//
//	go run ./examples/quickstart -db /tmp/playerbase.db
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/examples/internal/backend"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
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
	if err := run(ctx, os.Stdout, be); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, be storage.Backend) error {
	// The backend: any storage.Backend fits here (main picks it with -db).
	pb := playerbase.New(be, nil)
	defer pb.Close()

	// A Rust player logs in to the store with Steam; any SteamID form works.
	cust, created, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry",
	})
	if err != nil {
		return err
	}
	how := "found"
	if created {
		how = "created"
	}
	fmt.Fprintf(out, "identified %s (%s)\n", cust.ID, how)
	fmt.Fprintf(out, "  SteamID64 %s, profile %s\n", cust.PlatformID.Value, cust.PlatformID.ProfileURL())

	// The store owner fixes the display name; the version guards against a
	// concurrent edit.
	cust, err = pb.CustomerUpdate(ctx, cust.ID, playerbase.CustomerUpdateParams{
		Version: cust.Version, Name: "Garry N.", PlatformID: cust.PlatformID.Value,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "renamed to %q (version %d)\n", cust.Name, cust.Version)

	md, err := pb.MetadataUpdate(ctx, cust.ID, []metadata.Field{
		{Key: "discord", Value: "garry#0001"}, {Key: "vip_since", Value: "2024-03"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "metadata: discord=%s vip_since=%s\n", md["discord"], md["vip_since"])

	tok, secret, err := pb.TokenIssue(ctx, cust.ID, playerbase.TokenIssueParams{Label: "launcher"})
	if err != nil {
		return err
	}
	who, err := pb.TokenAuthenticate(ctx, secret)
	if err != nil {
		return err
	}
	if who != cust.ID {
		return fmt.Errorf("token %s authenticates %s, not %s", tok.ID, who, cust.ID)
	}
	fmt.Fprintf(out, "token %s (%q) authenticates %s\n", tok.ID, tok.Label, who)

	if err := pb.TokenRevoke(ctx, tok.ID); err != nil {
		return err
	}
	_, err = pb.TokenAuthenticate(ctx, secret)
	fmt.Fprintf(out, "after revoke the token is refused: %v\n", err)

	// The store sells a 30-day VIP rank at 10.00 EUR: the catalog holds the
	// price, so a checkout names the product and how many, never a price.
	// The payment webhook completes the order, which grants the rank and
	// queues its command for the server.
	vip, err := pb.ProductCreate(ctx, inventory.Product{
		Name: "VIP (30 days)", Duration: period.For(30, period.Day),
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "rust-eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
		},
		Prices: []money.Amount{money.MustParse("10.00", "EUR"), money.MustParse("11.00", "USD")},
	})
	if err != nil {
		return err
	}
	order, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("EUR"),
		Lines:    []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1}},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout: %s for %s, order %s (%s)\n", vip.Name, order.Total, order.ID, order.Status)
	// The provider's reference is unique per payment: on a kept database
	// (-db) a second run pays a second order.
	ref := "pi_" + string(order.ID)
	order, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: order.ID, PaymentRef: ref, Fees: money.MustParse("0.79", "EUR")})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "payment: order %s %s, fees %s\n", order.ID, order.Status, order.Fees)

	// The Customer Details Page, in one call.
	d, err := pb.CustomerDetails(ctx, cust.ID)
	if err != nil {
		return err
	}
	// Stats hold one amount per currency; In reads one of them.
	fmt.Fprintf(out, "details: net spent %s = %s paid − %s fees; %d payment(s), %d active ban(s)\n",
		d.Stats.NetSpent.In("EUR"), d.Stats.GrossSpent.In("EUR"), order.Fees, d.Stats.TotalPayments, len(d.Banner))
	for _, it := range d.Inventory.Items {
		fmt.Fprintf(out, "  owns %s: %s until %s\n", vip.Name, it.State, it.ExpiresAt.Format("2006-01-02"))
		cmds, err := pb.CommandList(ctx, it.ID)
		if err != nil {
			return err
		}
		for _, c := range cmds {
			fmt.Fprintf(out, "    %s on %s: %q (%s)\n", c.Stage, c.Server, c.Command, c.Status)
		}
	}
	return nil
}
