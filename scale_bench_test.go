package playerbase_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// The scale benchmarks ask one question of a small history and of a large
// one on each backend, and report the large one's cost as a multiple of
// the small one's measured in the same run ("x-small"): a call that costs
// what its answer costs stays near 1 however long the history.
//
//	go test -run '^$' -bench 'Benchmark(CustomerDetails|OrderFilter|Sweep)Scale' .
//
// The postgres cases need PLAYERBASE_TEST_POSTGRES and are skipped without.

// scaleBackends are the backends the scale benchmarks run on; the
// postgres one is skipped without a database.
var scaleBackends = []struct {
	name string
	open func(b *testing.B) storage.Backend
}{
	{"memory", func(*testing.B) storage.Backend { return memory.New() }},
	{"postgres", func(b *testing.B) storage.Backend { return pgtest.NewBackend(b) }},
}

// scaleRuns runs bench once per backend and size, smallest size first,
// and reports each larger size's cost as a multiple of the smallest's on
// the same backend ("x-small"). bench returns the cost of one unit of work
// (perUnit).
func scaleRuns(b *testing.B, param string, sizes []int, bench func(b *testing.B, be storage.Backend, n int) time.Duration) {
	for _, sb := range scaleBackends {
		var small time.Duration
		for i, n := range sizes {
			b.Run(fmt.Sprintf("backend=%s/%s=%d", sb.name, param, n), func(b *testing.B) {
				per := bench(b, sb.open(b), n)
				if i == 0 {
					small = per
				} else if small > 0 {
					b.ReportMetric(float64(per)/float64(small), "x-small")
				}
			})
		}
	}
}

// perUnit reports and returns the cost of one unit of work. On memory the
// cost is the process's CPU time per unit (wall time where CPU time is
// unknown): on a machine shared with other work, wall time also counts
// the waits for a core. On PostgreSQL it is the wall time per unit, since
// the server's work shows in no CPU time of this process.
func perUnit(b *testing.B, be storage.Backend, cpu, units time.Duration, unit string) time.Duration {
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(units), "cpu-ns/"+unit)
	if _, ok := be.(*postgres.Backend); ok || cpu <= 0 {
		return b.Elapsed() / units
	}
	return cpu / units
}

