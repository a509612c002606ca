package gameapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
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

// BenchmarkDelivery polls and acknowledges batches of 100 commands in
// process (Poll/Ack on the memory backend) and over loopback HTTP (the
// gameclient against the handler, on the same backend), alternately, and
// reports each and the share of the in-process rate HTTP delivers, by wall
// time and by the process's CPU time (client, server and GC together; on a
// loaded machine wall time also counts the scheduler's waits, which the
// HTTP round trips, two goroutines handing off, suffer more).
func BenchmarkDelivery(b *testing.B) {
	const batch = 100
	ctx := context.Background()
	s := newBenchStore(b, batch, "inproc", "http")
	_, token, err := s.pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: "http"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gameapi.New(s.pb, &gameapi.Options{Logger: quietLogger(), RateLimit: -1}))
	defer srv.Close()
	c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: token})
	if err != nil {
		b.Fatal(err)
	}
	// timed runs work and returns its wall and CPU time.
	timed := func(work func()) (wall, cpu time.Duration) {
		t0, c0 := time.Now(), cpuTime()
		work()
		return time.Since(t0), cpuTime() - c0
	}
	inprocBatch := func() {
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
	}
	httpBatch := func() {
		cmds, err := c.Poll(ctx, gameclient.Players{})
		if err != nil || len(cmds) != batch {
			b.Fatalf("HTTP poll: %d, %v", len(cmds), err)
		}
		keys := make([]string, len(cmds))
		for i, cmd := range cmds {
			keys[i] = cmd.AttemptID
		}
		if err := c.Ack(ctx, keys...); err != nil {
			b.Fatal(err)
		}
	}
	var inproc, overHTTP, inprocCPU, httpCPU time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		s.queue(b, "inproc")
		s.queue(b, "http")
		// Neither side pays for the setup's garbage.
		runtime.GC()
		b.StartTimer()

		// The side that runs first after the collection finds the caches
		// cold: each goes first every other batch.
		var w1, c1, w2, c2 time.Duration
		if i%2 == 0 {
			w1, c1 = timed(inprocBatch)
			w2, c2 = timed(httpBatch)
		} else {
			w2, c2 = timed(httpBatch)
			w1, c1 = timed(inprocBatch)
		}
		inproc, inprocCPU = inproc+w1, inprocCPU+c1
		overHTTP, httpCPU = overHTTP+w2, httpCPU+c2
	}
	n := float64(b.N)
	b.ReportMetric(float64(inproc.Nanoseconds())/n, "inproc-ns/batch")
	b.ReportMetric(float64(overHTTP.Nanoseconds())/n, "http-ns/batch")
	b.ReportMetric(float64(inprocCPU.Nanoseconds())/n, "inproc-cpu-ns/batch")
	b.ReportMetric(float64(httpCPU.Nanoseconds())/n, "http-cpu-ns/batch")
	b.ReportMetric(float64(inproc)/float64(overHTTP), "http/inproc-rate-wall")
	b.ReportMetric(float64(inprocCPU)/float64(httpCPU), "http/inproc-rate-cpu")
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
