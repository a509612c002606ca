package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
	"github.com/playerbase/playerbase/webhook"
)

// TestMain fails the package if a relay, a receiver or a backend leaves a
// goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// forBackends runs fn on a fresh memory backend, a fresh SQLite file and a
// fresh PostgreSQL schema (skipped without a test database).
func forBackends(t *testing.T, fn func(t *testing.T, b storage.Backend)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { fn(t, memory.New()) })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.NewBackend(t)) })
	t.Run("sqlite", func(t *testing.T) { fn(t, sqlitetest.NewBackend(t)) })
}

// banN makes the n-th ban of a test, appending one ban.created event.
func banN(t testing.TB, pb *playerbase.Client, n int) bans.Ban {
	t.Helper()
	b, err := pb.BanCreate(context.Background(), banParams(n))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func banParams(n int) playerbase.BanCreateParams {
	return playerbase.BanCreateParams{
		Reason: fmt.Sprintf("ban %d", n), Identities: []bans.Identity{{Type: bans.Name, Value: fmt.Sprintf("player_%d", n)}},
	}
}

// feed returns every event kept, in feed order.
func feed(t testing.TB, pb *playerbase.Client) []events.Event {
	t.Helper()
	var all []events.Event
	var after events.Seq
	for {
		page, err := pb.EventList(context.Background(), playerbase.EventListParams{After: after, Limit: playerbase.MaxEventPage})
		if behind := (*events.BehindError)(nil); errors.As(err, &behind) {
			after = behind.Horizon
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			return all
		}
		all = append(all, page.Events...)
		after = page.NextCursor
	}
}

func ids(evs []events.Event) []events.ID {
	out := []events.ID{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// delivery is a request a receiver accepted as processed.
type delivery struct {
	ID   string // webhook-id
	Body []byte
}

// receiver is an endpoint's server: it verifies every request's signature
// and asks fate what to do with it. A request it processes is recorded,
// whatever it answers after.
type receiver struct {
	secret string
	fate   func(w http.ResponseWriter, r *http.Request, process func()) // nil: process, 200

	mu         sync.Mutex
	processed  []delivery
	requests   int
	unverified []error
}

func newReceiver(t *testing.T, secret string, fate func(w http.ResponseWriter, r *http.Request, process func())) (*receiver, *httptest.Server) {
	rc := &receiver{secret: secret, fate: fate}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, err := range rc.unverified {
			t.Errorf("receiver: %v", err)
		}
	})
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests++
	rc.mu.Unlock()
	if err != nil {
		return // the relay gave up mid-body
	}
	if err := webhook.Verify(rc.secret, r.Header, body); err != nil {
		rc.mu.Lock()
		rc.unverified = append(rc.unverified, err)
		rc.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	process := func() {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.processed = append(rc.processed, delivery{ID: r.Header.Get(webhook.HeaderID), Body: body})
	}
	if rc.fate == nil {
		process()
		return
	}
	rc.fate(w, r, process)
}

func (rc *receiver) got() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.processed)
}

// distinct counts the events processed, redeliveries once.
func (rc *receiver) distinct() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]bool{}
	for _, d := range rc.processed {
		seen[d.ID] = true
	}
	return len(seen)
}

func (rc *receiver) requestCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests
}

// firsts returns the IDs in the order they were first processed, and
// fails the test if a redelivery differs from the first delivery or a
// body is not the event its webhook-id names.
func firsts(t *testing.T, ds []delivery) []events.ID {
	t.Helper()
	seen := map[string][]byte{}
	out := []events.ID{}
	for _, d := range ds {
		var ev events.Event
		if err := json.Unmarshal(d.Body, &ev); err != nil {
			t.Fatalf("body of %s: %v", d.ID, err)
		}
		if string(ev.ID) != d.ID {
			t.Errorf("webhook-id %s carries event %s", d.ID, ev.ID)
		}
		if first, ok := seen[d.ID]; ok {
			if string(first) != string(d.Body) {
				t.Errorf("redelivery of %s has another body:\n%s\n%s", d.ID, first, d.Body)
			}
			continue
		}
		seen[d.ID] = d.Body
		out = append(out, events.ID(d.ID))
	}
	return out
}

// eventually polls cond until it holds, failing the test after a minute.
// The minute is a deadlock guard, not a measure: the tests assert what
// arrives, never how fast.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// running starts r.Run and returns a stop that ends it, checks it ended
// with ctx's error, and waits for it.
func running(t *testing.T, r *webhook.Relay) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != context.Canceled {
				t.Errorf("Run = %v, want context.Canceled", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func cursor(t *testing.T, pb *playerbase.Client, endpoint string) events.Seq {
	t.Helper()
	at, err := pb.EventCursor(context.Background(), webhook.CursorName(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// errLog collects what a relay's OnError hears.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

func memoryBackend() storage.Backend { return memory.New() }
