package gameapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage/memory"
)

// benchStore is a memory store with one customer and, per server, a
// product whose assignment queues batch commands there.
type benchStore struct {
	pb    *playerbase.Client
	cust  customer.Customer
	prods map[string]inventory.Product
}

func newBenchStore(b *testing.B, batch int, servers ...string) *benchStore {
	ctx := context.Background()
	s := &benchStore{pb: playerbase.New(memory.New(), nil), prods: map[string]inventory.Product{}}
	var err error
	s.cust, _, err = s.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		b.Fatal(err)
	}
	for _, srv := range servers {
		tpls := make([]inventory.CommandTemplate, batch)
		for i := range tpls {
			tpls[i] = inventory.CommandTemplate{Stage: inventory.OnPurchase, Server: srv, Template: fmt.Sprintf("give {steam_id} item%d", i)}
		}
		p, err := s.pb.ProductCreate(ctx, inventory.Product{Name: "Bundle " + srv, Commands: tpls})
		if err != nil {
			b.Fatal(err)
		}
		s.prods[srv] = p
	}
	return s
}

// queue assigns server's product: batch commands wait there.
func (s *benchStore) queue(b *testing.B, server string) {
	_, err := s.pb.ItemAssign(context.Background(), playerbase.ItemAssignParams{Customer: s.cust.ID, Product: s.prods[server].ID, Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// BenchmarkDelivery leases and acknowledges batches of 100 commands five
// ways on one memory backend, in turn, and reports each and the share of
// the in-process rate the HTTP ones deliver, by wall time and by the
// process's CPU time (client, server and GC together; on a loaded machine
// wall time also counts the scheduler's waits, which the HTTP round trips,
// goroutines handing off, suffer more):
//
//   - inproc: DeliveryPoll, then DeliveryAck of what it leased;
//   - inproc-next: the same calls in the order gameclient.Deliver makes
//     them: DeliveryAck of the batch leased the time before, then
//     DeliveryPoll. That batch's commands were last touched a batch ago,
//     so acknowledging them costs more than acknowledging commands just
//     leased: this is the in-process twin of http;
//   - http: what gameclient.Deliver does while a backlog lasts, one
//     request per batch: PollReporting acknowledges the previous batch
//     and leases the next;
//   - paynow: what PayNow's plugins do, a poll and then an
//     acknowledgement (DELETE), two requests per batch: inproc's order;
//   - bare: the HTTP exchange alone, on the same server and client
//     transport: http's request body (100 acknowledgements) posted to a
//     handler that answers with the bytes of a batch, as prepared
//     beforehand.
//
// So http's time is about inproc-next's (the store's work) + bare's (the
// transport's) + the handler's and the client's own; extras-ns/batch
// reports that last part.
func BenchmarkDelivery(b *testing.B) {
	const batch = 100
	ctx := context.Background()
	s := newBenchStore(b, batch, "inproc", "inproc-next", "http", "paynow")
	mux := http.NewServeMux()
	mux.Handle("/", gameapi.New(s.pb, &gameapi.Options{Logger: quietLogger(), RateLimit: -1}))
	var bareAnswer []byte
	mux.HandleFunc("POST /bare", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(bareAnswer)))
		_, _ = w.Write(bareAnswer)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := func(name string) *gameclient.Client {
		_, token, err := s.pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: name})
		if err != nil {
			b.Fatal(err)
		}
		c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: token})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	combined, paynow := client("http"), client("paynow")
	keys := func(cmds []gameclient.Command, err error) []string {
		if err != nil || len(cmds) != batch {
			b.Fatalf("HTTP poll: %d, %v", len(cmds), err)
		}
		ks := make([]string, len(cmds))
		for i, cmd := range cmds {
			ks[i] = cmd.AttemptID
		}
		return ks
	}
	// A batch leased before the timer starts gives the bare exchange its
	// bytes, and the http side's first request its acknowledgements.
	s.queue(b, "http")
	first, err := combined.Poll(ctx, gameclient.Players{})
	ran := keys(first, err) // the http side's previous batch
	if bareAnswer, err = json.Marshal(first); err != nil {
		b.Fatal(err)
	}
	bareBody, err := json.Marshal(map[string]any{"executed": func() (refs []map[string]string) {
		for _, k := range ran {
			refs = append(refs, map[string]string{"attempt_id": k})
		}
		return refs
	}()})
	if err != nil {
		b.Fatal(err)
	}
	hc := gameclient.NewHTTPClient() // the transport the http and paynow sides use
	// The inproc-next side's previous batch, leased before the timer
	// starts, as http's.
	s.queue(b, "inproc-next")
	leased, err := s.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "inproc-next", Limit: batch})
	if err != nil || len(leased) != batch {
		b.Fatalf("Poll: %d, %v", len(leased), err)
	}
	sides := []benchSide{
		{name: "inproc", batch: func() {
			ds, err := s.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "inproc", Limit: batch})
			if err != nil || len(ds) != batch {
				b.Fatalf("Poll: %d, %v", len(ds), err)
			}
			res := make([]playerbase.DeliveryResult, len(ds))
			for i, d := range ds {
				res[i] = playerbase.DeliveryResult{Key: d.Key}
			}
			if _, err := s.pb.DeliveryAck(ctx, "inproc", res); err != nil {
				b.Fatal(err)
			}
		}},
		{name: "inproc-next", batch: func() {
			res := make([]playerbase.DeliveryResult, len(leased))
			for i, d := range leased {
				res[i] = playerbase.DeliveryResult{Key: d.Key}
			}
			if _, err := s.pb.DeliveryAck(ctx, "inproc-next", res); err != nil {
				b.Fatal(err)
			}
			if leased, err = s.pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "inproc-next", Limit: batch}); err != nil || len(leased) != batch {
				b.Fatalf("Poll: %d, %v", len(leased), err)
			}
		}},
		{name: "http", batch: func() {
			ran = keys(combined.PollReporting(ctx, gameclient.Players{}, gameclient.Results{Executed: ran}))
		}},
		{name: "paynow", batch: func() {
			if err := paynow.Ack(ctx, keys(paynow.Poll(ctx, gameclient.Players{}))...); err != nil {
				b.Fatal(err)
			}
		}},
		{name: "bare", batch: func() {
			resp, err := hc.Post(srv.URL+"/bare", "application/json", bytes.NewReader(bareBody))
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if n != int64(len(bareAnswer)) {
				b.Fatalf("bare: %d bytes, want %d", n, len(bareAnswer))
			}
		}},
	}
	order := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		for _, side := range sides {
			if side.name != "bare" {
				s.queue(b, side.name)
			}
		}
		// No side pays for the setup's garbage.
		runtime.GC()
		b.StartTimer()

		// The side that runs first after the collection finds the caches
		// cold, and each side leaves them warm for what it used: the
		// order is drawn anew for every batch, so each side goes first,
		// and follows each other side, as often as the others.
		for _, j := range order.Perm(len(sides)) {
			side := &sides[j]
			t0, c0 := time.Now(), cpuTime()
			side.batch()
			side.wall += time.Since(t0)
			side.cpu += cpuTime() - c0
		}
	}
	n := float64(b.N)
	inproc, twin, overHTTP, bare := sides[0], sides[1], sides[2], sides[4]
	for _, side := range sides {
		b.ReportMetric(float64(side.wall.Nanoseconds())/n, side.name+"-ns/batch")
		b.ReportMetric(float64(side.cpu.Nanoseconds())/n, side.name+"-cpu-ns/batch")
	}
	rate := func(side, baseline benchSide) {
		b.ReportMetric(float64(baseline.wall)/float64(side.wall), side.name+"/"+baseline.name+"-rate-wall")
		b.ReportMetric(float64(baseline.cpu)/float64(side.cpu), side.name+"/"+baseline.name+"-rate-cpu")
	}
	rate(overHTTP, twin)
	rate(overHTTP, inproc)
	rate(sides[3], inproc) // paynow
	b.ReportMetric(float64((overHTTP.wall-twin.wall-bare.wall).Nanoseconds())/n, "extras-ns/batch")
}

