package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// storeOrders stores n orders of c in every status, in cur, through the
// store, a few hundred per transaction.
func storeOrders(t testing.TB, b storage.Backend, c customer.ID, n int, cur string) []orders.Order {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Microsecond)
	var all []orders.Order
	for from := 0; from < n; from += 500 {
		err := b.Update(ctx, func(tx storage.Tx) error {
			for i := from; i < min(n, from+500); i++ {
				o, err := orders.New(orders.Params{Customer: c, Lines: []orders.Line{
					{ProductID: "vip", Quantity: 1 + i%3, UnitPrice: money.MustParse("5", cur)},
				}}, at)
				if err != nil {
					return err
				}
				switch i % 5 {
				case 0: // left unpaid
				case 1:
					o, _ = o.Cancel(at)
				default:
					o, _, err = o.Complete(fmt.Sprintf("pay_%s_%s_%d", c, cur, i), money.MustParse("1", cur), at)
					if err == nil && i%5 == 3 {
						o, err = o.Refund(money.MustParse("2", cur), at)
					}
					if err == nil && i%5 == 4 {
						o, _, err = o.Chargeback(money.MustParse("15", cur), at)
					}
					if err != nil {
						return err
					}
				}
				if err := tx.Orders().Create(ctx, o); err != nil {
					return err
				}
				all = append(all, o)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return all
}

func newStoredCustomer(t testing.TB, b storage.Backend) customer.ID {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := customer.Customer{
		ID: customer.NewID(now), Name: "Whale", FirstSeen: now, Updated: now,
		PlatformID: customer.MustPlatformID(customer.Steam, fmt.Sprintf("[U:1:%d]", rand.Uint32N(1<<31)+1)),
	}
	if err := b.Update(context.Background(), func(tx storage.Tx) error { return tx.Customers().Create(context.Background(), c) }); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// Migration 0015 sums the orders a store already has: a store upgraded
// with orders on it shows the same stats as before.
func TestOrderSummaryMigrationBackfills(t *testing.T) {
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	a, z := newStoredCustomer(t, b), newStoredCustomer(t, b)
	want := map[customer.ID][]orders.Order{
		a: append(storeOrders(t, b, a, 40, "EUR"), storeOrders(t, b, a, 15, "JPY")...),
		z: storeOrders(t, b, z, 25, "USD"),
	}
	// Back to the schema before 0015, orders kept; then migrate again.
	if _, err := b.Pool().Exec(ctx, `drop table order_summaries cascade;
		drop function playerbase_summarize_orders() cascade;
		create index orders_paid_idx on orders (customer_id, currency)
			include (status, total, fees, refunded, dispute_fee)
			where status in ('completed', 'refunded', 'chargeback');
		delete from playerbase_migrations where version = 15`); err != nil {
		t.Fatal(err)
	}
	if err := b.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for c, os := range want {
		var got orders.Summary
		err := b.View(ctx, func(tx storage.Tx) (err error) {
			got, err = tx.Orders().Summary(ctx, c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(orders.Summarize(os), got, cmpMoney...); d != "" {
			t.Errorf("Summary of %s after the migration (-Summarize +stored):\n%s", c, d)
		}
	}
}

var cmpMoney = []cmp.Option{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}

// genericPlan is one node of EXPLAIN (FORMAT JSON).
type genericPlan struct {
	NodeType     string        `json:"Node Type"`
	RelationName string        `json:"Relation Name"`
	IndexName    string        `json:"Index Name"`
	IndexCond    string        `json:"Index Cond"`
	Filter       string        `json:"Filter"`
	Plans        []genericPlan `json:"Plans"`
}

// walk calls fn on p and every node under it.
func (p genericPlan) walk(fn func(genericPlan)) {
	fn(p)
	for _, c := range p.Plans {
		c.walk(fn)
	}
}

// explainGeneric returns the generic plan of sql, the one the backend's
// connections (plan_cache_mode force_generic_plan) run whatever the
// arguments: the statement is prepared and explained as executed.
func explainGeneric(t *testing.T, b *postgres.Backend, sql string, args ...any) genericPlan {
	t.Helper()
	ctx := context.Background()
	conn, err := b.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "set plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "prepare explained as "+sql); err != nil {
		t.Fatal(err)
	}
	// The connection goes back to the pool: the statement must not stay.
	defer func() { _, _ = conn.Exec(ctx, "deallocate explained") }()
	lits := make([]string, len(args))
	for i, a := range args {
		lits[i] = literal(a)
	}
	var raw []byte
	if err := conn.QueryRow(ctx, "explain (format json) execute explained("+strings.Join(lits, ", ")+")").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var out []struct {
		Plan genericPlan `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("explain: %v (%s)", err, raw)
	}
	return out[0].Plan
}

// literal renders a query argument of the orders store as SQL.
func literal(v any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case int:
		return fmt.Sprint(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "array[" + strings.Join(q, ", ") + "]::text[]"
	default:
		return quote(fmt.Sprint(v))
	}
}

// The details page's reads cost what their answer costs, whatever the
// customer's history: the stats read the summary rows (never the orders),
// and a filter on statuses the customer has few orders in reads those
// only, through the (customer_id, status, id) index, however many orders
// in other statuses the customer has. Asserted on the plan, not on time.
func TestOrderReadsPlans(t *testing.T) {
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	// A customer with 20 000 orders, all completed or canceled, among 20
	// customers with a few orders in every status.
	c := newStoredCustomer(t, b)
	for range 20 {
		storeOrders(t, b, newStoredCustomer(t, b), 10, "EUR")
	}
	if _, err := b.Pool().Exec(ctx, `insert into orders (id, customer_id, lines, currency, total, fees, refunded,
			dispute_fee, status, created_at, updated_at, version)
		select 'ord_' || lpad(i::text, 26, '0'), $1, '[]', 'EUR', 5, 1, 0, 0,
			case when i % 4 = 0 then 'canceled' else 'completed' end, now(), now(), 1
		from generate_series(1, 20000) i`, c); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, "analyze orders"); err != nil {
		t.Fatal(err)
	}

	sum := explainGeneric(t, b, postgres.SummarySQL, c)
	sum.walk(func(p genericPlan) {
		if p.RelationName == "orders" {
			t.Errorf("Summary reads the orders table (%s on %s)", p.NodeType, p.IndexName)
		}
	})

	for _, p := range []orders.ListParams{
		{Customer: c, Statuses: []orders.Status{orders.Refunded}},
		{Customer: c, Statuses: []orders.Status{orders.Refunded}, Limit: 25},
		{Customer: c, Statuses: []orders.Status{orders.Chargeback, orders.Refunded, orders.Chargeback}, Limit: 25, Cursor: orders.NewID(time.Now())},
		{Customer: c, Statuses: []orders.Status{orders.Created, orders.Refunded}},
	} {
		sql, args := postgres.OrderListSQL(p)
		var scans []genericPlan
		explainGeneric(t, b, sql, args...).walk(func(n genericPlan) {
			if n.RelationName == "orders" {
				scans = append(scans, n)
			}
		})
		ok := len(scans) > 0 && !slices.ContainsFunc(scans, func(n genericPlan) bool {
			return n.IndexName != "orders_customer_status_idx" || !strings.Contains(n.IndexCond, "status") || n.Filter != ""
		})
		if !ok {
			t.Errorf("List %+v scans orders as %+v; want index scans of orders_customer_status_idx with the status in the index condition and no filter", p, scans)
		}
	}
}
