// Command quickstart walks one customer through the basics on the in-memory
// store: identify at login, edit, set metadata, issue and use a token.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	pb := playerbase.New(memory.New(), nil)
	defer pb.Close()

	// A Rust player logs in to the store with Steam; any SteamID form works.
	cust, created, err := pb.Identify(ctx, playerbase.Identity{
		Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "identified %s (new: %v)\n", cust.ID, created)
	fmt.Fprintf(out, "  SteamID64 %s, profile %s\n", cust.PlatformID.Value, cust.PlatformID.ProfileURL())

	// The store owner fixes the display name; the version guards against a
	// concurrent edit.
	cust, err = pb.EditCustomer(ctx, cust.ID, playerbase.Edit{
		Version: cust.Version, Name: "Garry N.", PlatformID: cust.PlatformID.Value,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "renamed to %q (version %d)\n", cust.Name, cust.Version)

	md, err := pb.UpdateMetadata(ctx, cust.ID, []metadata.Field{
		{Key: "discord", Value: "garry#0001"}, {Key: "vip_since", Value: "2024-03"},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "metadata: discord=%s vip_since=%s\n", md["discord"], md["vip_since"])

	tok, secret, err := pb.IssueToken(ctx, cust.ID, playerbase.TokenParams{Label: "launcher"})
	if err != nil {
		return err
	}
	who, err := pb.Authenticate(ctx, secret)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "token %s (%q) authenticates %s: %v\n", tok.ID, tok.Label, who, who == cust.ID)

	if err := pb.RevokeToken(ctx, tok.ID); err != nil {
		return err
	}
	_, err = pb.Authenticate(ctx, secret)
	fmt.Fprintf(out, "after revoke: %v\n", err)
	return nil
}
