package gameapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage/memory"
)

var start = time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a store on the memory backend, its game-server API on a
// loopback server, and an HTTP client that checks every response against
// the repository's OpenAPI document.
type fixture struct {
	t     *testing.T
	pb    *playerbase.Client
	clock *clock
	srv   *httptest.Server
	http  *http.Client
	logs  *syncBuffer
}

// watched, as Options.BanIndex, asks newFixture for the API to answer ban
// checks from a BanWatch's index on the fixture's store, as a host does.
var watched = &bans.Index{}

func newFixture(t *testing.T, opts *gameapi.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: &clock{t: start}, logs: &syncBuffer{}}
	f.pb = playerbase.New(memory.New(), &playerbase.Config{Now: f.clock.Now})
	if opts == nil {
		opts = &gameapi.Options{}
	}
	if opts.BanIndex == watched {
		w, err := f.pb.BanWatch(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := w.Close(); err != nil {
				t.Error(err)
			}
		})
		opts.BanIndex = w.Index()
	}
	opts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.srv = httptest.NewServer(gameapi.New(f.pb, opts))
	t.Cleanup(f.srv.Close)
	f.http = &http.Client{Transport: &validating{t: t, next: http.DefaultTransport}}
	return f
}

// server registers a game server and returns it with its token.
func (f *fixture) server(name string) (gameserver.Server, string) {
	f.t.Helper()
	s, tok, err := f.pb.GameServerCreate(context.Background(), playerbase.GameServerCreateParams{Name: name})
	if err != nil {
		f.t.Fatal(err)
	}
	return s, tok
}

func (f *fixture) client(token string, j gameclient.Journal) *gameclient.Client {
	f.t.Helper()
	c, err := gameclient.New(gameclient.Config{BaseURL: f.srv.URL, Token: token, HTTPClient: f.http, Journal: j})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// product makes a product whose purchase queues one command per template
// on server, none online-only.
func (f *fixture) product(server string, templates ...string) inventory.Product {
	f.t.Helper()
	var cmds []inventory.CommandTemplate
	for _, tpl := range templates {
		cmds = append(cmds, inventory.CommandTemplate{Stage: inventory.OnPurchase, Server: server, Template: tpl})
	}
	p, err := f.pb.ProductCreate(context.Background(), inventory.Product{
		Name: "Kit " + server, Commands: cmds, Prices: []money.Amount{money.MustParse("4.99", "EUR")},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

var steamSeq = struct {
	sync.Mutex
	n uint64
}{n: 76561198000000000}

// customer makes a Steam customer.
func (f *fixture) customer(name string) customer.Customer {
	f.t.Helper()
	steamSeq.Lock()
	steamSeq.n++
	id := fmt.Sprint(steamSeq.n)
	steamSeq.Unlock()
	c, _, err := f.pb.CustomerIdentify(context.Background(), playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: id, Name: name})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// buy checks out and pays for one of p: a purchase through the Client.
func (f *fixture) buy(c customer.Customer, p inventory.Product) orders.Order {
	f.t.Helper()
	ctx := context.Background()
	o, err := f.pb.OrderCreate(ctx, c.ID, playerbase.OrderCreateParams{
		Currency: money.MustCurrency("EUR"), Lines: []playerbase.OrderLineParams{{ProductID: p.ID, Quantity: 1}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	o, err = f.pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: "pay_" + string(o.ID)})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// commands returns every command of the customer's items.
func (f *fixture) commands(c customer.Customer) []inventory.Command {
	f.t.Helper()
	ctx := context.Background()
	page, err := f.pb.ItemList(ctx, c.ID, playerbase.ItemListParams{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []inventory.Command
	for _, it := range page.Items {
		cmds, err := f.pb.CommandList(ctx, it.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, cmds...)
	}
	return out
}

// do sends a raw request, as a plugin in another language would.
func (f *fixture) do(method, path, token, body string) (*http.Response, []byte) {
	f.t.Helper()
	return f.doBytes(method, path, token, "application/json", []byte(body))
}

func (f *fixture) doBytes(method, path, token, contentType string, body []byte) (*http.Response, []byte) {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Gameserver "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

// The OpenAPI document, loaded once.
var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
	docT      *openapi3.T
)

func loadDoc() (*openapi3.T, routers.Router, error) {
	docOnce.Do(func() {
		l := openapi3.NewLoader()
		docT, docErr = l.LoadFromData(gameapi.OpenAPI)
		if docErr != nil {
			return
		}
		if docErr = docT.Validate(context.Background()); docErr != nil {
			return
		}
		docRouter, docErr = legacy.NewRouter(docT)
	})
	return docT, docRouter, docErr
}

// validating checks every response against the OpenAPI document: the
// operation's schema for a routed request, PayNowError for the rest.
type validating struct {
	t    *testing.T
	next http.RoundTripper
}

// validated counts the responses checked, across tests.
var validated struct {
	sync.Mutex
	n int
}

func (v *validating) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := validateResponse(req, resp, body); err != nil {
		v.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	validated.Lock()
	validated.n++
	validated.Unlock()
	return resp, nil
}

func validateResponse(req *http.Request, resp *http.Response, body []byte) error {
	doc, router, err := loadDoc()
	if err != nil {
		return err
	}
	if resp.Header.Get("X-Request-Id") == "" {
		return fmt.Errorf("no X-Request-Id header")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		// No operation (a 404 route): the body is still a PayNowError.
		var v any
		if err := unmarshal(body, &v); err != nil {
			return err
		}
		return doc.Components.Schemas["PayNowError"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if resp.StatusCode == http.StatusNoContent && len(body) != 0 {
		return fmt.Errorf("a 204 with a body")
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func unmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

type httpResponse = http.Response

func (f *fixture) doHeader(method, path, authorization, body string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}
