package playerbase_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// TestCheckoutCapsUnits: an order of more than orders.MaxUnits units in
// all, whatever the lines, is refused at checkout, before it can be paid
// for, and nothing is stored; an order of exactly the cap is taken.
func TestCheckoutCapsUnits(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, _, cust := comOn(t, b, playerbase.ReversalPolicy{})
		half := orders.MaxUnits / 2
		lines := func(extra int) []orders.Line {
			return []orders.Line{
				{ProductID: string(crateID), Quantity: half, UnitPrice: eur("0.10")},
				{ProductID: string(vipID), Quantity: orders.MaxUnits - half + extra, UnitPrice: eur("1.00")},
			}
		}
		_, err := pb.CreateOrder(ctx, cust.ID, playerbase.OrderParams{Lines: lines(1), IP: "198.51.100.7"})
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || inv.Field != "quantity" || inv.Value != strconv.Itoa(orders.MaxUnits+1) {
			t.Fatalf("CreateOrder of %d units = %v, want an *errs.InvalidError for quantity", orders.MaxUnits+1, err)
		}
		page, _ := pb.Orders(ctx, cust.ID, playerbase.OrdersParams{})
		got, _ := pb.Customer(ctx, cust.ID)
		if len(page.Orders) != 0 || slices.Contains(got.KnownIPs, netip.MustParseAddr("198.51.100.7")) {
			t.Errorf("a refused checkout stored %d orders, known IPs %v", len(page.Orders), got.KnownIPs)
		}
		if _, err := pb.CreateOrder(ctx, cust.ID, playerbase.OrderParams{Lines: lines(0)}); err != nil {
			t.Errorf("CreateOrder of %d units: %v", orders.MaxUnits, err)
		}
	})
}
