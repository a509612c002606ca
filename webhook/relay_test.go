package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/webhook"
)

// fastRetries keeps a test's retries and timeouts short.
func fastRetries(cfg webhook.Config) *webhook.Config {
	cfg.Timeout = 50 * time.Millisecond
	cfg.BackoffBase = time.Millisecond
	cfg.BackoffCap = 20 * time.Millisecond
	return &cfg
}

// chaos is a receiver that fails at random: 500s and 503s with a
// Retry-After, redirects, answers slower than the relay's timeout,
// connections dropped without an answer, and events processed whose
// acknowledgement is lost (so they come again).
func chaos(seed uint64) func(w http.ResponseWriter, r *http.Request, process func()) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	return func(w http.ResponseWriter, r *http.Request, process func()) {
		mu.Lock()
		roll := rng.IntN(100)
		mu.Unlock()
		switch {
		case roll < 40:
			process()
			w.WriteHeader([]int{http.StatusOK, http.StatusAccepted, http.StatusNoContent}[roll%3])
		case roll < 52:
			http.Error(w, "boom", http.StatusInternalServerError)
		case roll < 60:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case roll < 65:
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		case roll < 77:
			<-r.Context().Done() // slower than the relay waits
		case roll < 89:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		default:
			process()
			http.Error(w, "processed, then failed to answer", http.StatusInternalServerError)
		}
	}
}

// TestRelayChaos: events written while a relay is stopped and started
// again and again, to a receiver that fails at random, all arrive in the
// end, each verified, in feed order, none lost, a redelivery only ever a
// copy with the same webhook-id; and the endpoint's cursor is saved at the
// last event.
func TestRelayChaos(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		seed := rand.Uint64()
		t.Logf("seed %d", seed)
		pb := playerbase.New(b, nil)
		secret := webhook.NewSecret()
		rc, srv := newReceiver(t, secret, chaos(seed))
		var fails errLog
		cfg := fastRetries(webhook.Config{
			Endpoints: []webhook.Endpoint{{Name: "chaos", URL: srv.URL, Secret: secret}},
			PageSize:  7,
			OnError:   fails.add,
		})

		const n = 60
		written := make(chan struct{})
		go func() {
			defer close(written)
			rng := rand.New(rand.NewPCG(seed, 1))
			for i := range n {
				if _, err := pb.BanCreate(context.Background(), banParams(i)); err != nil {
					t.Errorf("writer: %v", err)
					return
				}
				time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
			}
		}()
		// Each run is stopped as the receiver sees its 1st to 8th request,
		// so most stops land mid-request or between a delivery and its
		// cursor's save.
		rng := rand.New(rand.NewPCG(seed, 2))
		restarts := 0
		for writing := true; writing || restarts < 6; restarts++ {
			select {
			case <-written:
				writing = false
			default:
			}
			relay, err := webhook.New(pb, cfg)
			if err != nil {
				t.Fatal(err)
			}
			stop := running(t, relay)
			target := rc.requestCount() + 1 + rng.IntN(8)
			eventually(t, "a request", func() bool { return rc.requestCount() >= target || rc.distinct() == n })
			stop()
		}
		midway := len(firsts(t, rc.got()))

		relay, err := webhook.New(pb, cfg)
		if err != nil {
			t.Fatal(err)
		}
		stop := running(t, relay)
		all := feed(t, pb)
		want, last := ids(all), all[len(all)-1].Seq
		eventually(t, "every event, and the cursor saved", func() bool {
			return rc.distinct() >= len(want) && cursor(t, pb, "chaos") == last
		})
		stop()

		got := rc.got()
		if diff := cmp.Diff(want, firsts(t, got)); diff != "" {
			t.Errorf("events delivered, in the order first processed (-feed +delivered):\n%s", diff)
		}
		if len(want) != n {
			t.Errorf("feed holds %d events, want %d", len(want), n)
		}
		var derr *webhook.DeliveryError
		for _, err := range fails.all() {
			if !errors.As(err, &derr) || derr.Endpoint != "chaos" || derr.Attempt < 1 {
				t.Errorf("OnError heard %v (%T), want *DeliveryError", err, err)
			}
		}
		t.Logf("%d restarts, %d delivered before the last run; %d requests, %d processed, %d failures reported",
			restarts, midway, rc.requestCount(), len(got), len(fails.all()))
	})
}

