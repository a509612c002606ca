package playerbase_test

import (
	"context"
	"encoding/json"
	"fmt"
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
)

// change is one record change as the workflow records it: what
// playerbase's record turns into an event.
type change struct {
	typ           events.Type
	subject       string
	before, after any
}

// BenchmarkCompleteOrderEvents: what the change feed costs the workflow
// that writes the most events per call. Each round pays a fresh
// customer's order of a VIP and two crates (3 items granted, 3 commands
// queued, the order completed: 7 events), then, beside it, runs an Update
// that only writes the same events: for each of the same record pairs,
// what the workflow's record does (the actor check, the diff, an ID,
// Append), so the same count of events with the same changes, byte for
// byte, checked each round. events/workflow is the second's time over
// the first's, in the same run (the target is ≤ 0.15). The append-only
// Update also pays a transaction and a commit of its own, which in the
// workflow the events share with its other writes:
// events-less-commit/workflow takes off, each round, an Update that
// writes one small row and no event (on PostgreSQL its round trips and
// the commit's flush). cpu-events/workflow is the ratio of this process's
// CPU time, for a machine shared with other work:
//
//	go test -run '^$' -bench BenchmarkCompleteOrderEvents -benchtime 300x .
//
// The postgres case needs PLAYERBASE_TEST_POSTGRES and is skipped without.
func BenchmarkCompleteOrderEvents(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchOrderEvents(b, memory.New()) })
	b.Run("postgres", func(b *testing.B) { benchOrderEvents(b, pgtest.NewBackend(b)) })
}

func benchOrderEvents(b *testing.B, backend storage.Backend) {
	ctx := playerbase.WithActor(context.Background(), "webhook:paynow")
	pb := comClient(b, backend, nil)
	lines := []playerbase.OrderLineParams{{ProductID: vipID, Quantity: 1}, {ProductID: crateID, Quantity: 2}}
	var workflow, appendOnly, write, workflowCPU, appendOnlyCPU time.Duration
	nEvents := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		cust, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
			Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 500000+i), Name: fmt.Sprintf("Buyer%d", i),
		})
		if err != nil {
			b.Fatal(err)
		}
		unpaid, err := pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: lines})
		if err != nil {
			b.Fatal(err)
		}
		last, err := pb.EventLast(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		start, startCPU := time.Now(), cpuTime()
		paid, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: unpaid.ID, PaymentRef: "pay_" + string(unpaid.ID)})
		workflow += time.Since(start)
		workflowCPU += cpuTime() - startCPU

		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		wrote, err := pb.EventList(ctx, playerbase.EventListParams{After: last})
		if err != nil {
			b.Fatal(err)
		}
		changes := orderChanges(b, pb, unpaid, paid)
		now := time.Now().UTC()
		var built []events.Event
		b.StartTimer()

		start, startCPU = time.Now(), cpuTime()
		err = backend.Update(ctx, func(tx storage.Tx) error {
			built = built[:0]
			for _, c := range changes {
				actor, err := events.CheckActor(playerbase.ActorOf(ctx))
				if err != nil {
					return err
				}
				diff, err := playerbase.Diff(c.before, c.after)
				if err != nil {
					return err
				}
				e := events.Event{ID: events.NewID(now), Type: c.typ, Time: now, Actor: actor, Customer: cust.ID, Subject: c.subject, Changes: diff}
				if err := tx.Events().Append(ctx, e); err != nil {
					return err
				}
				built = append(built, e)
			}
			return nil
		})
		appendOnly += time.Since(start)
		appendOnlyCPU += cpuTime() - startCPU

		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		sameEvents(b, wrote.Events, built)
		nEvents += len(built)
		b.StartTimer()

		start = time.Now()
		err = backend.Update(ctx, func(tx storage.Tx) error {
			return tx.Metadata().PutMetadata(ctx, cust.ID, metadata.Metadata{"round": strconv.Itoa(i)})
		})
		write += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(workflow.Nanoseconds())/float64(b.N), "workflow-ns/op")
	b.ReportMetric(float64(appendOnly.Nanoseconds())/float64(b.N), "events-ns/op")
	b.ReportMetric(float64(nEvents)/float64(b.N), "events/op")
	b.ReportMetric(float64(appendOnly)/float64(workflow), "events/workflow")
	b.ReportMetric(float64(appendOnly-write)/float64(workflow), "events-less-commit/workflow")
	if workflowCPU > 0 {
		b.ReportMetric(float64(appendOnlyCPU)/float64(workflowCPU), "cpu-events/workflow")
	}
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
