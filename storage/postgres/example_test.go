package postgres_test

import (
	"context"
	"log"
	"net/netip"
	"os"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage/postgres"
)

// A web node opens the backend, brings the schema up to date and serves the
// playerbase Client from it.
func ExampleOpen() {
	ctx := context.Background()
	b, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), &postgres.Options{Schema: "playerbase"})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	// Safe on every node at start: the first applies what is missing, the
	// others wait on the advisory lock and find nothing to do.
	if err := b.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	client := playerbase.New(b, nil)
	_ = client
}

// A game server keeps an in-memory ban index in step with the fleet's
// database and checks every join against it without a round trip.
func Example_banWatch() {
	ctx := context.Background()
	b, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"), &postgres.Options{Schema: "playerbase"})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	client := playerbase.New(b, nil)
	// The first load, then the change feed; reloads and retries by itself.
	watch, err := client.BanWatch(ctx, &playerbase.BanWatchOptions{OnError: func(err error) { log.Print(err) }})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = watch.Close() }() // Close always returns nil

	// On join:
	keys := []bans.Key{bans.SteamKey(76561198006409530), bans.IPKey(netip.MustParseAddr("203.0.113.7"))}
	if id, banned := watch.Index().FirstMatch(time.Now(), keys); banned {
		log.Printf("refuse: ban %s", id)
	}
}
