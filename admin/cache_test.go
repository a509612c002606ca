package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/storage/memory"
)

// The details page's cached sections never outlive their data: a change
// made elsewhere shows on the next load, and loads at once agree.
func TestDetailsPageCacheFollowsChanges(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Garry.ID
	first := f.get(cus(id), http.StatusOK)
	if again := f.get(cus(id), http.StatusOK); again != first {
		t.Fatal("two loads of an unchanged page differ")
	}
	c, err := f.pb.CustomerGet(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pb.CustomerUpdate(ctx, id, playerbase.CustomerUpdateParams{Version: c.Version, Name: "Garry <b>II</b>", PlatformID: c.PlatformID.Value}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pb.ItemRevoke(ctx, f.s.ActiveVIP.ID, playerbase.ItemRevokeParams{Reason: "test", Actor: "admin:test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "x", Identities: []bans.Identity{{Type: bans.Customer, Value: string(id)}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(section(first, "orders"), ">9.41 EUR<") {
		t.Fatalf("the completed order's net before its refund is not 9.41 EUR:\n%s", section(first, "orders"))
	}
	if _, err := f.pb.OrderRefund(ctx, f.s.Completed.ID, playerbase.OrderRefundParams{Amount: money.MustParse("1.00", "EUR")}); err != nil {
		t.Fatal(err)
	}
	body := f.get(cus(id), http.StatusOK)
	contains(t, "after the changes", body, "Garry &lt;b&gt;II&lt;/b&gt;", `class="banner"`)
	contains(t, "after the refund", section(body, "orders"), ">8.41 EUR<")
	lacks(t, "after the changes", body, `href="/admin/items/`+string(f.s.ActiveVIP.ID)+`/revoke"`)

	bodies := make(chan string, 8)
	for range cap(bodies) {
		go func() {
			resp, err := f.http.Get(f.srv.URL + cus(id))
			if err != nil {
				bodies <- err.Error()
				return
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			bodies <- string(b)
		}()
	}
	for range cap(bodies) {
		if b := <-bodies; b != body {
			t.Errorf("a concurrent load differs:\n%s", b)
		}
	}
}

// addingWriter adds to a header the admin set, as a host's middleware may.
type addingWriter struct{ http.ResponseWriter }

func (w addingWriter) WriteHeader(code int) {
	w.Header().Add("X-Frame-Options", "SAMEORIGIN")
	w.ResponseWriter.WriteHeader(code)
}

// The header values every response shares stay right when a response
// adds to one.
func TestSharedHeaderValues(t *testing.T) {
	f := newFixture(t, nil)
	h := admin.New(f.pb, &admin.Options{Prefix: "/admin"})
	for i := range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(addingWriter{w}, httptest.NewRequest(http.MethodGet, cus(f.s.Garry.ID), nil))
		if got := w.Result().Header.Values("X-Frame-Options"); len(got) != 2 || got[0] != "DENY" {
			t.Errorf("response %d: X-Frame-Options = %q, want DENY and the host's", i, got)
		}
	}
}

// An item's row follows time: the page shown again after the item expired
// shows it expired, with no Revoke, though the item's record is the same.
func TestDetailsPageItemExpiresAsTimePasses(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock})
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	})
	prod, err := pb.ProductCreate(ctx, inventory.Product{Name: "Kit", Duration: period.For(7, period.Day)})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198000000125", Name: "Eli"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: c.ID, Product: prod.ID, Actor: "admin:test"})
	if err != nil {
		t.Fatal(err)
	}
	h := admin.New(pb, &admin.Options{Prefix: "/admin", Now: clock})
	page := func() string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, cus(c.ID), nil))
		return section(w.Body.String(), "inventory")
	}
	revoke := `href="/admin/items/` + string(it.ID) + `/revoke"`
	contains(t, "before the expiry", page(), revoke, `badge active`)
	contains(t, "before the expiry, again", page(), revoke)
	mu.Lock()
	now = now.Add(8 * 24 * time.Hour)
	mu.Unlock()
	body := page()
	contains(t, "after the expiry", body, `badge expired`, "Not revocable: the item has expired")
	lacks(t, "after the expiry", body, revoke)
}
