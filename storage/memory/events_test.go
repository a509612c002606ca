package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/oklog/ulid/v2"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
)

// The feed packs each event into bytes: every event reads back as it was
// appended, whatever it holds (no changes, empty ones, values nil or
// empty, a time in any zone, an event larger than an arena chunk, a
// created record kept packed, one larger than a chunk, an event the
// store gave its ID), after rolled-back transactions and prunes, and the
// subscribers get the same without the changes.
func TestEventsPackedReadBack(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.Local}
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		b := memory.New()
		var published []events.Event
		defer b.SubscribeEvents(func(evs []events.Event) { published = append(published, evs...) })()
		base := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
		var want []events.Event
		seq := events.Seq(0)
		for round := range rapid.IntRange(1, 6).Draw(rt, "rounds") {
			var evs []events.Event
			var records [][2]any // the versions each event of evs was made from, or nils
			for i := range rapid.IntRange(1, 4).Draw(rt, "events") {
				e := drawEvent(rt, base.Add(time.Duration(round)*time.Hour), zones, fmt.Sprint(round, i))
				vs := drawVersions(rt, e.Time)
				if vs[1] != nil {
					var err error
					if e.Changes, err = eventdiff.Diff(vs[0], vs[1]); err != nil {
						rt.Fatal(err)
					}
					if rapid.Bool().Draw(rt, "no ID") {
						e.ID = "" // the store gives it one
					}
				}
				evs, records = append(evs, e), append(records, vs)
			}
			fail := rapid.Bool().Draw(rt, "roll back")
			err := b.Update(ctx, func(tx storage.Tx) error {
				for i, e := range evs {
					var err error
					if vs := records[i]; vs[1] != nil {
						e.Changes = nil // AppendRecord ignores them
						_, err = tx.Events().(events.RecordAppender).AppendRecord(ctx, e, vs[0], vs[1])
					} else {
						err = tx.Events().Append(ctx, e)
					}
					if err != nil {
						return err
					}
				}
				if fail {
					return errors.New("roll back")
				}
				return nil
			})
			if fail != (err != nil) {
				rt.Fatalf("Update: %v", err)
			}
			if !fail {
				// The IDs the store gave: new, each its own, stamped
				// with its event's time.
				for i, p := range published[len(published)-len(evs):] {
					if evs[i].ID != "" {
						continue
					}
					id, err := events.ParseID(string(p.ID))
					if err != nil || id != p.ID || strings.HasPrefix(string(p.ID), "evt_"+ulidTime(evs[i].Time)) == false {
						rt.Fatalf("given ID %q for an event at %v: %v", p.ID, evs[i].Time, err)
					}
					for _, w := range want {
						if w.ID == p.ID {
							rt.Fatalf("ID %s given twice", p.ID)
						}
					}
					evs[i].ID = p.ID
				}
			}
			for _, e := range evs {
				if !fail { // a rolled-back Seq is given again
					seq++
					e.Seq = seq
					want = append(want, e)
				}
			}
		}
		if rapid.Bool().Draw(rt, "prune") {
			cut := base.Add(time.Duration(rapid.IntRange(0, 6).Draw(rt, "cut")) * time.Hour)
			if err := b.Update(ctx, func(tx storage.Tx) error {
				_, err := tx.Events().Prune(ctx, cut, cut)
				return err
			}); err != nil {
				rt.Fatal(err)
			}
			var kept []events.Event
			for _, e := range want {
				if !e.Time.Before(cut) {
					kept = append(kept, e)
				}
			}
			// Published before the prune, all of them.
			if diff := cmp.Diff(heads(want), published); diff != "" {
				rt.Fatalf("published (-appended +got):\n%s", diff)
			}
			want, published = kept, heads(kept)
		}
		var got []events.Event
		if err := b.View(ctx, func(tx storage.Tx) error {
			for after := events.Seq(0); ; {
				evs, err := tx.Events().List(ctx, events.Query{After: after, Limit: 3})
				var behind *events.BehindError
				if errors.As(err, &behind) {
					after = behind.Horizon
					continue
				}
				if err != nil || len(evs) == 0 {
					return err
				}
				got = append(got, evs...)
				after = evs[len(evs)-1].Seq
			}
		}); err != nil {
			rt.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			rt.Fatalf("List (-appended +got):\n%s", diff)
		}
		for _, e := range got {
			if e.Time.Location() != locOf(want, e.Seq) {
				rt.Fatalf("event %d: zone %v, appended in %v", e.Seq, e.Time.Location(), locOf(want, e.Seq))
			}
		}
		if diff := cmp.Diff(heads(want), published); diff != "" {
			rt.Fatalf("published (-appended +got):\n%s", diff)
		}
	})
}

