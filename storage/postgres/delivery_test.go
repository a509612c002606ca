package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// queueKitCommands makes n pending commands for server eu-1 through the
// Client (one per assigned item) and returns their IDs in queue order.
func queueKitCommands(t *testing.T, c *playerbase.Client, n int) []inventory.CommandID {
	t.Helper()
	ctx := context.Background()
	cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.ProductCreate(ctx, inventory.Product{Name: "Kit", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "eu-1", Template: "inventory.giveto {steam_id} rifle.ak 1 // {item_id}"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []inventory.CommandID
	for range n {
		it, err := c.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin:test"})
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := c.CommandList(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cmds[0].ID)
	}
	return ids
}

// A poll holding its rows does not hold up another poll of the same
// server: the second skips the locked rows and takes the next ones at once.
// (If it waited, the first, which waits for it, never finishes and the
// context ends the test.)
func TestClaimSkipsLockedRows(t *testing.T) {
	b := pgtest.NewBackend(t)
	ids := queueKitCommands(t, playerbase.New(b, nil), 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q := inventory.LeaseQuery{Server: "eu-1", Now: time.Now(), Limit: 2}
	leasable := func(tx storage.Tx) ([]inventory.CommandID, error) {
		cmds, err := tx.Commands().Leasable(ctx, q)
		var out []inventory.CommandID
		for _, c := range cmds {
			out = append(out, c.ID)
		}
		return out, err
	}
	var first, second []inventory.CommandID
	err := b.Claim(ctx, func(tx storage.Tx) (err error) {
		if first, err = leasable(tx); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() {
			done <- b.Claim(ctx, func(tx storage.Tx) (err error) {
				second, err = leasable(tx)
				return err
			})
		}()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("the second poll waited for the first: %w", ctx.Err())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first, ids[:2]) || !slices.Equal(second, ids[2:]) {
		t.Errorf("polls got %v and %v, want %v and %v", first, second, ids[:2], ids[2:])
	}
}

// Polls and acks of one server racing, with no retries allowed: under
// Claim none of them aborts (under Update's SERIALIZABLE about half did in
// the same race), and every command is delivered once.
func TestConcurrentPollsDoNotAbort(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if err := b.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := playerbase.New(b, nil)
	ids := queueKitCommands(t, c, 150)

	var mu sync.Mutex
	delivered := map[string]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for ctx.Err() == nil {
				ds, err := c.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "eu-1", Limit: 5})
				if err != nil {
					t.Errorf("Poll: %v", err)
					return
				}
				if len(ds) == 0 {
					return
				}
				var rs []playerbase.DeliveryResult
				mu.Lock()
				for _, d := range ds {
					delivered[d.Key]++
					rs = append(rs, playerbase.DeliveryResult{Key: d.Key})
				}
				mu.Unlock()
				if _, err := c.DeliveryAck(ctx, "eu-1", rs); err != nil {
					t.Errorf("Ack: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if n := delivered[string(id)]; n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}
