package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// The login, checkout and payment workflows read no table whole: a
// sequential scan takes a serializable read lock on the entire table, and
// then any other customer's write to it aborts one of the two
// transactions. Reads go through indexes, whose locks cover the pages
// read. (A payment reference looked up with a generic plan could not use
// the partial index of references, and scanned every order; the ban check
// at checkout scanned every ban.)
func TestCustomerWorkflowsLockNoTable(t *testing.T) {
	ctx := context.Background()
	spy := &postgres.TableLockSpy{Backend: pgtest.NewBackend(t)}
	c := playerbase.New(spy, nil)
	vip, err := c.ProductCreate(ctx, inventory.Product{Name: "VIP", Duration: period.For(30, period.Day),
		Prices:   []money.Amount{money.MustParse("4.99", "EUR")},
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "vip {steam_id}"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Bans, for a realistic plan: with many, a semi-join's generic plan
	// scanned the whole bans table.
	now := time.Now().UTC()
	err = spy.Backend.Update(ctx, func(tx storage.Tx) error {
		for i := range 300 {
			ban, err := bans.New(bans.Draft{Reason: "seed", Actor: "admin:test", Identities: []bans.Identity{
				bans.MustIdentity(bans.Email, fmt.Sprintf("p%d@example.com", i)), bans.MustIdentity(bans.IP, fmt.Sprintf("10.0.%d.%d", i/256, i%256))}}, now)
			if err != nil {
				return err
			}
			if err := tx.Bans().Create(ctx, ban); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spy.Pool().Exec(ctx, "analyze"); err != nil {
		t.Fatal(err)
	}
	spy.Tables = nil
	for i := range 3 {
		cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: fmt.Sprint("Player", i)})
		if err != nil {
			t.Fatal(err)
		}
		o, err := c.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
			Currency: money.MustCurrency("EUR"), Lines: []playerbase.OrderLineParams{{ProductID: vip.ID, Quantity: 1}},
			IP: "203.0.113.7", Email: "buyer@example.com",
		})
		if err != nil {
			t.Fatal(err)
		}
		ref := fmt.Sprint("pay_", i)
		if _, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref}); err != nil {
			t.Fatal(err)
		}
		// A retried webhook names the order by its reference only.
		if _, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{PaymentRef: ref}); err != nil {
			t.Fatal(err)
		}
	}
	if len(spy.Tables) > 0 {
		t.Errorf("transactions held serializable read locks on whole tables %v", spy.Tables)
	}
}
