//go:build unix

package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage/sqlite"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// The crash test re-runs this test binary as the child that writes, named
// by these variables.
const (
	envCrashChild = "PLAYERBASE_SQLITE_CRASH_CHILD" // the database file
	envCrashSetup = "PLAYERBASE_SQLITE_CRASH_SETUP" // "<customer ID> <product ID>"
)

func init() {
	runChild = func() {
		if path := os.Getenv(envCrashChild); path != "" {
			crashChild(path, os.Getenv(envCrashSetup))
		}
	}
}

// crashChild writes until it is killed, and prints a line for every call
// that returned success, after it returned: "order <ID>", "ban <ID>",
// "ack <key>". Two goroutines write at once, so calls queue for the
// writer as they do in a server.
func crashChild(path, setup string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	var cust customer.ID
	var kit inventory.ProductID
	if _, err := fmt.Sscan(setup, &cust, &kit); err != nil {
		fail(err)
	}
	ctx := context.Background()
	b, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		fail(err)
	}
	c := playerbase.New(b, nil)
	var out sync.Mutex
	say := func(format string, a ...any) {
		out.Lock()
		defer out.Unlock()
		// One write per line: a pipe takes writes this small whole, so
		// the parent never reads half a line.
		_, _ = os.Stdout.WriteString(fmt.Sprintf(format, a...) + "\n")
	}
	// The parent holds the other end of stdin: if it dies without killing
	// this process, stdin ends, and so does the load.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()
	say("ready")
	run := int64(rand.Uint32())
	go func() {
		for i := 0; ; i++ {
			o, err := c.OrderCreate(ctx, cust, playerbase.OrderCreateParams{Currency: money.MustCurrency("EUR"),
				Lines: []playerbase.OrderLineParams{{ProductID: kit, Quantity: 1}}})
			if err != nil {
				fail(err)
			}
			if _, err := c.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprintf("pay_%d_%d", run, i)}); err != nil {
				fail(err)
			}
			say("order %s", o.ID)
		}
	}()
	for i := 0; ; i++ {
		ip := fmt.Sprintf("10.%d.%d.%d", byte(run), byte(i>>8), byte(i))
		ban, err := c.BanCreate(ctx, playerbase.BanCreateParams{Reason: "crash test", Actor: "admin:test",
			Identities: []bans.Identity{bans.MustIdentity(bans.IP, ip)}})
		if err != nil {
			fail(err)
		}
		say("ban %s", ban.ID)
		ds, err := c.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "eu-1", Limit: 20})
		if err != nil {
			fail(err)
		}
		results := make([]playerbase.DeliveryResult, len(ds))
		for i, d := range ds {
			results[i] = playerbase.DeliveryResult{Key: d.Key}
		}
		outcomes, err := c.DeliveryAck(ctx, "eu-1", results)
		if err != nil {
			fail(err)
		}
		for _, o := range outcomes {
			if o.Err == nil && o.Status == inventory.Executed {
				say("ack %s", o.Key)
			}
		}
	}
}

// A child process writes (orders completing, bans, acks) and is killed
// with SIGKILL at a random moment, several times over on one file. After
// each kill the file opens, passes PRAGMA integrity_check, holds every
// write whose call returned success, and holds no half of a workflow: each
// completed order has its item and the item its commands, and the
// customer's running sums count exactly the completed orders.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	b, err := sqlitetest.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := playerbase.New(b, nil)
	cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Player"})
	if err != nil {
		t.Fatal(err)
	}
	kit, err := c.ProductCreate(ctx, inventory.Product{Name: "Kit", Stacking: inventory.StackAdd,
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit {steam_id}"}},
		Prices:   []money.Amount{money.MustParse("9.99", "EUR")}})
	if err != nil {
		t.Fatal(err)
	}
	closeBackend(t, b)

	var ordersDone, bansDone, acked []string
	const rounds = 5
	for round := range rounds {
		lines := runAndKill(t, exe, path, fmt.Sprintf("%s %s", cust.ID, kit.ID),
			time.Duration(50+rand.IntN(400))*time.Millisecond)
		for _, l := range lines {
			kind, id, _ := strings.Cut(l, " ")
			switch kind {
			case "order":
				ordersDone = append(ordersDone, id)
			case "ban":
				bansDone = append(bansDone, id)
			case "ack":
				acked = append(acked, id)
			}
		}
		t.Logf("round %d: %d lines from the child; %d orders, %d bans, %d acks so far",
			round, len(lines), len(ordersDone), len(bansDone), len(acked))
		checkAfterCrash(t, path, cust.ID, ordersDone, bansDone, acked)
	}
	if len(ordersDone) == 0 || len(bansDone) == 0 || len(acked) == 0 {
		t.Errorf("the children reported %d orders, %d bans and %d acks: too few writes to show anything",
			len(ordersDone), len(bansDone), len(acked))
	}
}