// benchSide is one way BenchmarkDelivery delivers a batch, and the time it
// took in all.
type benchSide struct {
	name      string
	batch     func()
	wall, cpu time.Duration
}

// BenchmarkBanCheck compares the ban-check endpoint (authenticated, JSON
// in and out, answered from a live index of 10,000 bans) with an empty
// handler on the same loopback server, alternately, and reports the
// latency ratio.
func BenchmarkBanCheck(b *testing.B) {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	_, token, err := pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: "eu-1"})
	if err != nil {
		b.Fatal(err)
	}
	all := make([]bans.Ban, 0, 10000)
	now := time.Now()
	for i := range 10000 {
		ban, err := bans.New(bans.Draft{Reason: "r", Actor: "bench", Identities: []bans.Identity{
			{Type: bans.Steam, Value: fmt.Sprint(76561197960265728 + uint64(i)*7 + 1)},
			{Type: bans.IP, Value: fmt.Sprintf("10.%d.%d.1", i/256, i%256)},
		}}, now)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, ban)
	}
	mux := http.NewServeMux()
	mux.Handle("/", gameapi.New(pb, &gameapi.Options{Logger: quietLogger(), RateLimit: -1, BanIndex: bans.NewIndex(all)}))
	mux.HandleFunc("POST /empty", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{}
	q := gameclient.BanQuery{SteamID: "76561198006409530", Name: "Garry", IPAddress: "203.0.113.9"}
	const body = `{"steam_id":"76561198006409530","name":"Garry","ip_address":"203.0.113.9"}`
	empty := func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/empty", strings.NewReader(body))
		req.Header.Set("Authorization", "Gameserver "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	var check, base, checkCPU, baseCPU time.Duration
	for b.Loop() {
		t0, c0 := time.Now(), cpuTime()
		empty()
		t1, c1 := time.Now(), cpuTime()
		st, err := c.CheckBan(ctx, q)
		if err != nil || st.Banned {
			b.Fatalf("CheckBan = %+v, %v", st, err)
		}
		t2, c2 := time.Now(), cpuTime()
		base += t1.Sub(t0)
		check += t2.Sub(t1)
		baseCPU += c1 - c0
		checkCPU += c2 - c1
	}
	n := float64(b.N)
	b.ReportMetric(float64(base.Nanoseconds())/n, "empty-ns/op")
	b.ReportMetric(float64(check.Nanoseconds())/n, "bancheck-ns/op")
	b.ReportMetric(float64(check)/float64(base), "bancheck/empty-wall")
	b.ReportMetric(float64(checkCPU)/float64(baseCPU), "bancheck/empty-cpu")
}
