package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// Checkouts of different customers do not conflict: eight workers, each
// with a customer of its own, run 50 rounds of identify + checkout +
// complete at once, buying the same products (a timed one that extends,
// one that adds), and every call succeeds on the backend's own retries.
func TestDisjointCustomersDoNotConflict(t *testing.T) {
	const workers, rounds = 8, 50
	b := pgtest.NewBackend(t)
	c := playerbase.New(b, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vip, err := c.ProductCreate(ctx, inventory.Product{Name: "VIP", Duration: period.For(30, period.Day),
		Prices: []money.Amount{money.MustParse("4.99", "EUR")},
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnRenew, Server: "eu-1", Template: "say {name} renewed"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	kit, err := c.ProductCreate(ctx, inventory.Product{Name: "Kit", Stacking: inventory.StackAdd,
		Prices:   []money.Amount{money.MustParse("1.00", "EUR")},
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit {steam_id}"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Statistics that say the tables are tiny, as autovacuum soon records
	// for a new store: plans that scan such tables whole would lock them
	// whole (see Open's enable_seqscan).
	if _, err := b.Pool().Exec(ctx, "analyze"); err != nil {
		t.Fatal(err)
	}
	results := race(workers, func(w int) error {
		steam := fmt.Sprint(76561198006409530 + uint64(w)*2)
		for r := range rounds {
			cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: steam, Name: fmt.Sprintf("Player%d_%d", w, r%3)})
			if err != nil {
				return fmt.Errorf("round %d: identify: %w", r, err)
			}
			o, err := c.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
				Currency: money.MustCurrency("EUR"),
				Lines: []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1},
					{ProductID: kit.ID, Quantity: 2}},
				IP:    fmt.Sprintf("203.0.113.%d", w*10+r%5),
				Email: fmt.Sprintf("w%d.%d@example.com", w, r%4),
			})
			if err != nil {
				return fmt.Errorf("round %d: checkout: %w", r, err)
			}
			if _, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_" + string(o.ID)}); err != nil {
				return fmt.Errorf("round %d: complete: %w", r, err)
			}
		}
		return nil
	})
	t.Logf("%d attempts aborted by PostgreSQL and run again", b.Retries())
	for w, err := range results {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
}

// When PostgreSQL aborts a transaction more often than Options.MaxAttempts
// allows, Update's error matches errs.ErrConflict, so a webhook handler
// knows to retry, and keeps PostgreSQL's error in its chain. Two
// transactions each read the customer the other writes (write skew):
// serializable isolation must abort one, and with one attempt allowed it
// is not run again.
func TestExhaustedRetriesAreConflicts(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.NewSchema(t, dsn)
	b, err := postgres.Open(context.Background(), dsn, &postgres.Options{Schema: schema, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	ctx := context.Background()
	if err := b.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var custs [2]customer.Customer
	err = b.Update(ctx, func(tx storage.Tx) error {
		for i := range custs {
			custs[i] = customer.Customer{ID: customer.NewID(now), Name: fmt.Sprint("Skew", i), FirstSeen: now, Updated: now,
				PlatformID: customer.PlatformID{Platform: customer.Steam, Value: fmt.Sprint(76561198006409530 + i*2)}}
			if err := tx.Customers().Create(ctx, custs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var read sync.WaitGroup
	read.Add(2)
	results := race(2, func(i int) error {
		return b.Update(ctx, func(tx storage.Tx) error {
			if _, err := tx.Customers().Get(ctx, custs[i].ID); err != nil {
				return err
			}
			read.Done()
			read.Wait()
			other := custs[1-i]
			other.Name += "!"
			return tx.Customers().Update(ctx, other)
		})
	})
	var failed []error
	for _, err := range results {
		if err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("want one transaction aborted, got %v", results)
	}
	err = failed[0]
	var pe *pgconn.PgError
	if !errors.Is(err, errs.ErrConflict) || !errors.As(err, &pe) || pe.Code != "40001" {
		t.Errorf("error %q (%T): want one matching errs.ErrConflict with SQLSTATE 40001 in its chain", err, err)
	}
	if !strings.Contains(err.Error(), "retry") {
		t.Errorf("error %q does not say the operation may be retried", err)
	}
}

// race runs op n times at once and returns each call's error.
func race(n int, op func(i int) error) []error {
	out := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = op(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}
