package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/internal/demo"
	"github.com/playerbase/playerbase/storage/memory"
)

// screenshotDir is where the browser tests leave their screenshots for a
// person to look at; .gitignore keeps it out of the repository.
const screenshotDir = "screenshots"

// chromium finds a Chromium or Chrome binary. Without one the browser tests
// skip, unless PLAYERBASE_REQUIRE_BROWSER is set (CI), where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("PLAYERBASE_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium on PATH and PLAYERBASE_REQUIRE_BROWSER is set: install chromium (apt-get install chromium)")
	}
	t.Skip("browser test skipped: no chromium on PATH (apt-get install chromium; set PLAYERBASE_REQUIRE_BROWSER to make this a failure)")
	return ""
}

// demoServer serves the admin over the demo store under /admin on a
// loopback socket.
func demoServer(t *testing.T) (*httptest.Server, demo.Store, *playerbase.Client) {
	t.Helper()
	clock := &demo.Clock{}
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock.Now})
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	})
	store, err := demo.Seed(context.Background(), pb, clock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", admin.New(pb, &admin.Options{
		Prefix: "/admin", Now: clock.Now,
		Actor: func(*http.Request) string { return "admin:e2e" },
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, store, pb
}

// browser starts headless Chromium that accepts every confirm() dialog.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// The one-click destructive forms ask with confirm(); say yes.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// screenshot saves the current page, full length, at width px wide.
func screenshot(t *testing.T, ctx context.Context, url string, width int64, name string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, 900),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("main")),
	); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(screenshotDir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
}

func TestBrowserScreenshots(t *testing.T) {
	ctx := browser(t)
	srv, store, _ := demoServer(t)
	url := srv.URL + "/admin/customers/" + string(store.Garry.ID)
	screenshot(t, ctx, url, 1280, "details-1280.png")
	screenshot(t, ctx, url, 390, "details-390.png")
	screenshot(t, ctx, srv.URL+"/admin/items/"+string(store.ActiveVIP.ID), 1280, "item-1280.png")
	screenshot(t, ctx, srv.URL+"/admin/customers/"+string(store.Cheater.ID), 1280, "banned-1280.png")
	screenshot(t, ctx, srv.URL+"/admin/?q=gar", 1280, "search-1280.png")
	screenshot(t, ctx, srv.URL+"/admin/orders/"+string(store.Chargeback.ID), 1280, "order-1280.png")
	screenshot(t, ctx, srv.URL+"/admin/bans/"+string(store.RangeBan.ID)+"/edit", 1280, "ban-edit-1280.png")
	screenshot(t, ctx, srv.URL+"/admin/customers/"+string(store.Garry.ID)+"/ban", 390, "ban-new-390.png")
}
