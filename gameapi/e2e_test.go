package gameapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
)

// A purchase through the Client reaches the game server over HTTP: the
// plugin polls, runs, acknowledges, and the store shows executed.
func TestPurchasePollRunAck(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("rust-eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "inventory.giveto {steam_id} kit.starter", "say {name} got a kit"))

	var ran []string
	r, err := f.client(token, nil).Deliver(context.Background(), gameclient.Players{}, func(_ context.Context, c gameclient.Command) error {
		ran = append(ran, c.Command)
		if c.SteamID != garry.PlatformID.Value || c.CustomerName == nil || *c.CustomerName != "Garry" {
			t.Errorf("command for %q (%v), want Garry's SteamID %s", c.SteamID, c.CustomerName, garry.PlatformID.Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"inventory.giveto " + garry.PlatformID.Value + " kit.starter", "say Garry got a kit"}
	if !slices.Equal(ran, want) || r.Executed != 2 {
		t.Fatalf("ran %q (report %+v), want %q", ran, r, want)
	}
	for _, c := range f.commands(garry) {
		if c.Status != inventory.Executed {
			t.Errorf("ItemCommands: %q is %s, want executed", c.Command, c.Status)
		}
	}
	if r, _ := f.client(token, nil).Deliver(context.Background(), gameclient.Players{}, nil); r.Received != 0 {
		t.Errorf("a second poll got %d commands, want none", r.Received)
	}
}

// A command that fails in game shows failed, with its error, not pending.
func TestFailedCommandShowsFailed(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("rust-eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "oxide.grant user {steam_id} vip", "say hi"))
	r, err := f.client(token, nil).Deliver(context.Background(), gameclient.Players{}, func(_ context.Context, c gameclient.Command) error {
		if strings.HasPrefix(c.Command, "oxide.grant") {
			return errors.New("Unknown command: oxide.grant")
		}
		return nil
	})
	if err != nil || r.Failed != 1 || r.Executed != 1 {
		t.Fatalf("Deliver = %+v, %v; want 1 executed, 1 failed", r, err)
	}
	for _, c := range f.commands(garry) {
		want, wantErr := inventory.Executed, ""
		if strings.HasPrefix(c.Command, "oxide.grant") {
			want, wantErr = inventory.Failed, "Unknown command: oxide.grant"
		}
		if c.Status != want || c.Error != wantErr {
			t.Errorf("%q: %s %q, want %s %q", c.Command, c.Status, c.Error, want, wantErr)
		}
	}
}

// crashAfterPoll makes the plugin "crash" after running the commands its
// first poll got: every later request, the one that would report them
// (a poll carrying them, or an acknowledgement), fails before it reaches
// the server.
type crashAfterPoll struct {
	next   http.RoundTripper
	polled *atomic.Bool
}

func (f crashAfterPoll) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.polled.Swap(true) {
		return nil, errors.New("plugin crashed")
	}
	return f.next.RoundTrip(r)
}

// A plugin that crashes between running a command and acknowledging it
// does not run it again. Restarted with its journal, it reports the result
// with its first poll: the store shows the command executed at once, and
// nothing comes back when the lease would have run out.
func TestCrashBetweenRunAndAckRunsOnce(t *testing.T) {
	f, token, garry, journal, runs, run := crashAfterRunning(t)
	restarted := f.client(token, journal)
	r, err := restarted.Deliver(context.Background(), gameclient.Players{}, run)
	if err != nil || r.Received != 0 || r.Executed != 1 {
		t.Fatalf("restarted: %+v, %v; want the journal's result reported, nothing handed out", r, err)
	}
	if cmds := f.commands(garry); len(cmds) != 1 || cmds[0].Status != inventory.Executed || cmds[0].Attempts != 1 {
		t.Errorf("store shows %+v, want executed after 1 lease", cmds)
	}
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	if r, err := restarted.Deliver(context.Background(), gameclient.Players{}, run); err != nil || r.Received != 0 {
		t.Fatalf("after the lease: %+v, %v; want nothing", r, err)
	}
	if *runs != 1 {
		t.Errorf("ran %d times, want 1", *runs)
	}
	if journal.Len() != 0 {
		t.Errorf("journal holds %d keys after the report, want 0", journal.Len())
	}
}

// journalOnly hides a journal's Entries: a Journal that is not a Lister.
type journalOnly struct{ gameclient.Journal }

// With a journal that cannot list its entries, the command comes back
// after its lease, under the same key, and is acknowledged from the
// journal without running again.
func TestCrashWithPlainJournalRunsOnce(t *testing.T) {
	f, token, garry, journal, runs, run := crashAfterRunning(t)
	restarted := f.client(token, journalOnly{journal})
	if r, err := restarted.Deliver(context.Background(), gameclient.Players{}, run); err != nil || r.Received != 0 || r.Executed != 0 {
		t.Fatalf("during the lease: %+v, %v; want nothing", r, err)
	}
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	r, err := restarted.Deliver(context.Background(), gameclient.Players{}, run)
	if err != nil || r.Received != 1 || r.Ran != 0 || r.Executed != 1 {
		t.Fatalf("after the lease: %+v, %v; want 1 received, 0 run, 1 executed", r, err)
	}
	if *runs != 1 {
		t.Errorf("ran %d times, want 1", *runs)
	}
	if cmds := f.commands(garry); len(cmds) != 1 || cmds[0].Status != inventory.Executed || cmds[0].Attempts != 2 {
		t.Errorf("store shows %+v, want executed after 2 leases", cmds)
	}
	if journal.Len() != 0 {
		t.Errorf("journal holds %d keys after the ack, want 0", journal.Len())
	}
}

// crashAfterRunning buys a kit, and has a plugin run its command and
// crash before reporting it: it returns the journal the plugin kept, how
// many times the command ran (once) and the run function.
func crashAfterRunning(t *testing.T) (f *fixture, token string, garry customer.Customer, journal *gameclient.MemoryJournal, runs *int, run func(context.Context, gameclient.Command) error) {
	f = newFixture(t, nil)
	_, token = f.server("rust-eu-1")
	garry = f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "inventory.giveto {steam_id} kit.starter"))
	journal = gameclient.NewMemoryJournal()
	runs = new(int)
	run = func(context.Context, gameclient.Command) error { *runs++; return nil }
	crashing, err := gameclient.New(gameclient.Config{BaseURL: f.srv.URL, Token: token, Journal: journal,
		HTTPClient: &http.Client{Transport: crashAfterPoll{f.http.Transport, new(atomic.Bool)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crashing.Deliver(context.Background(), gameclient.Players{}, run); err == nil {
		t.Fatal("Deliver with a failing report succeeded")
	}
	if *runs != 1 || journal.Len() != 1 {
		t.Fatalf("before the crash: ran %d times, journal holds %d keys; want 1 and 1", *runs, journal.Len())
	}
	return f, token, garry, journal, runs, run
}

// Four plugins on four servers, polling in parallel, get disjoint
// commands: each only its own server's, none twice.
func TestParallelServersGetDisjointCommands(t *testing.T) {
	f := newFixture(t, nil)
	const servers, buyers = 4, 12
	tokens := make([]string, servers)
	var prods []inventory.Product
	for i := range servers {
		name := fmt.Sprintf("eu-%d", i)
		_, tokens[i] = f.server(name)
		prods = append(prods, f.product(name, "give {steam_id} a "+name, "give {steam_id} b "+name, "give {steam_id} c "+name))
	}
	for i := range buyers {
		c := f.customer(fmt.Sprintf("Buyer%d", i))
		for _, p := range prods {
			f.buy(c, p)
		}
	}
	var mu sync.Mutex
	seen := map[string]string{} // attempt ID → server
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("eu-%d", i)
			c := f.client(tok, nil)
			for {
				r, err := c.Deliver(context.Background(), gameclient.Players{}, func(_ context.Context, cmd gameclient.Command) error {
					mu.Lock()
					defer mu.Unlock()
					if prev, dup := seen[cmd.AttemptID]; dup {
						t.Errorf("%s ran %s, already run by %s", name, cmd.AttemptID, prev)
					}
					seen[cmd.AttemptID] = name
					if !strings.HasSuffix(cmd.Command, " "+name) {
						t.Errorf("%s got %q, queued for another server", name, cmd.Command)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if r.Received == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if want := servers * buyers * 3; len(seen) != want {
		t.Errorf("ran %d commands, want %d", len(seen), want)
	}
}

// A command the journal shows started but never finished (the plugin died
// while running it) is not run again: it is reported failed, Interrupted,
// for the store owner to check.
func TestInterruptedCommandIsNotRunAgain(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "give {steam_id} kit"))
	journal := gameclient.NewMemoryJournal()
	c := f.client(token, journal)
	cmds, err := c.Poll(context.Background(), gameclient.Players{})
	if err != nil || len(cmds) != 1 {
		t.Fatalf("Poll = %v, %v", cmds, err)
	}
	if err := journal.Begin(cmds[0].AttemptID); err != nil { // …and the process died
		t.Fatal(err)
	}
	f.clock.Advance(playerbase.DefaultLeaseDuration)
	r, err := f.client(token, journal).Deliver(context.Background(), gameclient.Players{}, func(context.Context, gameclient.Command) error {
		t.Error("an interrupted command ran again")
		return nil
	})
	if err != nil || r.Failed != 1 {
		t.Fatalf("Deliver = %+v, %v; want 1 failed", r, err)
	}
	if got := f.commands(garry)[0]; got.Status != inventory.Failed || got.Error != gameclient.Interrupted {
		t.Errorf("store shows %s %q", got.Status, got.Error)
	}
}