// runAndKill starts the child on path, lets it write for about d after it
// is ready, kills it with SIGKILL and returns every line it printed.
func runAndKill(t *testing.T, exe, path, setup string, d time.Duration) []string {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), envCrashChild+"="+path, envCrashSetup+"="+setup)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close() }() // after the kill: nothing reads it
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var lines []string
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
				continue
			}
			lines = append(lines, sc.Text())
		}
	}()
	select {
	case <-ready:
	case <-done:
		_ = cmd.Wait()
		t.Fatalf("the child ended before it was ready: %s", stderr.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the child did not get ready")
	}
	time.Sleep(d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child ended with %v, not killed: %s", err, stderr.String())
	}
	return lines
}

func checkAfterCrash(t *testing.T, path string, cust customer.ID, ordersDone, bansDone, acked []string) {
	t.Helper()
	ctx := context.Background()
	b, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopening after the kill: %v", err)
	}
	defer closeBackend(t, b)
	var integrity string
	if err := b.DB().QueryRowContext(ctx, `pragma integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	c := playerbase.New(b, nil)
	for _, id := range ordersDone {
		o, err := c.OrderGet(ctx, orders.ID(id))
		if err != nil || o.Status != orders.Completed {
			t.Fatalf("order %s reported completed: %s, %v", id, o.Status, err)
		}
	}
	for _, id := range bansDone {
		if _, err := c.BanGet(ctx, bans.ID(id)); err != nil {
			t.Fatalf("ban %s reported made: %v", id, err)
		}
	}
	// Every order, reported or not: whole or not there.
	commands := map[string]inventory.Command{}
	completed := 0
	var all []orders.Order
	for cursor := orders.ID("x"); cursor != ""; {
		if cursor == "x" {
			cursor = ""
		}
		page, err := c.OrderList(ctx, cust, playerbase.OrderListParams{Cursor: cursor, Limit: playerbase.MaxOrderPage})
		if err != nil {
			t.Fatal(err)
		}
		all, cursor = append(all, page.Orders...), page.NextCursor
	}
	for _, o := range all {
		if o.Status != orders.Completed {
			if len(o.Granted) != 0 {
				t.Fatalf("order %s is %s but granted %v", o.ID, o.Status, o.Granted)
			}
			continue
		}
		completed++
		if len(o.Granted) != 1 {
			t.Fatalf("completed order %s granted %v, want one kit", o.ID, o.Granted)
		}
		cmds, err := c.CommandList(ctx, o.Granted[0])
		if err != nil || len(cmds) != 1 {
			t.Fatalf("item %s of order %s: commands %v, %v; want one", o.Granted[0], o.ID, cmds, err)
		}
		commands[cmds[0].DeliveryKey()] = cmds[0]
	}
	st, err := c.CustomerStats(ctx, cust)
	if err != nil {
		t.Fatal(err)
	}
	if st.TotalPayments != completed {
		t.Fatalf("stats count %d payments, the store holds %d completed orders", st.TotalPayments, completed)
	}
	for _, key := range acked {
		if cmd, ok := commands[key]; !ok || cmd.Status != inventory.Executed {
			t.Fatalf("command %s acknowledged as executed: stored %+v (found %v)", key, cmd.Status, ok)
		}
	}
}