// TestRelayFailingEndpoint: an endpoint that hangs past every request and
// one that always refuses hold back neither each other nor a working one,
// and their cursors stay where they were.
func TestRelayFailingEndpoint(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		pb := playerbase.New(b, nil)
		secret := webhook.NewSecret()
		good, goodSrv := newReceiver(t, secret, nil)
		hung, hungSrv := newReceiver(t, secret, func(w http.ResponseWriter, r *http.Request, _ func()) { <-r.Context().Done() })
		refusing, refusingSrv := newReceiver(t, secret, func(w http.ResponseWriter, r *http.Request, _ func()) {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		})
		for i := range 20 {
			banN(t, pb, i)
		}
		relay, err := webhook.New(pb, &webhook.Config{
			Endpoints: []webhook.Endpoint{
				{Name: "hung", URL: hungSrv.URL, Secret: secret},
				{Name: "refusing", URL: refusingSrv.URL, Secret: secret},
				{Name: "good", URL: goodSrv.URL, Secret: secret},
			},
			Timeout: time.Hour, BackoffCap: time.Hour, OnError: func(error) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		stop := running(t, relay)
		want := ids(feed(t, pb))
		eventually(t, "every event at the working endpoint", func() bool { return len(good.got()) >= len(want) })
		eventually(t, "a request at each failing endpoint", func() bool { return hung.requestCount() > 0 && refusing.requestCount() > 0 })
		stop()
		if diff := cmp.Diff(want, firsts(t, good.got())); diff != "" {
			t.Errorf("working endpoint (-feed +delivered):\n%s", diff)
		}
		for _, name := range []string{"hung", "refusing"} {
			if c := cursor(t, pb, name); c != 0 {
				t.Errorf("%s's cursor = %d, want 0: it got nothing", name, c)
			}
		}
		if n := len(hung.got()) + len(refusing.got()); n != 0 {
			t.Errorf("failing endpoints processed %d events", n)
		}
	})
}

// TestRelayTypes: an endpoint gets only the types it asked for, in feed
// order, and the events it does not want still move its cursor, up to the
// last event even when that one is unwanted.
func TestRelayTypes(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb := playerbase.New(b, nil)
		secret := webhook.NewSecret()
		lifts, liftsSrv := newReceiver(t, secret, nil)
		all, allSrv := newReceiver(t, secret, nil)
		var bs []bans.Ban
		for i := range 4 {
			bs = append(bs, banN(t, pb, i))
		}
		for _, i := range []int{2, 0} {
			if _, err := pb.BanRemove(ctx, bs[i].ID, playerbase.BanRemoveParams{}); err != nil {
				t.Fatal(err)
			}
		}
		banN(t, pb, 4)
		evs := feed(t, pb)
		var want []events.ID
		for _, e := range evs {
			if e.Type == events.BanRemoved {
				want = append(want, e.ID)
			}
		}
		last := evs[len(evs)-1].Seq

		relay, err := webhook.New(pb, &webhook.Config{Endpoints: []webhook.Endpoint{
			{Name: "lifts", URL: liftsSrv.URL, Secret: secret, Types: []events.Type{events.BanRemoved}},
			{Name: "all", URL: allSrv.URL, Secret: secret},
		}})
		if err != nil {
			t.Fatal(err)
		}
		stop := running(t, relay)
		eventually(t, "both cursors at the last event", func() bool {
			return cursor(t, pb, "lifts") == last && cursor(t, pb, "all") == last
		})
		stop()
		if diff := cmp.Diff(want, firsts(t, lifts.got())); diff != "" {
			t.Errorf("ban.removed endpoint (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(ids(evs), firsts(t, all.got())); diff != "" {
			t.Errorf("unfiltered endpoint (-want +got):\n%s", diff)
		}
		// The body is the event's own JSON, byte for byte.
		for i, d := range all.got() {
			if i < len(evs) {
				want, err := json.Marshal(evs[i])
				if err != nil {
					t.Fatal(err)
				}
				if string(d.Body) != string(want) {
					t.Errorf("body of %s = %s, want %s", d.ID, d.Body, want)
				}
			}
		}
	})
}

