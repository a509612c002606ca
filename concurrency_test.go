package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
)

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

// oneWinner checks that exactly one call succeeded and every other failed
// with an error matching errs.ErrConflict and, if as is set, as; it
// returns the winner's index.
func oneWinner(t *testing.T, results []error, as func(error) bool) int {
	t.Helper()
	winner := -1
	for i, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("calls %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, errs.ErrConflict):
			t.Errorf("call %d: %v, want an error matching ErrConflict", i, err)
		case as != nil && !as(err):
			t.Errorf("call %d: %v (%T), not the typed error expected", i, err, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no call succeeded: %v", results)
	}
	return winner
}

// Eight writers racing through the root workflows on one row each: exactly
// one effect, the others typed conflicts, and no deadlock (the test's
// context bounds every call). On SQLite the writers queue for the one
// writer connection, so each finds the state the one before left.
func TestConcurrentWorkflows(t *testing.T) {
	forBackends(t, testConcurrentWorkflows)
}

func testConcurrentWorkflows(t *testing.T, b storage.Backend) {
	const n = 8
	c := playerbase.New(b, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Player"})
	if err != nil {
		t.Fatal(err)
	}
	kit, err := c.ProductCreate(ctx, inventory.Product{Name: "Kit", Stacking: inventory.StackAdd,
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit {steam_id}"}},
		Prices:   []money.Amount{money.MustParse("9.99", "EUR")}})
	if err != nil {
		t.Fatal(err)
	}
	newOrder := func(t *testing.T) orders.Order {
		t.Helper()
		o, err := c.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{
			Currency: money.MustCurrency("EUR"),
			Lines:    []playerbase.OrderLineParams{{ProductID: kit.ID, Quantity: 1}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	t.Run("CompleteOrder", func(t *testing.T) {
		o := newOrder(t)
		ref := func(i int) string { return fmt.Sprintf("pay_%s_%d", o.ID, i) }
		results := race(n, func(i int) error {
			_, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref(i)})
			return err
		})
		w := oneWinner(t, results, func(err error) bool {
			var te *orders.TransitionError
			return errors.As(err, &te)
		})
		got, err := c.OrderGet(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != orders.Completed || got.PaymentRef != ref(w) || got.Version != o.Version+1 {
			t.Errorf("order: status %s ref %q version %d; want completed, %q, %d", got.Status, got.PaymentRef, got.Version, ref(w), o.Version+1)
		}
	})

	t.Run("CompleteOrderRetriedWebhook", func(t *testing.T) {
		// The same webhook delivered eight times at once: every call
		// succeeds, one changes the order.
		o := newOrder(t)
		ref := "pay_retried_" + string(o.ID)
		for i, err := range race(n, func(int) error {
			_, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref})
			return err
		}) {
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}
		got, err := c.OrderGet(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != orders.Completed || got.Version != o.Version+1 || len(got.Granted) != 1 {
			t.Errorf("order: status %s version %d, granted %v; want completed, %d, one kit", got.Status, got.Version, got.Granted, o.Version+1)
		}
		st, err := c.CustomerStats(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.TotalPayments != 2 { // this order and the one above
			t.Errorf("TotalPayments = %d, want 2", st.TotalPayments)
		}
	})

	t.Run("EditCustomer", func(t *testing.T) {
		before, err := c.CustomerGet(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		name := func(i int) string { return fmt.Sprintf("Editor%d", i) }
		results := race(n, func(i int) error {
			_, err := c.CustomerUpdate(ctx, cust.ID, playerbase.CustomerUpdateParams{Version: before.Version, Name: name(i), PlatformID: before.PlatformID.Value})
			return err
		})
		w := oneWinner(t, results, func(err error) bool {
			var ce *errs.ConflictError
			return errors.As(err, &ce)
		})
		got, err := c.CustomerGet(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name(w) || got.Version != before.Version+1 {
			t.Errorf("customer: name %q version %d; want %q, %d", got.Name, got.Version, name(w), before.Version+1)
		}
	})

	t.Run("RevokeItem", func(t *testing.T) {
		p, err := c.ProductCreate(ctx, inventory.Product{
			Name: "VIP", Duration: period.For(30, period.Day),
			Commands: []inventory.CommandTemplate{
				{Stage: inventory.OnPurchase, Server: "eu-1", Template: "oxide.usergroup add {steam_id} vip"},
				{Stage: inventory.OnExpire, Server: "eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		it, err := c.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: cust.ID, Product: p.ID, Actor: "admin:test"})
		if err != nil || it.ID == "" {
			t.Fatalf("AssignItem: %+v %v", it, err)
		}
		results := race(n, func(int) error {
			_, err := c.ItemRevoke(ctx, it.ID, playerbase.ItemRevokeParams{Reason: "chargeback", Actor: "admin:test"})
			return err
		})
		oneWinner(t, results, func(err error) bool {
			var re *inventory.RevokeError
			return errors.As(err, &re) && re.Why == inventory.RefusedRevoked
		})
		cmds, err := c.CommandList(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		expire := 0
		for _, cmd := range cmds {
			if cmd.Stage == inventory.OnExpire {
				expire++
			}
		}
		if expire != 1 {
			t.Errorf("%d on_expire commands queued, want 1 (one revoke)", expire)
		}
	})
}
