package inventory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

func TestAckRules(t *testing.T) {
	lease := testNow.Add(time.Minute)
	c := pendingCommand()
	if _, _, err := c.Ack("", testNow); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Ack of a command never leased = %v, want ErrConflict: no server can have run it", err)
	}
	leased, _ := c.Lease("l1", lease, testNow)
	failed, changed, err := leased.Ack("no such kit", testNow)
	if err != nil || !changed || failed.Status != inventory.Failed || failed.Error != "no such kit" {
		t.Fatalf("Ack with an error = %+v, %v, %v", failed, changed, err)
	}
	// The first ack wins, whatever a later one says.
	again, changed, err := failed.Ack("", lease)
	if err != nil || changed || again.Status != inventory.Failed || again.Error != "no such kit" {
		t.Errorf("Ack after a failure = %+v, %v, %v; want the failure kept", again, changed, err)
	}

	// Canceled after the lease lapsed: a late ack proves the server ran it,
	// and the record says so.
	lapsed, err := leased.ExpireLease(lease)
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := lapsed.Cancel()
	if err != nil {
		t.Fatal(err)
	}
	ran, changed, err := canceled.Ack("", lease.Add(time.Second))
	if err != nil || !changed || ran.Status != inventory.Executed {
		t.Errorf("late Ack of a command canceled after its lease lapsed = %+v, %v, %v; want executed", ran, changed, err)
	}

	long := make([]byte, inventory.MaxErrorLen+10)
	for i := range long {
		long[i] = 'x'
	}
	cut, _, _ := leased.Ack(string(long), testNow)
	if len(cut.Error) != inventory.MaxErrorLen {
		t.Errorf("error text of %d bytes kept as %d, want %d", len(long), len(cut.Error), inventory.MaxErrorLen)
	}
}

func TestLeaseQuery(t *testing.T) {
	online := pendingCommand() // online-only, player 76561198006409530
	anytime := pendingCommand()
	anytime.OnlineOnly = false
	leased, _ := anytime.Lease("l1", testNow.Add(time.Minute), testNow)
	done, _, _ := leased.Ack("", testNow)
	q := inventory.LeaseQuery{Server: "eu-1", Now: testNow}
	for _, tc := range []struct {
		name    string
		q       inventory.LeaseQuery
		c       inventory.Command
		players []string
		want    bool
	}{
		{"pending", q, anytime, nil, true},
		{"other server", inventory.LeaseQuery{Server: "us-1", Now: testNow}, anytime, nil, false},
		{"online-only, player offline", q, online, []string{"76561198000000001"}, false},
		{"online-only, player online", q, online, []string{"76561198000000001", "76561198006409530"}, true},
		{"live lease", q, leased, nil, false},
		{"lapsed lease", inventory.LeaseQuery{Server: "eu-1", Now: testNow.Add(time.Minute)}, leased, nil, true},
		{"executed", q, done, nil, false},
	} {
		tc.q.Players = tc.players
		if got := tc.q.Leasable(tc.c); got != tc.want {
			t.Errorf("%s: Leasable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCanonicalPlayer(t *testing.T) {
	for in, want := range map[string]string{
		"76561198006409530":                    "76561198006409530",
		" STEAM_0:0:23071901 ":                 "76561198006409530",
		"[U:1:46143802]":                       "76561198006409530",
		"708F6260183D3912BBDE5E279A5E739A":     "708f6260-183d-3912-bbde-5e279a5e739a",
		"708f6260-183d-3912-bbde-5e279a5e739a": "708f6260-183d-3912-bbde-5e279a5e739a",
		// Floodgate gives a Bedrock player a UUID carrying the XUID.
		"00000000-0000-0000-0009-01f57bcbc8a1": "2535428645963937",
		"2535428645963937":                     "2535428645963937",
		"Notch":                                "Notch",
	} {
		if got := inventory.CanonicalPlayer(in); got != want {
			t.Errorf("CanonicalPlayer(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCanonicalPlayer(f *testing.F) {
	for _, s := range []string{"76561198006409530", "STEAM_1:1:1", "708f6260-183d-3912-bbde-5e279a5e739a", "0000000000000000000901f57bcbc8a1", "", " x "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := inventory.CanonicalPlayer(s)
		if again := inventory.CanonicalPlayer(c); again != c {
			t.Errorf("CanonicalPlayer not idempotent: %q → %q → %q", s, c, again)
		}
	})
}

func TestResendAll(t *testing.T) {
	lease := testNow.Add(time.Minute)
	ack := func(c inventory.Command, errText string) inventory.Command {
		l, _ := c.Lease("l", lease, testNow)
		d, _, _ := l.Ack(errText, testNow)
		return d
	}
	ok := ack(pendingCommand(), "")
	failed := ack(pendingCommand(), "boom")
	retry, _ := failed.Resend(testNow)
	retried := ack(retry, "") // supersedes failed
	canceled, _ := pendingCommand().Cancel()
	waiting := pendingCommand()
	cmds := []inventory.Command{ok, failed, canceled, waiting, retried}

	got := inventory.ResendAll(cmds)
	if len(got) != 2 || got[0].ID != ok.ID || got[1].ID != retried.ID {
		t.Errorf("ResendAll = %v, want the executed command and the latest attempt of the failed one", got)
	}
	if _, open := inventory.OpenResend(cmds, failed.ID); open {
		t.Errorf("OpenResend found an open resend of %s, whose resend already ran", failed.ID)
	}
	again, _ := ok.Resend(testNow)
	if c, open := inventory.OpenResend(append(cmds, again), ok.ID); !open || c.ID != again.ID {
		t.Errorf("OpenResend = %v, %v; want the pending resend", c.ID, open)
	}
}
