package gameapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
)

// A poll that carries results (the extension) records them before it
// reads the queue, says so in Playerbase-Results-Recorded, and does not
// hand their commands out again.
func TestPollRecordsResultsFirst(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "say one", "say two", "say three"))
	_, b := f.do("GET", "/v1/delivery/command-queue", token, "")
	got := decode[[]map[string]any](t, b)
	if len(got) != 3 {
		t.Fatalf("first poll: %s, want 3 commands", b)
	}
	key := func(i int) string { return got[i]["attempt_id"].(string) }

	resp, b := f.do("POST", "/v1/delivery/command-queue/", token,
		`{"steam_ids":[],"executed":[{"attempt_id":"`+key(0)+`"},{"attempt_id":"cmd_01KAZZZZZZZZZZZZZZZZZZZZZZ"}],`+
			`"failed":[{"attempt_id":"`+key(1)+`","error":"Unknown command: say"}]}`)
	wantStatus(t, resp, b, 200)
	if h := resp.Header.Get("Playerbase-Results-Recorded"); h != "3" {
		t.Errorf("Playerbase-Results-Recorded = %q, want 3 (every result sent, the unknown one too)", h)
	}
	if string(bytes.TrimSpace(b)) != "[]" {
		t.Errorf("the poll handed out %s, want nothing (the third command is still leased)", b)
	}
	want := map[string]inventory.CommandStatus{"say one": inventory.Executed, "say two": inventory.Failed, "say three": inventory.Leased}
	for _, c := range f.commands(garry) {
		if c.Status != want[c.Command] {
			t.Errorf("%q is %s, want %s", c.Command, c.Status, want[c.Command])
		}
		if c.Command == "say two" && c.Error != "Unknown command: say" {
			t.Errorf("%q failed with %q", c.Command, c.Error)
		}
	}

	// A poll without results says nothing of them.
	resp, b = f.do("POST", "/v1/delivery/command-queue", token, `{}`)
	wantStatus(t, resp, b, 200)
	if h := resp.Header.Get("Playerbase-Results-Recorded"); h != "" {
		t.Errorf("a poll without results: Playerbase-Results-Recorded = %q", h)
	}
}

// counting counts the requests a client sends.
type counting struct {
	next http.RoundTripper
	n    atomic.Int64
	log  []string
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	c.log = append(c.log, r.Method+" "+r.URL.Path)
	return c.next.RoundTrip(r)
}

// batchProduct makes a product with n commands on server.
func (f *fixture) batchProduct(server string, n int) inventory.Product {
	tpls := make([]string, n)
	for i := range tpls {
		tpls[i] = fmt.Sprintf("give {steam_id} item%d", i)
	}
	return f.product(server, tpls...)
}

// Deliver works through a backlog with one request per batch and one
// more, reporting each batch's results with the next poll.
func TestDeliverBacklogOneRequestPerBatch(t *testing.T) {
	f := newFixture(t, &gameapi.Options{PollLimit: 10})
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.batchProduct("eu-1", 25))
	reqs := &counting{next: f.http.Transport}
	journal := gameclient.NewMemoryJournal()
	c, err := gameclient.New(gameclient.Config{BaseURL: f.srv.URL, Token: token, HTTPClient: &http.Client{Transport: reqs}, Journal: journal})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Deliver(context.Background(), gameclient.Players{}, func(context.Context, gameclient.Command) error { return nil })
	if err != nil || r != (gameclient.Report{Received: 25, Ran: 25, Executed: 25}) {
		t.Fatalf("Deliver = %+v, %v; want 25 received, run and executed", r, err)
	}
	if n := reqs.n.Load(); n != 4 {
		t.Errorf("%d requests (%v), want 4: three batches and the poll that reports the last", n, reqs.log)
	}
	for _, cmd := range f.commands(garry) {
		if cmd.Status != inventory.Executed {
			t.Errorf("%q is %s, want executed", cmd.Command, cmd.Status)
		}
	}
	if journal.Len() != 0 {
		t.Errorf("the journal keeps %d keys the API has", journal.Len())
	}
}

