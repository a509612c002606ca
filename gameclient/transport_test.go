package gameclient_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/playerbase/playerbase/gameclient"
)

// countingConn counts the writes a connection makes.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

// A poll that reports a full batch leaves in one write, so the server
// wakes once to read it; net/http's default buffer sends it in two.
func TestPollReportingBatchIsOneWrite(t *testing.T) {
	var bodyLen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		bodyLen.Store(n)
		w.Header().Set("Playerbase-Results-Recorded", "100")
		_, _ = io.WriteString(w, "[]")
	}))
	defer srv.Close()
	executed := make([]string, 100)
	for i := range executed {
		executed[i] = fmt.Sprintf("01JD%022d", i) // as long as a ULID
	}
	for _, tc := range []struct {
		name   string
		client *http.Client
		writes int64
	}{
		{"NewHTTPClient", gameclient.NewHTTPClient(), 1},
		{"net/http's defaults", &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var writes atomic.Int64
			tr := tc.client.Transport.(*http.Transport)
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				return countingConn{conn, &writes}, err
			}
			defer tr.CloseIdleConnections()
			c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: "t", HTTPClient: tc.client})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.PollReporting(context.Background(), gameclient.Players{}, gameclient.Results{Executed: executed}); err != nil {
				t.Fatal(err)
			}
			if n := bodyLen.Load(); n < 4096 {
				t.Fatalf("the body is %d bytes; the test needs one larger than net/http's 4 KiB buffer", n)
			}
			if got := writes.Load(); got != tc.writes {
				t.Errorf("the poll took %d writes, want %d", got, tc.writes)
			}
		})
	}
}

func TestNewHTTPClientKeepsDefaults(t *testing.T) {
	c := gameclient.NewHTTPClient()
	if c.Timeout <= 0 {
		t.Error("no timeout on a whole request")
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr.Proxy == nil || tr.IdleConnTimeout == 0 {
		t.Errorf("transport %T does not keep http.DefaultTransport's settings", c.Transport)
	}
	if tr == http.DefaultTransport {
		t.Error("the client changes http.DefaultTransport itself")
	}
}

// Clients made without an HTTP client share one, and with it its idle
// connections: a plugin that makes a Client per poll does not keep a
// connection open for each.
func TestClientsShareTheDefaultTransport(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Playerbase-Results-Recorded", "0")
		_, _ = io.WriteString(w, "[]")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	for range 5 {
		c, err := gameclient.New(gameclient.Config{BaseURL: srv.URL, Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Poll(context.Background(), gameclient.Players{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("5 Clients in turn opened %d connections, want 1", n)
	}
}