// orderHistory returns n orders of c over the last n minutes, oldest first:
// a tenth left unpaid, a tenth canceled, the rest completed, one in ten
// of those refunded in part and one in fifty charged back. None is
// refunded in full, so a filter on refunded matches nothing.
func orderHistory(b *testing.B, c customer.ID, n int) []orders.Order {
	start := time.Now().UTC().Add(-time.Duration(n) * time.Minute).Truncate(time.Microsecond)
	out := make([]orders.Order, n)
	for i := range n {
		cur := "EUR"
		if i%3 == 0 {
			cur = "USD"
		}
		at := start.Add(time.Duration(i) * time.Minute)
		o, err := orders.New(orders.Params{Customer: c, Lines: []orders.Line{
			{ProductID: "vip", Quantity: 1 + i%3, UnitPrice: money.MustParse("4.99", cur)},
		}}, at)
		if err != nil {
			b.Fatal(err)
		}
		switch i % 10 {
		case 0: // left unpaid
		case 1:
			o, _ = o.Cancel(at)
		default:
			o, _, err = o.Complete(fmt.Sprintf("pay_%s_%d", c, i), money.MustParse("0.30", cur), at)
			if err == nil && i%10 == 2 {
				o, err = o.Refund(money.MustParse("1.00", cur), at)
			}
			if err == nil && i%50 == 3 {
				o, _, err = o.Chargeback(money.MustParse("15.00", cur), at)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		out[i] = o
	}
	return out
}

// storeHistory stores a customer with n orders (orderHistory) and returns
// a Client over be, the customer's ID and how many of the orders were
// paid. Memory takes them through the
// store, 10 000 per transaction; PostgreSQL by COPY, one statement, which
// the summary triggers see as one write.
func storeHistory(b *testing.B, be storage.Backend, n int) (*playerbase.Client, customer.ID, int) {
	b.Helper()
	ctx := context.Background()
	c := playerbase.New(be, nil)
	cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Whale"})
	if err != nil {
		b.Fatal(err)
	}
	hist := orderHistory(b, cust.ID, n)
	paid := 0
	for _, o := range hist {
		if o.Paid() {
			paid++
		}
	}
	if pg, ok := be.(*postgres.Backend); ok {
		copyOrders(b, pg, hist)
		return c, cust.ID, paid
	}
	for from := 0; from < n; from += 10_000 {
		err := be.Update(ctx, func(tx storage.Tx) error {
			for _, o := range hist[from:min(n, from+10_000)] {
				if err := tx.Orders().Create(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return c, cust.ID, paid
}

// copyOrders writes os to PostgreSQL's orders table by COPY, in the
// columns' stored forms (see storage/postgres/orders.go), then vacuums
// and analyzes it as a store that has been running would be.
func copyOrders(b *testing.B, pg *postgres.Backend, os []orders.Order) {
	b.Helper()
	ctx := context.Background()
	num := func(d decimal.Decimal) pgtype.Numeric {
		return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
	}
	type line struct {
		ProductID string `json:"product_id"`
		Quantity  int    `json:"quantity"`
		UnitPrice string `json:"unit_price"`
		Currency  string `json:"currency"`
	}
	type refund struct {
		Ref    string    `json:"ref"`
		Amount string    `json:"amount"`
		At     time.Time `json:"at"`
	}
	rows := make([][]any, len(os))
	for i, o := range os {
		ls := make([]line, len(o.Lines))
		for j, l := range o.Lines {
			ls[j] = line{string(l.ProductID), l.Quantity, l.UnitPrice.Value.String(), l.UnitPrice.Currency.Code()}
		}
		rs := make([]refund, len(o.Refunds))
		for j, r := range o.Refunds {
			rs[j] = refund{r.Ref, r.Amount.Value.String(), r.At}
		}
		lj, err := json.Marshal(ls)
		if err != nil {
			b.Fatal(err)
		}
		rj, err := json.Marshal(rs)
		if err != nil {
			b.Fatal(err)
		}
		rows[i] = []any{string(o.ID), string(o.Customer), lj, o.Currency().Code(), num(o.Total.Value),
			num(o.Fees.Value), num(o.Refunded.Value), num(o.DisputeFee.Value), string(o.Status), o.PaymentRef,
			o.CreatedAt, o.UpdatedAt, o.CompletedAt, o.RefundedAt, o.ChargebackAt, o.CanceledAt, o.Version,
			[]byte("[]"), rj}
	}
	cols := []string{"id", "customer_id", "lines", "currency", "total", "fees", "refunded", "dispute_fee", "status",
		"payment_ref", "created_at", "updated_at", "completed_at", "refunded_at", "chargeback_at", "canceled_at",
		"version", "granted", "refunds"}
	if _, err := pg.Pool().CopyFrom(ctx, pgx.Identifier{"orders"}, cols, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := pg.Pool().Exec(ctx, "vacuum analyze orders"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCustomerDetailsScale loads the Customer Details Page
// (Client.CustomerDetails: profile, stats, banner, first pages, metadata)
// of a customer with 1 000 and with 100 000 orders.
func BenchmarkCustomerDetailsScale(b *testing.B) {
	scaleRuns(b, "orders", []int{1000, 100_000}, func(b *testing.B, be storage.Backend, n int) time.Duration {
		c, id, paid := storeHistory(b, be, n)
		ctx := context.Background()
		b.ReportAllocs()
		runtime.GC() // the fixture's garbage is not the reads' to collect
		start := cpuTime()
		for b.Loop() {
			d, err := c.CustomerDetails(ctx, id)
			if err != nil || d.Stats.TotalPayments != paid || len(d.Orders.Orders) != playerbase.DefaultOrderPage {
				b.Fatalf("CustomerDetails = %d payments, %d orders, %v", d.Stats.TotalPayments, len(d.Orders.Orders), err)
			}
		}
		return perUnit(b, be, cpuTime()-start, time.Duration(b.N), "op")
	})
}

// BenchmarkOrderFilterScale lists a customer's orders filtered by a status
// none of them is in (refunded), among 1 000 and among 100 000 orders.
func BenchmarkOrderFilterScale(b *testing.B) {
	scaleRuns(b, "orders", []int{1000, 100_000}, func(b *testing.B, be storage.Backend, n int) time.Duration {
		c, id, _ := storeHistory(b, be, n)
		ctx := context.Background()
		b.ReportAllocs()
		runtime.GC() // the fixture's garbage is not the reads' to collect
		start := cpuTime()
		for b.Loop() {
			page, err := c.OrderList(ctx, id, playerbase.OrderListParams{Statuses: []orders.Status{orders.Refunded}})
			if err != nil || len(page.Orders) != 0 {
				b.Fatalf("OrderList(refunded) = %d orders, %v", len(page.Orders), err)
			}
		}
		return perUnit(b, be, cpuTime()-start, time.Duration(b.N), "op")
	})
}

// sweepFixture is a store with n items of 100 customers, 1% of them due
// (expired an hour ago, still recorded active), the rest expiring in 30
// days; their product queues no commands.
type sweepFixture struct {
	c   *playerbase.Client
	be  storage.Backend
	due []inventory.ItemID
}

func newSweepFixture(b *testing.B, be storage.Backend, n int) sweepFixture {
	b.Helper()
	ctx := context.Background()
	c := playerbase.New(be, nil)
	var custs []customer.ID
	for i := range 100 {
		cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: fmt.Sprint(76561197960265729 + i), Name: "Sweep"})
		if err != nil {
			b.Fatal(err)
		}
		custs = append(custs, cust.ID)
	}
	prod, err := c.ProductCreate(ctx, inventory.Product{Name: "Rank", Duration: period.For(30, period.Day)})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	past, future := now.Add(-time.Hour), now.Add(30*24*time.Hour)
	f := sweepFixture{c: c, be: be}
	items := make([]inventory.Item, n)
	for i := range items {
		at := future
		if i%100 == 0 {
			at = past
		}
		items[i] = inventory.Item{
			ID: inventory.NewItemID(now), Customer: custs[i%len(custs)], ProductID: prod.ID,
			Source: inventory.Source{Kind: inventory.FromManual, Actor: "admin:bench"}, GrantedAt: now,
			ExpiresAt: &at, State: inventory.Active,
		}
		if at.Equal(past) {
			f.due = append(f.due, items[i].ID)
		}
	}
	if pg, ok := be.(*postgres.Backend); ok {
		rows := make([][]any, n)
		for i, it := range items {
			rows[i] = []any{string(it.ID), string(it.Customer), string(it.ProductID), string(it.Source.Kind),
				it.Source.Actor, it.GrantedAt, *it.ExpiresAt, string(it.State), it.Version}
		}
		cols := []string{"id", "customer_id", "product_id", "source_kind", "source_actor", "granted_at", "expires_at", "state", "version"}
		if _, err := pg.Pool().CopyFrom(ctx, pgx.Identifier{"items"}, cols, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
		if _, err := pg.Pool().Exec(ctx, "vacuum analyze items"); err != nil {
			b.Fatal(err)
		}
		return f
	}
	for from := 0; from < n; from += 50_000 {
		err := be.Update(ctx, func(tx storage.Tx) error {
			for _, it := range items[from:min(n, from+50_000)] {
				if err := tx.Items().Create(ctx, it); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// revive records the swept items active again, so the next sweep finds
// the same 1% due.
func (f sweepFixture) revive(b *testing.B) {
	ctx := context.Background()
	if pg, ok := f.be.(*postgres.Backend); ok {
		ids := make([]string, len(f.due))
		for i, id := range f.due {
			ids[i] = string(id)
		}
		if _, err := pg.Pool().Exec(ctx, `update items set state = 'active', version = version + 1 where id = any($1)`, ids); err != nil {
			b.Fatal(err)
		}
		// The row versions the sweep and the revival left dead sit at
		// the due end of the expiry index; a store sweeps once, and
		// autovacuum clears them before the next.
		if _, err := pg.Pool().Exec(ctx, "vacuum items"); err != nil {
			b.Fatal(err)
		}
		return
	}
	err := f.be.Update(ctx, func(tx storage.Tx) error {
		for _, id := range f.due {
			it, err := tx.Items().Get(ctx, id)
			if err != nil {
				return err
			}
			it.State = inventory.Active
			if err := tx.Items().Update(ctx, it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSweepScale runs the expiry sweep (Client.ItemSweepExpired) over
// 10 000 and 300 000 items, 1% of them due, and reports the cost per item
// expired ("ns/expired", and its multiple of the 10 000 case's).
func BenchmarkSweepScale(b *testing.B) {
	scaleRuns(b, "items", []int{10_000, 300_000}, func(b *testing.B, be storage.Backend, n int) time.Duration {
		f := newSweepFixture(b, be, n)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		var cpu time.Duration
		for i := range b.N {
			// Off the clock: the fixture's garbage is collected before
			// the sweep, so a sweep pays for its own only.
			b.StopTimer()
			if i > 0 {
				f.revive(b)
			}
			runtime.GC()
			b.StartTimer()
			start := cpuTime()
			got, err := f.c.ItemSweepExpired(ctx)
			cpu += cpuTime() - start
			if err != nil || got != len(f.due) {
				b.Fatalf("SweepExpired = %d, %v; want %d", got, err, len(f.due))
			}
		}
		units := time.Duration(b.N * len(f.due))
		b.ReportMetric(float64((b.Elapsed() / units).Nanoseconds()), "ns/expired")
		return perUnit(b, be, cpu, units, "expired")
	})
}
