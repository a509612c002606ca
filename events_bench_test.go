package playerbase_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// change is one record change as the workflow records it: what
// playerbase's record turns into an event.
type change struct {
	typ           events.Type
	subject       string
	before, after any
}

// BenchmarkCompleteOrderEvents: what the change feed costs the workflow
// that writes the most events per call. Each round pays two fresh
// customers' orders of a VIP and two crates (3 items granted, 3 commands
// queued, the order completed: 7 events), one with the events on and one
// with them off (playerbase builds and appends none: no actor check, no
// diff, no ID, no Append), in alternating order, on the same backend, so
// the two see the same data and the same garbage collector:
//
//	events-share = (workflow − workflow without events) / workflow
//
// is the share of the workflow's time that writing its events takes (the
// target is ≤ 0.15), with everything it costs: the diffs, the store's
// work in the transaction and at commit, and the garbage the feed makes.
// median-events-share is the median of the shares of pairs of rounds
// (one of each order): on a shared machine a round the scheduler or a
// collection stalls is an outlier it ignores, where the sums count it.
// cpu-events-share is the same with this process's CPU time, for a
// machine shared with other work (on PostgreSQL most of the time is the
// server's and the round trips', which it does not see).
//
// Beside it, as the issue asks, an Update that only writes the same
// events: for each of the same record pairs, what the workflow does
// (playerbase's record: the actor check, an ID, the diff or the packed
// versions, the store's append), so the same count of events with the
// same changes, byte for byte, checked each round.
// events-alone/workflow is its time over the workflow's. It also pays a
// transaction and a commit of its own, which in the workflow the events
// share with its other writes: events-alone-less-commit/workflow takes
// off, each round, an Update that writes one small row and no event.
//
//	go test -run '^$' -bench BenchmarkCompleteOrderEvents -benchtime 1000x -count 3 .
//
// The postgres case needs PLAYERBASE_TEST_POSTGRES and is skipped without.
func BenchmarkCompleteOrderEvents(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchOrderEvents(b, memory.New()) })
	b.Run("postgres", func(b *testing.B) { benchOrderEvents(b, pgtest.NewBackend(b)) })
	b.Run("sqlite", func(b *testing.B) { benchOrderEvents(b, sqlitetest.NewBackend(b)) })
}