// ulidTime returns the text a ULID stamped with t starts with.
func ulidTime(t time.Time) string {
	var u ulid.ULID
	_ = u.SetTime(ulid.Timestamp(t))
	return u.String()[:10]
}

// heads returns evs without their changes, as subscribers get them.
func heads(evs []events.Event) []events.Event {
	var out []events.Event
	if len(evs) > 0 {
		out = make([]events.Event, len(evs))
	}
	for i, e := range evs {
		e.Changes = nil
		out[i] = e
	}
	return out
}

func locOf(evs []events.Event, seq events.Seq) *time.Location {
	for _, e := range evs {
		if e.Seq == seq {
			return e.Time.Location()
		}
	}
	return nil
}

func drawEvent(rt *rapid.T, at time.Time, zones []*time.Location, n string) events.Event {
	value := func(label string) json.RawMessage {
		switch rapid.IntRange(0, 4).Draw(rt, label) {
		case 0:
			return nil
		case 1:
			return json.RawMessage{}
		case 2:
			return json.RawMessage(strings.Repeat(`"x"`, rapid.IntRange(3000, 5000).Draw(rt, label+" big")))
		}
		return json.RawMessage(rapid.SampledFrom([]string{`"a"`, `1`, `null`, `{"k":[1,2]}`}).Draw(rt, label+" value"))
	}
	e := events.Event{
		ID:      events.NewID(at),
		Type:    rapid.SampledFrom([]events.Type{events.BanCreated, events.ItemGranted, events.CommandExecuted}).Draw(rt, "type"),
		Time:    at.Add(time.Duration(rapid.IntRange(0, 1e9).Draw(rt, "ns"))).In(rapid.SampledFrom(zones).Draw(rt, "zone")),
		Actor:   rapid.SampledFrom([]string{"system", "admin:alice", "gameserver:eu-1"}).Draw(rt, "actor"),
		Subject: "sub_" + n + rapid.SampledFrom([]string{"", strings.Repeat("s", 70000)}).Draw(rt, "subject"),
	}
	if rapid.Bool().Draw(rt, "customer") {
		e.Customer = customer.ID(rapid.SampledFrom([]string{"cus_A", "cus_B"}).Draw(rt, "customer id"))
	}
	switch rapid.IntRange(0, 2).Draw(rt, "changes") {
	case 0:
	case 1:
		e.Changes = events.Changes{}
	default:
		e.Changes = events.Changes{}
		for i := range rapid.IntRange(1, 5).Draw(rt, "fields") {
			e.Changes[fmt.Sprint("f", i)] = events.Change{Before: value("before"), After: value("after")}
		}
	}
	return e
}

// drawVersions returns no versions, or those of a record changed at at:
// a command created or leased, kept packed, or an order created, kept as
// its changes.
func drawVersions(rt *rapid.T, at time.Time) [2]any {
	lease := at.Add(time.Minute)
	cmd := inventory.Command{
		ID: "cmd_1", Customer: "cus_A", Server: rapid.SampledFrom([]string{"", "eu-1", "é\x00<"}).Draw(rt, "server"),
		Command: rapid.SampledFrom([]string{"say hi", strings.Repeat("give x; ", 10000)}).Draw(rt, "command"), Attempts: rapid.IntRange(0, 3).Draw(rt, "attempts"), OnlineOnly: rapid.Bool().Draw(rt, "online"),
		Status: inventory.Pending, CreatedAt: at,
	}
	switch rapid.IntRange(0, 4).Draw(rt, "versions") {
	case 0:
		return [2]any{nil, cmd}
	case 1:
		leased := cmd
		leased.Status, leased.Attempts, leased.LeaseExpiresAt = inventory.Leased, cmd.Attempts+1, &lease
		return [2]any{cmd, leased}
	case 2:
		return [2]any{nil, orders.Order{ID: "ord_1", Customer: "cus_A", Status: "pending", CreatedAt: at, UpdatedAt: at}}
	}
	return [2]any{}
}
