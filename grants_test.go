package playerbase_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
)

// TestCheckoutCapsUnits: an order of more than orders.MaxUnits units in
// all, whatever the lines, is refused at checkout, before it can be paid
// for, and nothing is stored; an order of exactly the cap is taken.
func TestCheckoutCapsUnits(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		half := orders.MaxUnits / 2
		lines := func(extra int) []playerbase.OrderLineParams {
			return []playerbase.OrderLineParams{
				{ProductID: crateID, Quantity: half},
				{ProductID: vipID, Quantity: orders.MaxUnits - half + extra},
			}
		}
		_, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: lines(1), IP: "198.51.100.7"})
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || inv.Field != "quantity" || inv.Value != strconv.Itoa(orders.MaxUnits+1) {
			t.Fatalf("CreateOrder of %d units = %v, want an *errs.InvalidError for quantity", orders.MaxUnits+1, err)
		}
		page, _ := pb.OrderList(ctx, cust.ID, playerbase.OrderListParams{})
		got, _ := pb.CustomerGet(ctx, cust.ID)
		if len(page.Orders) != 0 || slices.Contains(got.KnownIPs, netip.MustParseAddr("198.51.100.7")) {
			t.Errorf("a refused checkout stored %d orders, known IPs %v", len(page.Orders), got.KnownIPs)
		}
		if _, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: lines(0)}); err != nil {
			t.Errorf("CreateOrder of %d units: %v", orders.MaxUnits, err)
		}
	})
}

// stackReads counts the stacking reads of the transactions of a backend.
type stackReads struct {
	storage.Backend
	lapsed, extendable int
}

func (b *stackReads) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return b.Backend.Update(ctx, func(tx storage.Tx) error { return fn(countingTx{tx, b}) })
}

type countingTx struct {
	storage.Tx
	n *stackReads
}

func (t countingTx) Items() inventory.ItemStore { return countingItems{t.Tx.Items(), t.n} }

type countingItems struct {
	inventory.ItemStore
	n *stackReads
}

func (s countingItems) Lapsed(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) ([]inventory.Item, error) {
	s.n.lapsed++
	return s.ItemStore.Lapsed(ctx, c, p, now)
}

func (s countingItems) Extendable(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) (inventory.Item, bool, error) {
	s.n.extendable++
	return s.ItemStore.Extendable(ctx, c, p, now)
}

// TestLargeOrderReadsStackingOncePerProduct: paying an order reads what
// stacking needs once per product, not once per unit, and still delivers
// what unit-by-unit grants would: a lapsed, unswept VIP is expired first
// (its on_expire queued before the new VIP's on_purchase), the VIP units
// make one item extended again and again, the crates one item each.
func TestLargeOrderReadsStackingOncePerProduct(t *testing.T) {
	ctx := context.Background()
	counted := &stackReads{Backend: memory.New()}
	pb, clock, cust := comOn(t, counted, playerbase.ReversalPolicy{})
	old := paidVIP(t, pb, cust.ID, "pay_old")
	clock.Advance(31 * 24 * time.Hour) // the old VIP lapsed; no sweep ran
	o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{
		{ProductID: vipID, Quantity: 50},
		{ProductID: crateID, Quantity: 50},
		{ProductID: vipID, Quantity: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	counted.lapsed, counted.extendable = 0, 0
	paidAt := clock.Now()
	o, err = pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_large"})
	if err != nil {
		t.Fatal(err)
	}
	// Lapsed for the VIP and the crate; Extendable for the VIP (the crate
	// is permanent: nothing to extend).
	if counted.lapsed != 2 || counted.extendable != 1 {
		t.Errorf("paying 110 units read Lapsed %d times and Extendable %d times, want 2 and 1", counted.lapsed, counted.extendable)
	}
	if len(o.Granted) != 51 {
		t.Fatalf("the order granted %d items, want 1 VIP and 50 crates", len(o.Granted))
	}
	vip, err := pb.ItemGet(ctx, inventory.ItemID(o.Granted[0]))
	if err != nil {
		t.Fatal(err)
	}
	if want := paidAt.AddDate(0, 0, 60*30); vip.ExpiresAt == nil || !vip.ExpiresAt.Equal(want) {
		t.Errorf("the VIP expires at %v, want %v (60 × 30 days)", vip.ExpiresAt, want)
	}
	lapsed, err := pb.ItemGet(ctx, inventory.ItemID(old.Granted[0]))
	if err != nil {
		t.Fatal(err)
	}
	oldCmds, _ := pb.CommandList(ctx, lapsed.ID)
	newCmds, _ := pb.CommandList(ctx, vip.ID)
	last := oldCmds[len(oldCmds)-1]
	if lapsed.State != inventory.Expired || last.Stage != inventory.OnExpire || last.ID >= newCmds[0].ID {
		t.Errorf("the lapsed VIP is %s, its last command %s (%s), the new VIP's first %s (%s): want it expired, its on_expire queued first",
			lapsed.State, last.Stage, last.ID, newCmds[0].Stage, newCmds[0].ID)
	}
}