func benchOrderEvents(b *testing.B, backend storage.Backend) {
	ctx := playerbase.WithActor(context.Background(), "webhook:paynow")
	pb := comClient(b, backend, nil)
	lines := []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}, {ProductID: crateID, Quantity: 2}}
	order := func(n int) orders.Order {
		cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
			Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 500000+n), Name: fmt.Sprintf("Buyer%d", n),
		})
		if err != nil {
			b.Fatal(err)
		}
		o, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: lines})
		if err != nil {
			b.Fatal(err)
		}
		return o
	}
	complete := func(o orders.Order, off bool) (orders.Order, time.Duration, time.Duration) {
		playerbase.EventsOff(off)
		defer playerbase.EventsOff(false)
		start, startCPU := time.Now(), cpuTime()
		paid, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_" + string(o.ID)})
		took, tookCPU := time.Since(start), cpuTime()-startCPU
		if err != nil {
			b.Fatal(err)
		}
		return paid, took, tookCPU
	}
	var workflow, without, alone, write, workflowCPU, withoutCPU time.Duration
	var ons, offs []time.Duration // each round's
	nEvents := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		unpaid, other := order(2*i), order(2*i+1)
		last, err := pb.EventLast(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		var paid orders.Order
		var on, off, onCPU, offCPU time.Duration
		if i%2 == 0 {
			paid, on, onCPU = complete(unpaid, false)
			_, off, offCPU = complete(other, true)
		} else {
			_, off, offCPU = complete(other, true)
			paid, on, onCPU = complete(unpaid, false)
		}
		workflow, workflowCPU = workflow+on, workflowCPU+onCPU
		without, withoutCPU = without+off, withoutCPU+offCPU
		ons, offs = append(ons, on), append(offs, off)

		b.StopTimer()
		wrote, err := pb.EventList(ctx, playerbase.EventListParams{After: last})
		if err != nil {
			b.Fatal(err)
		}
		changes := orderChanges(b, pb, unpaid, paid)
		now := time.Now().UTC()
		before, err := pb.EventLast(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		start := time.Now()
		err = backend.Update(ctx, func(tx storage.Tx) error {
			for _, c := range changes {
				if err := playerbase.Record(ctx, tx, now, c.typ, unpaid.Customer, c.subject, c.before, c.after); err != nil {
					return err
				}
			}
			return nil
		})
		alone += time.Since(start)

		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		built, err := pb.EventList(ctx, playerbase.EventListParams{After: before})
		if err != nil {
			b.Fatal(err)
		}
		// The workflow without events wrote none: only the one with them.
		sameEvents(b, wrote.Events, built.Events)
		nEvents += len(built.Events)
		b.StartTimer()

		start = time.Now()
		err = backend.Update(ctx, func(tx storage.Tx) error {
			return tx.Metadata().PutMetadata(ctx, unpaid.Customer, metadata.Metadata{"round": strconv.Itoa(i)})
		})
		write += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(workflow.Nanoseconds())/float64(b.N), "workflow-ns/op")
	b.ReportMetric(float64(without.Nanoseconds())/float64(b.N), "workflow-no-events-ns/op")
	b.ReportMetric(float64(workflow-without)/float64(workflow), "events-share")
	// Rounds in pairs, one of each order, so a pair's share does not
	// depend on which side ran first.
	var shares []float64
	for i := 1; i < len(ons); i += 2 {
		on := ons[i-1] + ons[i]
		shares = append(shares, float64(on-offs[i-1]-offs[i])/float64(on))
	}
	if len(shares) > 0 {
		slices.Sort(shares)
		b.ReportMetric(shares[len(shares)/2], "median-events-share")
	}
	if workflowCPU > 0 {
		b.ReportMetric(float64(workflowCPU-withoutCPU)/float64(workflowCPU), "cpu-events-share")
	}
	b.ReportMetric(float64(nEvents)/float64(b.N), "events/op")
	b.ReportMetric(float64(alone.Nanoseconds())/float64(b.N), "events-alone-ns/op")
	b.ReportMetric(float64(alone)/float64(workflow), "events-alone/workflow")
	b.ReportMetric(float64(alone-write)/float64(workflow), "events-alone-less-commit/workflow")
}

// orderChanges returns the record changes paying unpaid made, as the
// workflow recorded them: each item granted and each command queued, then
// the order completed.
func orderChanges(b *testing.B, pb *playerbase.Client, unpaid, paid orders.Order) []change {
	b.Helper()
	ctx := context.Background()
	var out []change
	for _, id := range paid.Granted {
		it, err := pb.ItemGet(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		cmds, err := pb.CommandList(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, change{events.ItemGranted, string(it.ID), nil, it})
		for _, cmd := range cmds {
			out = append(out, change{events.CommandQueued, string(cmd.ID), nil, cmd})
		}
	}
	return append(out, change{events.OrderCompleted, string(paid.ID), unpaid, paid})
}

// sameEvents fails b unless built are the events the workflow wrote: as
// many, of the same types and subjects, with the same changes.
func sameEvents(b *testing.B, wrote, built []events.Event) {
	b.Helper()
	if len(wrote) != len(built) {
		b.Fatalf("the workflow wrote %d events, the append-only update %d", len(wrote), len(built))
	}
	for i := range wrote {
		w, err := json.Marshal(wrote[i].Changes)
		if err != nil {
			b.Fatal(err)
		}
		g, err := json.Marshal(built[i].Changes)
		if err != nil {
			b.Fatal(err)
		}
		if wrote[i].Type != built[i].Type || wrote[i].Subject != built[i].Subject || string(w) != string(g) {
			b.Fatalf("event %d: the workflow wrote %s %s %s, the append-only update %s %s %s",
				i, wrote[i].Type, wrote[i].Subject, w, built[i].Type, built[i].Subject, g)
		}
	}
}
