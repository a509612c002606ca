package playerbase_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// grantBench is a client with a timed product that adds an item per unit
// bought and queues one command for each: the shape that made one large
// order quadratic.
type grantBench struct {
	pb   *playerbase.Client
	prod inventory.ProductID
	n    int // customers made so far
}

func newGrantBench(b *testing.B, backend storage.Backend) *grantBench {
	b.Helper()
	pb := playerbase.New(backend, nil)
	p, err := pb.ProductCreate(context.Background(), inventory.Product{
		Name:     "Crate",
		Duration: period.For(30, period.Day),
		Stacking: inventory.StackAdd,
		Prices:   []money.Amount{eur("0.10")},
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "bench", Template: "inventory.giveto {steam_id} crate 1"},
			{Stage: inventory.OnExpire, Server: "bench", Template: "inventory.take {steam_id} crate 1"},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return &grantBench{pb: pb, prod: p.ID}
}

func (g *grantBench) customer(b *testing.B) customer.ID {
	b.Helper()
	g.n++
	c, _, err := g.pb.CustomerIdentify(context.Background(), playerbase.CustomerIdentifyParams{
		Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 1000+g.n), Name: fmt.Sprintf("Bench%d", g.n),
	})
	if err != nil {
		b.Fatal(err)
	}
	return c.ID
}

// order creates an unpaid order of units of the product for cust, split
// into lines of at most orders.MaxQuantity.
func (g *grantBench) order(b *testing.B, cust customer.ID, units int) orders.ID {
	b.Helper()
	var lines []playerbase.OrderLineParams
	for left := units; left > 0; left -= orders.MaxQuantity {
		lines = append(lines, playerbase.OrderLineParams{ProductID: g.prod, Quantity: min(left, orders.MaxQuantity)})
	}
	o, err := g.pb.OrderCreate(context.Background(), cust, playerbase.OrderCreateParams{Currency: euro, Lines: lines})
	if err != nil {
		b.Fatal(err)
	}
	return o.ID
}

func (g *grantBench) complete(b *testing.B, id orders.ID) orders.Order {
	o, err := g.pb.OrderComplete(context.Background(), playerbase.OrderCompleteParams{OrderID: id, PaymentRef: "pay_" + string(id)})
	if err != nil {
		b.Fatal(err)
	}
	return o
}

// grantSizes are the units of BenchmarkCompleteLargeOrder, smallest first:
// 100, 1 000 and 10 000, up to the cap on units per order, and the cap.
func grantSizes() []int {
	var sizes []int
	for _, n := range []int{100, 1000, 10_000} {
		if n < orders.MaxUnits {
			sizes = append(sizes, n)
		}
	}
	return append(sizes, orders.MaxUnits)
}

// BenchmarkCompleteLargeOrder: paying one order of N units of an
// add-stacking product, each granting an item and queuing its command, for
// a customer who held nothing. ns/unit should stay flat as N grows;
// x-smallest is ns/unit over the smallest size's ns/unit in the same run,
// cpu-x-smallest the same for the CPU time this process used (on a loaded
// machine a long operation also waits for other processes, which wall
// time counts):
//
//	go test -run '^$' -bench BenchmarkCompleteLargeOrder -benchtime 3x .
//
// The postgres cases need PLAYERBASE_TEST_POSTGRES and are skipped without.
func BenchmarkCompleteLargeOrder(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(b *testing.B) storage.Backend
	}{
		{"memory", func(*testing.B) storage.Backend { return memory.New() }},
		{"postgres", func(b *testing.B) storage.Backend { return pgtest.NewBackend(b) }},
	} {
		b.Run(backend.name, func(b *testing.B) {
			var smallest, smallestCPU float64
			sizes := grantSizes()
			for _, units := range sizes {
				b.Run(fmt.Sprintf("units=%d", units), func(b *testing.B) {
					g := newGrantBench(b, backend.open(b))
					var cpu time.Duration
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						id := g.order(b, g.customer(b), units)
						start := cpuTime()
						b.StartTimer()
						o := g.complete(b, id)
						b.StopTimer()
						cpu += cpuTime() - start
						b.StartTimer()
						if len(o.Granted) != units {
							b.Fatalf("granted %d items, want %d", len(o.Granted), units)
						}
					}
					perUnit := float64(b.Elapsed().Nanoseconds()) / float64(b.N*units)
					cpuPerUnit := float64(cpu.Nanoseconds()) / float64(b.N*units)
					if units == sizes[0] {
						smallest, smallestCPU = perUnit, cpuPerUnit
					}
					b.ReportMetric(perUnit, "ns/unit")
					b.ReportMetric(perUnit/smallest, "x-smallest")
					if cpu > 0 {
						// This process's CPU only: on PostgreSQL most of the
						// work is the server's.
						b.ReportMetric(cpuPerUnit, "cpu-ns/unit")
						b.ReportMetric(cpuPerUnit/smallestCPU, "cpu-x-smallest")
					}
				})
			}
		})
	}
}