// Deliver stops after MaxRounds polls and reports the last batch on its
// own, so a plugin gets to update who is online.
func TestDeliverStopsAfterMaxRounds(t *testing.T) {
	f := newFixture(t, &gameapi.Options{PollLimit: 1, RateLimit: -1})
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	p := f.batchProduct("eu-1", gameclient.MaxRounds/2+1)
	f.buy(garry, p)
	f.buy(garry, p)
	journal := gameclient.NewMemoryJournal()
	r, err := f.client(token, journal).Deliver(context.Background(), gameclient.Players{}, func(context.Context, gameclient.Command) error { return nil })
	if err != nil || r.Received != gameclient.MaxRounds || r.Executed != gameclient.MaxRounds {
		t.Fatalf("Deliver = %+v, %v; want %d received and executed", r, err, gameclient.MaxRounds)
	}
	counts := map[inventory.CommandStatus]int{}
	for _, cmd := range f.commands(garry) {
		counts[cmd.Status]++
	}
	if counts[inventory.Executed] != gameclient.MaxRounds || counts[inventory.Pending] != 2 {
		t.Errorf("store shows %v, want %d executed and 2 pending", counts, gameclient.MaxRounds)
	}
	if journal.Len() != 0 {
		t.Errorf("the journal keeps %d keys the API has", journal.Len())
	}
}

// withoutExtension is a game-server API that ignores results in a poll's
// body, as PayNow's or an older server would: it strips them before the
// handler sees them.
func withoutExtension(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/delivery/command-queue") && !strings.Contains(r.URL.Path, "/fail") && !strings.Contains(r.URL.Path, "/acknowledge") {
			var body map[string]json.RawMessage
			b, _ := io.ReadAll(r.Body)
			if json.Unmarshal(b, &body) == nil {
				delete(body, "executed")
				delete(body, "failed")
				b, _ = json.Marshal(body)
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		h.ServeHTTP(w, r)
	})
}

// Against a server without the extension the results still arrive: the
// client sees no Playerbase-Results-Recorded and sends them with Ack and
// Fail.
func TestDeliverWithoutExtension(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "say ok", "oxide.grant user {steam_id} vip"))
	srv := httptest.NewServer(withoutExtension(gameapi.New(f.pb, &gameapi.Options{Logger: quietLogger()})))
	defer srv.Close()
	reqs := &counting{next: f.http.Transport}
	c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: token, HTTPClient: &http.Client{Transport: reqs}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Deliver(context.Background(), gameclient.Players{}, func(_ context.Context, cmd gameclient.Command) error {
		if strings.HasPrefix(cmd.Command, "oxide") {
			return errors.New("Unknown command: oxide.grant")
		}
		return nil
	})
	if err != nil || r.Executed != 1 || r.Failed != 1 {
		t.Fatalf("Deliver = %+v, %v; want 1 executed, 1 failed", r, err)
	}
	want := []string{"POST /v1/delivery/command-queue", "POST /v1/delivery/command-queue", "DELETE /v1/delivery/command-queue", "POST /v1/delivery/command-queue/fail"}
	if fmt.Sprint(reqs.log) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v", reqs.log, want)
	}
	for _, cmd := range f.commands(garry) {
		if cmd.Status != inventory.Executed && cmd.Status != inventory.Failed {
			t.Errorf("%q is %s, want a result", cmd.Command, cmd.Status)
		}
	}
}

// A console that prints megabytes of error (control bytes, invalid UTF-8)
// still gets its failure reported: the client cleans and cuts the text as
// the store would, before it journals and reports it, so the report stays
// far under the API's body limit.
func TestHugeErrorIsCut(t *testing.T) {
	if gameclient.MaxErrorLen != inventory.MaxErrorLen {
		t.Fatalf("gameclient.MaxErrorLen = %d, the store keeps %d", gameclient.MaxErrorLen, inventory.MaxErrorLen)
	}
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "oxide.grant user {steam_id} vip"))
	huge := strings.Repeat("Unknown\x00 command \xff é\n", 100_000) // 2.2 MB, over the 1 MiB limit
	journal := gameclient.NewMemoryJournal()
	r, err := f.client(token, journal).Deliver(context.Background(), gameclient.Players{}, func(context.Context, gameclient.Command) error {
		return errors.New(huge)
	})
	if err != nil || r.Failed != 1 {
		t.Fatalf("Deliver = %+v, %v; want 1 failed", r, err)
	}
	got := f.commands(garry)[0]
	if got.Status != inventory.Failed || len(got.Error) == 0 || len(got.Error) > inventory.MaxErrorLen || !strings.HasPrefix(got.Error, "Unknown command \uFFFD é\nUnknown") {
		t.Errorf("store shows %s with a %d-byte error %.40q", got.Status, len(got.Error), got.Error)
	}
}
