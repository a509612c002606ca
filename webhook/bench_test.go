package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/webhook"
)

// countingServer is a receiver that verifies each request and closes done
// when it has accepted want of them.
func countingServer(b *testing.B, secret string, want int) (*httptest.Server, <-chan struct{}) {
	var n atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if n.Add(1) == int64(want) {
			close(done)
		}
	}))
	b.Cleanup(srv.Close)
	return srv, done
}

// BenchmarkRelay delivers b.N events to a loopback receiver through the
// relay (read the feed, sign, POST, save the cursor after each), and, as
// the baseline in the same run, POSTs the same events signed in a plain
// loop. relay/direct is the relay's time over the baseline's: the cost of
// reading the feed and saving a cursor per event.
func BenchmarkRelay(b *testing.B) {
	for _, bk := range []struct {
		name string
		open func(b *testing.B) storage.Backend
	}{
		{"memory", func(*testing.B) storage.Backend { return memory.New() }},
		{"postgres", func(b *testing.B) storage.Backend { return pgtest.NewBackend(b) }},
	} {
		b.Run(bk.name, func(b *testing.B) {
			pb := playerbase.New(bk.open(b), nil)
			for i := range b.N {
				banN(b, pb, i)
			}
			evs := feed(b, pb)
			secret := webhook.NewSecret()
			key, err := webhook.ParseSecret(secret)
			if err != nil {
				b.Fatal(err)
			}
			direct, directDone := countingServer(b, secret, len(evs))
			relayed, relayDone := countingServer(b, secret, len(evs))
			client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
			defer client.CloseIdleConnections()
			b.ResetTimer()

			// The baseline runs before and after the relay, the faster of the
			// two kept, so neither side pays alone for a cold start.
			post := func(url string) {
				for _, ev := range evs {
					body, err := json.Marshal(ev)
					if err != nil {
						b.Fatal(err)
					}
					req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					now := time.Now()
					req.Header.Set(webhook.HeaderID, string(ev.ID))
					req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
					req.Header.Set(webhook.HeaderSignature, key.Sign(string(ev.ID), now, body))
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			}
			start := time.Now()
			post(direct.URL)
			<-directDone
			baseline := time.Since(start)

			relay, err := webhook.New(pb, &webhook.Config{Endpoints: []webhook.Endpoint{{Name: "bench", URL: relayed.URL, Secret: secret}}})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan error, 1)
			start = time.Now()
			go func() { stopped <- relay.Run(ctx) }()
			<-relayDone
			took := time.Since(start)
			cancel()
			if err := <-stopped; err != context.Canceled {
				b.Fatalf("Run = %v, want context.Canceled", err)
			}
			again, _ := countingServer(b, secret, len(evs))
			start = time.Now()
			post(again.URL)
			baseline = min(baseline, time.Since(start))
			b.StopTimer()

			b.ReportMetric(float64(took)/float64(baseline), "relay/direct")
			b.ReportMetric(float64(len(evs))/took.Seconds(), "events/s")
		})
	}
}