// BenchmarkRepeatBuyer: a customer who holds `held` active items of an
// add-stacking product buys one more. The grant reads what stacking needs
// for that customer and product only, so 10 000 held should cost about
// what 100 do; x-held=100 is ns/op over held=100's in the same run:
//
//	go test -run '^$' -bench BenchmarkRepeatBuyer -benchtime 200x .
func BenchmarkRepeatBuyer(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(b *testing.B) storage.Backend
	}{
		{"memory", func(*testing.B) storage.Backend { return memory.New() }},
		{"postgres", func(b *testing.B) storage.Backend { return pgtest.NewBackend(b) }},
	} {
		b.Run("backend="+backend.name, func(b *testing.B) {
			var base float64
			for _, held := range []int{100, 10_000} {
				b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
					ctx := context.Background()
					g := newGrantBench(b, backend.open(b))
					cust := g.customer(b)
					for left := held; left > 0; left -= orders.MaxUnits {
						g.complete(b, g.order(b, cust, min(left, orders.MaxUnits)))
					}
					b.ResetTimer()
					for range b.N {
						b.StopTimer()
						id := g.order(b, cust, 1)
						b.StartTimer()
						o := g.complete(b, id)
						b.StopTimer()
						// Keep `held` active: the new item is revoked off the
						// clock.
						if _, err := g.pb.ItemRevoke(ctx, inventory.ItemID(o.Granted[0]), playerbase.ItemRevokeParams{Reason: "bench", Actor: "admin:bench"}); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					if held == 100 {
						base = perOp
					}
					b.ReportMetric(perOp/base, "x-held=100")
				})
			}
		})
	}
}

// BenchmarkBannedByDuringLargeOrders: a game server's join check (BanCheck)
// on the memory backend, alone and while orders of orders.MaxUnits units
// are paid for one after another. max-wait-ns is the longest single check,
// x-idle the mean check over the idle one's in the same run:
//
//	go test -run '^$' -bench BenchmarkBannedByDuringLargeOrders -benchtime 2000x .
func BenchmarkBannedByDuringLargeOrders(b *testing.B) {
	var idle float64
	for _, busy := range []bool{false, true} {
		name := "idle"
		if busy {
			name = "during-large-orders"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			g := newGrantBench(b, memory.New())
			steam := bans.Identity{Type: bans.Steam, Value: "76561198006409530"}
			if _, err := g.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "bench", Identities: []bans.Identity{steam}, Actor: "admin:bench"}); err != nil {
				b.Fatal(err)
			}
			buyer := g.customer(b)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			if busy {
				started := make(chan struct{})
				wg.Go(func() {
					for i := 0; ; i++ {
						if i == 1 {
							close(started)
						}
						select {
						case <-stop:
							return
						default:
						}
						if err := g.payLarge(ctx, buyer); err != nil {
							b.Error(err)
							return
						}
					}
				})
				<-started
			}
			var worst time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				ids, err := g.pb.BanCheck(ctx, []bans.Identity{steam})
				worst = max(worst, time.Since(start))
				if err != nil || len(ids) != 1 {
					b.Fatalf("BannedBy = %v, %v", ids, err)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			mean := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if !busy {
				idle = mean
			}
			b.ReportMetric(float64(worst.Nanoseconds()), "max-wait-ns")
			b.ReportMetric(mean/idle, "x-idle")
		})
	}
}

// payLarge creates and pays an order of orders.MaxUnits units for cust,
// without a testing.B, for another goroutine.
func (g *grantBench) payLarge(ctx context.Context, cust customer.ID) error {
	o, err := g.pb.OrderCreate(ctx, cust, playerbase.OrderCreateParams{Currency: euro, Lines: []playerbase.OrderLineParams{
		{ProductID: g.prod, Quantity: orders.MaxUnits},
	}})
	if err != nil {
		return err
	}
	_, err = g.pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_" + string(o.ID)})
	return err
}
