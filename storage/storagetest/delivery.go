package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
)

// newServer returns a server name no other test uses, so a poll sees only
// its test's commands on a shared database.
func newServer() string { return ids.New("srv", now) }

// claim runs fn as a poll does: in Claim if the backend has it, else in
// Update.
func claim(b storage.Backend, fn func(storage.Tx) error) error {
	if cl, ok := b.(storage.Claimer); ok {
		return cl.Claim(context.Background(), fn)
	}
	return b.Update(context.Background(), fn)
}

func commandIDs(cmds []inventory.Command) []inventory.CommandID {
	out := []inventory.CommandID{}
	for _, c := range cmds {
		out = append(out, c.ID)
	}
	return out
}

// leasable runs Leasable in an Update and returns the IDs.
func leasable(t *testing.T, b storage.Backend, q inventory.LeaseQuery) []inventory.CommandID {
	t.Helper()
	var got []inventory.Command
	update(t, b, func(tx storage.Tx) (err error) {
		got, err = tx.Commands().Leasable(context.Background(), q)
		return err
	})
	return commandIDs(got)
}

func testDelivery(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()

	t.Run("Leasable", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		it := newItem(c.ID, p.ID, now, nil)
		server, other := newServer(), newServer()
		const p1, p2 = "76561198000000001", "76561198000000002"
		lease := func(cmd inventory.Command, until time.Time) inventory.Command {
			l, err := cmd.Lease("lse_test", until, now.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		mk := func(mod func(*inventory.Command)) inventory.Command {
			cmd := newCommand(it, now)
			cmd.Server = server
			mod(&cmd)
			return cmd
		}
		anytime := mk(func(*inventory.Command) {})
		online1 := mk(func(c *inventory.Command) { c.OnlineOnly, c.Player = true, p1 })
		online2 := mk(func(c *inventory.Command) { c.OnlineOnly, c.Player = true, p2 })
		elsewhere := mk(func(c *inventory.Command) { c.Server = other })
		live := lease(mk(func(*inventory.Command) {}), now.Add(time.Minute))
		lapsed := lease(mk(func(*inventory.Command) {}), now.Add(-time.Second))
		lapsesNow := lease(mk(func(*inventory.Command) {}), now)
		done, _, _ := lease(mk(func(*inventory.Command) {}), now).Ack("", now)
		canceled, _ := mk(func(*inventory.Command) {}).Cancel()
		all := []inventory.Command{anytime, online1, online2, elsewhere, live, lapsed, lapsesNow, done, canceled}
		// Created newest first, so an order by insertion would show.
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
			for i := len(all) - 1; i >= 0; i-- {
				if err := tx.Commands().Create(ctx, all[i]); err != nil {
					return err
				}
			}
			return nil
		})

		q := inventory.LeaseQuery{Server: server, Players: []string{p1, "76561198000000009"}, Now: now, Limit: 100}
		want := []inventory.CommandID{anytime.ID, online1.ID, lapsed.ID, lapsesNow.ID}
		var got []inventory.Command
		update(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Commands().Leasable(ctx, q)
			return err
		})
		if d := cmp.Diff(want, commandIDs(got)); d != "" {
			t.Errorf("Leasable, oldest first (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]inventory.Command{anytime, online1, lapsed, lapsesNow}, got, cmpOpts...); d != "" {
			t.Errorf("Leasable returns the stored commands (-want +got):\n%s", d)
		}
		for _, cmd := range all {
			if q.Leasable(cmd) != slices.Contains(want, cmd.ID) {
				t.Errorf("%s: the store and LeaseQuery.Leasable disagree", cmd.ID)
			}
		}

		for _, tc := range []struct {
			name string
			q    inventory.LeaseQuery
			want []inventory.CommandID
		}{
			{"nobody online", inventory.LeaseQuery{Server: server, Now: now, Limit: 100}, []inventory.CommandID{anytime.ID, lapsed.ID, lapsesNow.ID}},
			{"both players", inventory.LeaseQuery{Server: server, Players: []string{p2, p1, p1}, Now: now, Limit: 100},
				[]inventory.CommandID{anytime.ID, online1.ID, online2.ID, lapsed.ID, lapsesNow.ID}},
			{"limit", inventory.LeaseQuery{Server: server, Players: []string{p2, p1}, Now: now, Limit: 2}, []inventory.CommandID{anytime.ID, online1.ID}},
			{"limit 0 means 1", inventory.LeaseQuery{Server: server, Now: now}, []inventory.CommandID{anytime.ID}},
			{"before the lapse", inventory.LeaseQuery{Server: server, Now: now.Add(-2 * time.Second), Limit: 100}, []inventory.CommandID{anytime.ID}},
			{"after the live lease", inventory.LeaseQuery{Server: server, Now: now.Add(time.Minute), Limit: 100},
				[]inventory.CommandID{anytime.ID, live.ID, lapsed.ID, lapsesNow.ID}},
			{"other server", inventory.LeaseQuery{Server: other, Players: []string{p1}, Now: now, Limit: 100}, []inventory.CommandID{elsewhere.ID}},
			{"unknown server", inventory.LeaseQuery{Server: newServer(), Players: []string{p1}, Now: now, Limit: 100}, []inventory.CommandID{}},
		} {
			if d := cmp.Diff(tc.want, leasable(t, b, tc.q)); d != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, d)
			}
		}

		err := b.View(ctx, func(tx storage.Tx) error {
			_, err := tx.Commands().Leasable(ctx, q)
			return err
		})
		if err == nil {
			t.Errorf("Leasable in View succeeded; it is a locking read")
		}
	})

	t.Run("IndexFollowsWrites", func(t *testing.T) {
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		it := newItem(c.ID, p.ID, now, nil)
		server := newServer()
		const p1, p2 = "76561198000000001", "76561198000000002"
		cmd := newCommand(it, now)
		cmd.Server, cmd.OnlineOnly, cmd.Player = server, true, p1
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
			return tx.Commands().Create(ctx, cmd)
		})
		q := func(players ...string) inventory.LeaseQuery {
			return inventory.LeaseQuery{Server: server, Players: players, Now: now, Limit: 10}
		}
		stored := func() inventory.Command {
			var got inventory.Command
			view(t, b, func(tx storage.Tx) (err error) {
				got, err = tx.Commands().Get(ctx, cmd.ID)
				return err
			})
			return got
		}
		write := func(c inventory.Command) {
			t.Helper()
			update(t, b, func(tx storage.Tx) error { return tx.Commands().Update(ctx, c) })
		}
		none, one := []inventory.CommandID{}, []inventory.CommandID{cmd.ID}

		// A failed Update that created a command or finished this one
		// leaves the index as it was.
		extra := newCommand(it, now)
		extra.Server = server
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Commands().Create(ctx, extra); err != nil {
				return err
			}
			l, _ := cmd.Lease("lse_a", now.Add(time.Minute), now)
			done, _, _ := l.Ack("", now)
			if err := tx.Commands().Update(ctx, done); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want the function's error", err)
		}
		if d := cmp.Diff(one, leasable(t, b, q(p1))); d != "" {
			t.Errorf("after a failed Update (-want +got):\n%s", d)
		}

		// Another player, then not online-only, then leased, lapsed, done.
		moved := stored()
		moved.Player = p2
		write(moved)
		if d := cmp.Diff(none, leasable(t, b, q(p1))); d != "" {
			t.Errorf("after the player changed, old player (-want +got):\n%s", d)
		}
		if d := cmp.Diff(one, leasable(t, b, q(p2))); d != "" {
			t.Errorf("after the player changed, new player (-want +got):\n%s", d)
		}
		anytime := stored()
		anytime.OnlineOnly, anytime.Player = false, ""
		write(anytime)
		if d := cmp.Diff(one, leasable(t, b, q())); d != "" {
			t.Errorf("no longer online-only, nobody online (-want +got):\n%s", d)
		}
		leased, _ := stored().Lease("lse_b", now.Add(time.Minute), now)
		write(leased)
		if d := cmp.Diff(none, leasable(t, b, q())); d != "" {
			t.Errorf("leased (-want +got):\n%s", d)
		}
		later := q()
		later.Now = now.Add(time.Minute)
		if d := cmp.Diff(one, leasable(t, b, later)); d != "" {
			t.Errorf("lease lapsed (-want +got):\n%s", d)
		}
		done, _, _ := stored().Ack("boom", now)
		write(done)
		if d := cmp.Diff(none, leasable(t, b, later)); d != "" {
			t.Errorf("failed (-want +got):\n%s", d)
		}
	})

	t.Run("Batch", func(t *testing.T) { testCommandBatch(t, newBackend) })

	t.Run("RandomWrites", func(t *testing.T) { testLeasableRandomWrites(t, newBackend) })

	t.Run("ConcurrentPolls", func(t *testing.T) {
		// Pollers of one server racing until nothing is left: each command
		// is leased exactly once, whatever the backend's locking.
		b := newBackend(t)
		c, p := inventoryFixture(t, b)
		it := newItem(c.ID, p.ID, now, nil)
		server := newServer()
		const total, pollers, batch = 60, 4, 5
		cmds := make([]inventory.Command, total)
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
			for i := range cmds {
				cmds[i] = newCommand(it, now)
				cmds[i].Server, cmds[i].Command = server, fmt.Sprintf("say %d", i)
				if err := tx.Commands().Create(ctx, cmds[i]); err != nil {
					return err
				}
			}
			return nil
		})
		var mu sync.Mutex
		leasedBy := map[inventory.CommandID]int{}
		var wg sync.WaitGroup
		errc := make(chan error, pollers)
		for w := range pollers {
			wg.Go(func() {
				leaseID := fmt.Sprintf("lse_%d", w)
				for {
					var got []inventory.Command
					err := claim(b, func(tx storage.Tx) error {
						got = got[:0]
						due, err := tx.Commands().Leasable(ctx, inventory.LeaseQuery{Server: server, Now: now, Limit: batch})
						if err != nil {
							return err
						}
						for _, cmd := range due {
							l, err := cmd.Lease(leaseID, now.Add(time.Minute), now)
							if err != nil {
								return err
							}
							if err := tx.Commands().Update(ctx, l); err != nil {
								return err
							}
							got = append(got, l)
						}
						return nil
					})
					if err != nil {
						errc <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, l := range got {
						leasedBy[l.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Errorf("poll: %v", err)
		}
		view(t, b, func(tx storage.Tx) error {
			for _, cmd := range cmds {
				got, err := tx.Commands().Get(ctx, cmd.ID)
				if err != nil {
					return err
				}
				if got.Status != inventory.Leased || got.Attempts != 1 || leasedBy[cmd.ID] != 1 {
					t.Errorf("%s: status %s, attempts %d, returned to %d polls; want leased once",
						cmd.ID, got.Status, got.Attempts, leasedBy[cmd.ID])
				}
			}
			return nil
		})
	})
}

// testLeasableRandomWrites checks Leasable against its rule
// (LeaseQuery.Leasable over every command) after each of a few hundred
// random writes: leases, lapses, results, cancels, commands moving between
// players, servers and the online-only flag, some in transactions that fail
// after writing (and after a Leasable that may have tidied an index).
func testLeasableRandomWrites(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c, p := inventoryFixture(t, b)
	it := newItem(c.ID, p.ID, now, nil)
	update(t, b, func(tx storage.Tx) error { return tx.Items().Create(ctx, it) })
	servers := []string{newServer(), newServer()}
	players := []string{"76561198000000001", "76561198000000002", "76561198000000003"}
	rnd := rand.New(rand.NewPCG(1, 2))
	at := func() time.Time { return now.Add(time.Duration(rnd.IntN(120)-60) * time.Second) }
	randomize := func(cmd *inventory.Command) {
		cmd.Server = servers[rnd.IntN(len(servers))]
		cmd.OnlineOnly = rnd.IntN(2) == 0
		cmd.Player = players[rnd.IntN(len(players))]
	}
	all := func() []inventory.Command {
		var cmds []inventory.Command
		view(t, b, func(tx storage.Tx) (err error) {
			cmds, err = tx.Commands().ListByItem(ctx, it.ID)
			return err
		})
		return cmds
	}
	// write changes one stored command (or adds one) inside tx.
	write := func(tx storage.Tx, cmds []inventory.Command) error {
		if len(cmds) == 0 || rnd.IntN(5) == 0 {
			cmd := newCommand(it, now)
			randomize(&cmd)
			return tx.Commands().Create(ctx, cmd)
		}
		cmd := cmds[rnd.IntN(len(cmds))]
		var err error
		switch rnd.IntN(5) {
		case 0:
			cmd, err = cmd.Lease("lse_r", at(), now.Add(-time.Hour))
		case 1:
			cmd, _, err = cmd.Ack([]string{"", "boom"}[rnd.IntN(2)], now)
		case 2:
			cmd, err = cmd.Cancel()
		case 3:
			randomize(&cmd)
		case 4:
			cmd.OnlineOnly = !cmd.OnlineOnly
		}
		if err != nil {
			return nil // a transition the rule refuses: nothing to write
		}
		return tx.Commands().Update(ctx, cmd)
	}
	for step := range 300 {
		cmds := all()
		if rnd.IntN(5) == 0 {
			err := b.Update(ctx, func(tx storage.Tx) error {
				if err := write(tx, cmds); err != nil {
					return err
				}
				if _, err := tx.Commands().Leasable(ctx, inventory.LeaseQuery{Server: servers[0], Players: players, Now: at(), Limit: 1 + rnd.IntN(5)}); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("step %d: Update = %v, want the function's error", step, err)
			}
			// A backend may end a failed transaction after Update returns
			// (PostgreSQL rolls back off the caller's path), and until then
			// Leasable skips the rows it locked, by design. Rewriting every
			// command waits for those locks.
			stored := all()
			update(t, b, func(tx storage.Tx) error {
				for _, cmd := range stored {
					if err := tx.Commands().Update(ctx, cmd); err != nil {
						return err
					}
				}
				return nil
			})
		} else {
			update(t, b, func(tx storage.Tx) error { return write(tx, cmds) })
		}
		cmds = all()
		for range 3 {
			q := inventory.LeaseQuery{Server: servers[rnd.IntN(len(servers))], Now: at(), Limit: 1 + rnd.IntN(10)}
			for _, pl := range players {
				if rnd.IntN(2) == 0 {
					q.Players = append(q.Players, pl)
				}
			}
			want := []inventory.CommandID{}
			for _, cmd := range cmds {
				if len(want) < q.Limit && q.Leasable(cmd) {
					want = append(want, cmd.ID)
				}
			}
			if d := cmp.Diff(want, leasable(t, b, q)); d != "" {
				t.Fatalf("step %d: Leasable(%+v) (-rule +store):\n%s", step, q, d)
			}
		}
	}
}

// testCommandBatch checks GetMany and UpdateMany against Get and Update: the
// same records, the same version checks, the index kept in step, and a
// failed transaction keeping none of a batch.
func testCommandBatch(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c, p := inventoryFixture(t, b)
	it, other := newItem(c.ID, p.ID, now, nil), newItem(c.ID, p.ID, now, nil)
	server := newServer()
	cmds := make([]inventory.Command, 4)
	update(t, b, func(tx storage.Tx) error {
		for _, i := range []inventory.Item{it, other} {
			if err := tx.Items().Create(ctx, i); err != nil {
				return err
			}
		}
		for i := range cmds {
			cmds[i] = newCommand(it, now)
			cmds[i].Server, cmds[i].Command = server, fmt.Sprintf("say %d", i)
			if err := tx.Commands().Create(ctx, cmds[i]); err != nil {
				return err
			}
		}
		return nil
	})
	ca, cb, cc, cd := cmds[0], cmds[1], cmds[2], cmds[3]
	unknown := inventory.NewCommandID(now)
	getMany := func(ids ...inventory.CommandID) []inventory.Command {
		t.Helper()
		var got []inventory.Command
		view(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Commands().GetMany(ctx, ids)
			return err
		})
		return got
	}
	updateMany := func(fn func(storage.Tx) error, cs ...inventory.Command) []inventory.CommandID {
		t.Helper()
		var unchanged []inventory.CommandID
		update(t, b, func(tx storage.Tx) (err error) {
			if unchanged, err = tx.Commands().UpdateMany(ctx, cs); err != nil {
				return err
			}
			return fn(tx)
		})
		return unchanged
	}
	none := func(storage.Tx) error { return nil }

	if d := cmp.Diff([]inventory.Command{ca, cc}, getMany(cc.ID, unknown, ca.ID, cc.ID), cmpOpts...); d != "" {
		t.Errorf("GetMany: known ones, in ID order, once each (-want +got):\n%s", d)
	}
	if got := getMany(); len(got) != 0 {
		t.Errorf("GetMany() = %v, want none", got)
	}
	if got := updateMany(none); len(got) != 0 {
		t.Errorf("UpdateMany() = %v, want nothing unchanged", got)
	}

	// a is leased; b is stale, c names another item, unknown is not
	// stored: those three are left as they are and named in input order.
	leasedA, _ := ca.Lease("lse_batch", now.Add(time.Minute), now)
	staleB := cb
	staleB.Version++
	staleB.Status = inventory.Canceled
	movedC := cc
	movedC.ItemID, movedC.Status = other.ID, inventory.Canceled
	ghost := newCommand(it, now)
	ghost.ID = unknown
	unchanged := updateMany(none, staleB, leasedA, ghost, movedC)
	if d := cmp.Diff([]inventory.CommandID{cb.ID, unknown, cc.ID}, unchanged); d != "" {
		t.Errorf("UpdateMany: unchanged (-want +got):\n%s", d)
	}
	wantA := leasedA.Clone()
	wantA.Version++
	if d := cmp.Diff([]inventory.Command{wantA, cb, cc}, getMany(ca.ID, cb.ID, cc.ID, unknown), cmpOpts...); d != "" {
		t.Errorf("after UpdateMany (-want +got):\n%s", d)
	}
	q := inventory.LeaseQuery{Server: server, Now: now, Limit: 10}
	if d := cmp.Diff([]inventory.CommandID{cb.ID, cc.ID, cd.ID}, leasable(t, b, q)); d != "" {
		t.Errorf("Leasable after UpdateMany leased one (-want +got):\n%s", d)
	}

	// Versions count as with Update: the read version writes, once.
	doneA, _, _ := wantA.Ack("", now)
	if got := updateMany(none, doneA); len(got) != 0 {
		t.Errorf("UpdateMany(ack) left %v unchanged", got)
	}
	if got := updateMany(none, doneA); len(got) != 1 || got[0] != ca.ID {
		t.Errorf("UpdateMany(same version again) = %v, want it unchanged", got)
	}

	// A batch naming a command twice is refused before anything is
	// written, and a failed transaction keeps none of a batch.
	leasedB, _ := cb.Lease("lse_batch", now.Add(time.Minute), now)
	err := b.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.Commands().UpdateMany(ctx, []inventory.Command{leasedB, leasedB})
		return err
	})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("UpdateMany with an ID twice = %v, want an error matching errs.ErrInvalid", err)
	}
	err = b.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Commands().UpdateMany(ctx, []inventory.Command{leasedB}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want the function's error", err)
	}
	if d := cmp.Diff([]inventory.Command{cb}, getMany(cb.ID), cmpOpts...); d != "" {
		t.Errorf("after failed Updates (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]inventory.CommandID{cb.ID, cc.ID, cd.ID}, leasable(t, b, q)); d != "" {
		t.Errorf("Leasable after failed Updates (-want +got):\n%s", d)
	}

	err = b.View(ctx, func(tx storage.Tx) error {
		_, err := tx.Commands().UpdateMany(ctx, []inventory.Command{leasedB})
		return err
	})
	if err == nil {
		t.Errorf("UpdateMany in View succeeded")
	}
}
