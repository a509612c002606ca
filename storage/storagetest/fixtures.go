package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// WriteOrderHistory stores total orders for a customer, a minute apart and
// ending now, a thousand per transaction, for benchmarks of a big buyer's
// details page: a third in USD, the rest in EUR; of every ten, one left
// unpaid, one canceled, eight paid (fees 0.30), one of those partly
// refunded and one in fifty charged back. With total = 10 000 that is 8 000
// payments.
func WriteOrderHistory(tb testing.TB, be storage.Backend, id customer.ID, total int) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Duration(total) * time.Minute).Truncate(time.Microsecond)
	for from := 0; from < total; from += 1000 {
		err := be.Update(ctx, func(tx storage.Tx) error {
			for i := from; i < min(from+1000, total); i++ {
				o, err := historicOrder(id, i, start.Add(time.Duration(i)*time.Minute))
				if err != nil {
					return err
				}
				if err := tx.Orders().Create(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func historicOrder(id customer.ID, i int, at time.Time) (orders.Order, error) {
	cur := "EUR"
	if i%3 == 0 {
		cur = "USD"
	}
	o, err := orders.New(orders.Params{Customer: id, Lines: []orders.Line{
		{ProductID: "vip", Quantity: 1 + i%3, UnitPrice: money.MustParse("4.99", cur)},
	}}, at)
	if err != nil {
		return orders.Order{}, err
	}
	switch i % 10 {
	case 0: // left unpaid
	case 1:
		o, _ = o.Cancel(at)
	default:
		o, _, err = o.Complete(fmt.Sprintf("pay_%d", i), money.MustParse("0.30", cur), at)
		if err == nil && i%10 == 2 {
			o, err = o.Refund(money.MustParse("1.00", cur), at)
		}
		if err == nil && i%50 == 3 {
			o, _, err = o.Chargeback(money.MustParse("15.00", cur), at)
		}
	}
	return o, err
}