// TestRelayBehind: an endpoint whose next events were pruned before it got
// them is told so through OnError (an *events.BehindError) and goes on
// with what is kept.
func TestRelayBehind(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		pb := playerbase.New(b, &playerbase.Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
		lifted := banN(t, pb, 0)
		if _, err := pb.BanRemove(ctx, lifted.ID, playerbase.BanRemoveParams{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(playerbase.DefaultEventRetention + time.Hour)
		mu.Unlock()
		if n, err := pb.EventPrune(ctx, playerbase.EventPruneParams{}); err != nil || n != 2 {
			t.Fatalf("EventPrune = %d, %v; want the lifted ban's 2 events", n, err)
		}
		banN(t, pb, 1)
		want := ids(feed(t, pb))

		secret := webhook.NewSecret()
		rc, srv := newReceiver(t, secret, nil)
		var heard errLog
		relay, err := webhook.New(pb, &webhook.Config{
			Endpoints: []webhook.Endpoint{{Name: "late", URL: srv.URL, Secret: secret}},
			OnError:   heard.add,
		})
		if err != nil {
			t.Fatal(err)
		}
		stop := running(t, relay)
		eventually(t, "the event kept", func() bool { return len(rc.got()) >= len(want) })
		stop()
		if diff := cmp.Diff(want, firsts(t, rc.got())); diff != "" {
			t.Errorf("delivered (-kept +got):\n%s", diff)
		}
		var fe *webhook.FeedError
		var behind *events.BehindError
		if errs := heard.all(); len(errs) != 1 || !errors.As(errs[0], &fe) || fe.Endpoint != "late" || !errors.As(errs[0], &behind) || behind.After != 0 {
			t.Errorf("OnError heard %v, want one *FeedError for late wrapping an *events.BehindError after 0", errs)
		}
	})
}

// TestRelayConfig: New refuses an endpoint it could never deliver to,
// naming the field, and a second Run of a running relay.
func TestRelayConfig(t *testing.T) {
	pb := playerbase.New(memoryBackend(), nil)
	secret := webhook.NewSecret()
	ok := webhook.Endpoint{Name: "a", URL: "https://example.com/hook", Secret: secret}
	with := func(f func(e *webhook.Endpoint)) []webhook.Endpoint { e := ok; f(&e); return []webhook.Endpoint{e} }
	cases := []struct {
		field     string
		endpoints []webhook.Endpoint
	}{
		{"endpoints[0].name", with(func(e *webhook.Endpoint) { e.Name = "" })},
		{"endpoints[0].name", with(func(e *webhook.Endpoint) { e.Name = "a\nb" })},
		{"endpoints[0].name", with(func(e *webhook.Endpoint) { e.Name = string(make([]byte, playerbase.MaxEventCursorName)) })},
		{"endpoints[1].name", []webhook.Endpoint{ok, ok}},
		{"endpoints[0].url", with(func(e *webhook.Endpoint) { e.URL = "example.com/hook" })},
		{"endpoints[0].url", with(func(e *webhook.Endpoint) { e.URL = "ftp://example.com/hook" })},
		{"endpoints[0].secret", with(func(e *webhook.Endpoint) { e.Secret = "whsec_short" })},
		{"endpoints[0].types[0]", with(func(e *webhook.Endpoint) { e.Types = []events.Type{"ban.exploded"} })},
	}
	for _, c := range cases {
		_, err := webhook.New(pb, &webhook.Config{Endpoints: c.endpoints})
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || inv.Field != c.field {
			t.Errorf("New(%+v) = %v, want invalid %s", c.endpoints, err, c.field)
		}
	}
	banN(t, pb, 0)
	rc, srv := newReceiver(t, secret, nil)
	ok.URL = srv.URL
	relay, err := webhook.New(pb, &webhook.Config{Endpoints: []webhook.Endpoint{ok}})
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, relay)
	eventually(t, "the first run delivering", func() bool { return len(rc.got()) > 0 })
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := relay.Run(canceled); err != webhook.ErrRunning {
		t.Errorf("a second Run = %v, want ErrRunning", err)
	}
	stop()
	if err := relay.Run(canceled); err != context.Canceled {
		t.Errorf("Run after the first ended = %v, want context.Canceled", err)
	}
}

// TestRelayRetryAfter: a Retry-After is honoured, up to the cap.
func TestRelayRetryAfter(t *testing.T) {
	pb := playerbase.New(memoryBackend(), nil)
	banN(t, pb, 0)
	secret := webhook.NewSecret()
	var once sync.Once
	rc, srv := newReceiver(t, secret, func(w http.ResponseWriter, r *http.Request, process func()) {
		busy := false
		once.Do(func() { busy = true })
		if busy {
			w.Header().Set("Retry-After", strconv.Itoa(3600))
			http.Error(w, "busy", http.StatusTooManyRequests)
			return
		}
		process()
	})
	var heard errLog
	relay, err := webhook.New(pb, &webhook.Config{
		Endpoints:   []webhook.Endpoint{{Name: "busy", URL: srv.URL, Secret: secret}},
		BackoffBase: time.Millisecond, BackoffCap: 30 * time.Millisecond, OnError: heard.add,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := running(t, relay)
	eventually(t, "the event", func() bool { return len(rc.got()) == 1 })
	stop()
	var de *webhook.DeliveryError
	if errs := heard.all(); len(errs) != 1 || !errors.As(errs[0], &de) || de.Status != http.StatusTooManyRequests || de.RetryIn != 30*time.Millisecond {
		t.Errorf("OnError heard %v, want one 429 retried in the cap, 30ms", errs)
	}
}
