package playerbase_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// Pending commands kept queued, and commands per poll, in BenchmarkPollAck.
const (
	benchPending = 10_000
	benchBatch   = 100
)

// pollBench is a store with benchPending commands queued for server
// "bench", and a product that queues benchBatch more per assignment.
type pollBench struct {
	pb   *playerbase.Client
	cust customer.ID
	prod inventory.ProductID
}

func newPollBench(b *testing.B, backend storage.Backend) pollBench {
	b.Helper()
	ctx := context.Background()
	pb := playerbase.New(backend, nil)
	cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	tpls := make([]inventory.CommandTemplate, benchBatch)
	for i := range tpls {
		tpls[i] = inventory.CommandTemplate{Stage: inventory.OnPurchase, Server: "bench", Template: fmt.Sprintf("inventory.giveto {steam_id} item.%d 1", i)}
	}
	prod, err := pb.ProductCreate(ctx, inventory.Product{Name: "Bench", Commands: tpls})
	if err != nil {
		b.Fatal(err)
	}
	f := pollBench{pb: pb, cust: cust.ID, prod: prod.ID}
	f.refill(b, benchPending/benchBatch)
	return f
}

// refill queues n × benchBatch commands.
func (f pollBench) refill(b *testing.B, n int) {
	for range n {
		if _, err := f.pb.ItemAssign(context.Background(), playerbase.ItemAssignParams{Customer: f.cust, Product: f.prod, Actor: "admin:bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// pollAck is one plugin round: poll a batch and acknowledge all of it.
func (f pollBench) pollAck(b *testing.B) int {
	ctx := context.Background()
	ds, err := f.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "bench", Limit: benchBatch})
	if err != nil {
		b.Error(err)
		return 0
	}
	rs := make([]playerbase.DeliveryResult, len(ds))
	for i, d := range ds {
		rs[i] = playerbase.DeliveryResult{Key: d.Key}
	}
	out, err := f.pb.DeliveryAck(ctx, "bench", rs)
	if err != nil {
		b.Error(err)
		return 0
	}
	for _, o := range out {
		if o.Err != nil || o.Duplicate {
			b.Errorf("ack: %+v", o)
		}
	}
	return len(ds)
}

// run measures rounds of pollers concurrent plugin rounds, each followed,
// off the clock, by queuing what they took, so benchPending stay pending.
func (f pollBench) run(b *testing.B, pollers int) {
	delivered := 0
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := cpuTime()
		for range pollers {
			wg.Go(func() {
				n := f.pollAck(b)
				mu.Lock()
				delivered += n
				mu.Unlock()
			})
		}
		wg.Wait()
		cpu += cpuTime() - start
		b.StopTimer()
		f.refill(b, pollers)
		b.StartTimer()
	}
	if delivered != b.N*pollers*benchBatch {
		b.Fatalf("delivered %d commands, want %d", delivered, b.N*pollers*benchBatch)
	}
	b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "cmds/sec")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(delivered), "cpu-ns/cmd")
}

// BenchmarkPollAck: commands a game server gets delivered per second (poll
// a batch of 100, acknowledge it) with 10 000 pending, on each backend,
// with the floor a bare implementation of the same work sets in the same
// run (compare cpu-ns/cmd, the process's CPU time per command, on a
// machine shared with other work; on PostgreSQL the server's share shows
// in cmds/sec only):
//
//	go test -run '^$' -bench BenchmarkPollAck -benchtime 2s .
//
// The postgres cases need PLAYERBASE_TEST_POSTGRES and are skipped without;
// the sqlite ones run on a file in WAL mode in a temporary directory.
func BenchmarkPollAck(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		newPollBench(b, memory.New()).run(b, 1)
	})
	// The same rounds with no event built or appended (a test hook): what
	// the change feed costs a delivery is memory's cpu-ns/cmd over this.
	b.Run("memory-no-events", func(b *testing.B) {
		playerbase.EventsOff(true)
		defer playerbase.EventsOff(false)
		newPollBench(b, memory.New()).run(b, 1)
	})
	b.Run("memory-map-baseline", benchMapBaseline)
	b.Run("postgres", func(b *testing.B) {
		newPollBench(b, pgtest.NewBackend(b)).run(b, 1)
	})
	b.Run("postgres-4-pollers", func(b *testing.B) {
		newPollBench(b, pgtest.NewBackend(b)).run(b, 4)
	})
	b.Run("postgres-sql-baseline", benchSQLBaseline)
	b.Run("sqlite", func(b *testing.B) {
		newPollBench(b, sqlitetest.NewBackend(b)).run(b, 1)
	})
	b.Run("sqlite-4-pollers", func(b *testing.B) {
		newPollBench(b, sqlitetest.NewBackend(b)).run(b, 4)
	})
}

// benchMapBaseline is the memory floor: a map of 10 000 statuses, each
// round marking 100 pending entries leased, then executed, then queuing
// 100 more. No transaction, no copies, no ordering.
func benchMapBaseline(b *testing.B) {
	type entry struct {
		status   inventory.CommandStatus
		attempts int
		until    time.Time
	}
	m := make(map[int]*entry, benchPending)
	next := 0
	add := func(n int) {
		for range n {
			m[next] = &entry{status: inventory.Pending}
			next++
		}
	}
	add(benchPending)
	now := time.Now()
	b.ResetTimer()
	start := cpuTime()
	for range b.N {
		batch := make([]int, 0, benchBatch)
		for k, e := range m {
			if e.status == inventory.Pending {
				e.status, e.until = inventory.Leased, now.Add(time.Minute)
				e.attempts++
				batch = append(batch, k)
				if len(batch) == benchBatch {
					break
				}
			}
		}
		for _, k := range batch {
			m[k].status = inventory.Executed
			delete(m, k)
		}
		add(len(batch))
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "cmds/sec")
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N*benchBatch), "cpu-ns/cmd")
}

// benchSQLBaseline is the PostgreSQL floor: the same work as two bare
// statements on the same schema and indexes, without transactions of our
// own or per-row checks — one UPDATE leasing the oldest 100 (FOR UPDATE
// SKIP LOCKED), one marking them executed.
func benchSQLBaseline(b *testing.B) {
	be := pgtest.NewBackend(b)
	f := newPollBench(b, be)
	pool := be.Pool()
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		now := time.Now().UTC()
		rows, err := pool.Query(ctx, `update commands set status = 'leased', lease_id = 'lse_bench', lease_expires_at = $2,
				attempts = attempts + 1, version = version + 1
			where id in (select id from commands
				where server = $1 and not online_only
				  and (status = 'pending' or status = 'leased' and lease_expires_at <= $3)
				order by id limit $4 for update skip locked)
			returning id`, "bench", now.Add(time.Minute), now, benchBatch)
		if err != nil {
			b.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, id)
		}
		if rows.Close(); rows.Err() != nil || len(ids) != benchBatch {
			b.Fatalf("leased %d: %v", len(ids), rows.Err())
		}
		if _, err := pool.Exec(ctx, `update commands set status = 'executed', executed_at = $2, lease_id = '',
				lease_expires_at = null, version = version + 1
			where id = any($1) and status = 'leased'`, ids, now); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.refill(b, 1)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "cmds/sec")
}
