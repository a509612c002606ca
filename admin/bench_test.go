package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage/memory"
)

// BenchmarkAdminDetailsPage renders the Customer Details Page of a customer
// with 1 000 orders on the memory backend, and in the same loop times the
// CustomerDetails call the page renders, both in CPU time. It reports both
// and their ratio, page/details: the goal is at most 1.5.
//
//	go test -run '^$' -bench 'BenchmarkAdminDetailsPage$' ./admin
func BenchmarkAdminDetailsPage(b *testing.B) { benchDetailsPage(b, false) }

// BenchmarkAdminDetailsPageUncached is BenchmarkAdminDetailsPage with
// every rendered row and section forgotten before each page: the cost of
// a page no one has seen since its records changed.
func BenchmarkAdminDetailsPageUncached(b *testing.B) { benchDetailsPage(b, true) }

func benchDetailsPage(b *testing.B, uncached bool) {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	b.Cleanup(func() {
		if err := pb.Close(); err != nil {
			b.Error(err)
		}
	})
	prod, err := pb.ProductCreate(ctx, inventory.Product{
		Name: "Kit", Duration: period.For(7, period.Day), Stacking: inventory.StackAdd,
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "s1", Template: "give {steam_id} kit"}},
		Prices:   []money.Amount{money.MustParse("4.99", "EUR")},
	})
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		o, err := pb.OrderCreate(ctx, c.ID, playerbase.OrderCreateParams{
			Currency: money.MustCurrency("EUR"), Lines: []playerbase.OrderLineParams{{ProductID: prod.ID, Quantity: 1}},
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: fmt.Sprint("pi_", i), Fees: money.MustParse("0.30", "EUR")}); err != nil {
			b.Fatal(err)
		}
	}
	h, reset := admin.NewUncached(pb, &admin.Options{Prefix: "/admin"})
	req := httptest.NewRequest(http.MethodGet, "/admin/customers/"+string(c.ID), nil)
	req.AddCookie(&http.Cookie{Name: "playerbase_admin_csrf", Value: "0123456789012345678901234567890123456789012"})

	// CPU time, not wall time: on a loaded machine wall time counts the
	// time other processes ran, more so for the longer call. Without
	// getrusage (cpuTime 0) the wall time is used.
	clock := cpuTime
	if clock() == 0 {
		start := time.Now()
		clock = func() time.Duration { return time.Since(start) }
	}
	var details, page time.Duration
	w := &countingWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if uncached {
			reset()
		}
		c0 := clock()
		if _, err := pb.CustomerDetails(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
		c1 := clock()
		w.reset()
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK || w.n < 10_000 {
			b.Fatalf("page: %d, %d bytes", w.code, w.n)
		}
		c2 := clock()
		details += c1 - c0
		page += c2 - c1
	}
	n := float64(b.N)
	b.ReportMetric(float64(details.Nanoseconds())/n, "details-cpu-ns/op")
	b.ReportMetric(float64(page.Nanoseconds())/n, "page-cpu-ns/op")
	b.ReportMetric(float64(page)/float64(details), "page/details")
}

// countingWriter is the response a server writes into its connection's
// buffer: it keeps the status and counts the bytes. An
// httptest.ResponseRecorder would grow a new buffer to the page's size on
// every request, a cost of the test's harness, not of rendering.
type countingWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *countingWriter) reset() {
	clear(w.header)
	w.code, w.n = 0, 0
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}
