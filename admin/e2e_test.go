package admin_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// do runs browser steps and fails the test on the first error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text returns the text of the first element sel selects.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// count returns how many elements sel selects.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func flash(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	do(t, ctx, "wait for "+want, chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := text(t, ctx, ".flash"); got != want {
		t.Fatalf("flash = %q, want %q", got, want)
	}
}

// TestBrowserEndToEnd drives the admin in headless Chromium as a store
// owner would, with JavaScript on.
func TestBrowserEndToEnd(t *testing.T) {
	ctx := browser(t)
	srv, s, pb := demoServer(t)
	base := srv.URL + "/admin"
	garry := base + "/customers/" + string(s.Garry.ID)

	// Search by the STEAM_0 form, open the page.
	do(t, ctx, "search",
		chromedp.Navigate(base+"/"),
		chromedp.SendKeys(chromedp.CSS("#q"), "STEAM_0:0:23071901"),
		chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
		chromedp.Click(chromedp.CSS(`a[href="/admin/customers/`+string(s.Garry.ID)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#profile-h")),
	)

	// Edit with an invalid SteamID: the error at the field, the typed
	// value kept; then a valid one.
	do(t, ctx, "edit invalid",
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#platform_id")),
		chromedp.SetValue(chromedp.CSS("#platform_id"), "STEAM_0:0:nope"),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#platform_id-err")),
	)
	if got := text(t, ctx, "#platform_id-err"); got == "" {
		t.Error("no error text at the platform ID")
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#platform_id"))); v != "STEAM_0:0:nope" {
		t.Errorf("typed platform ID not kept: %q", v)
	}
	do(t, ctx, "edit valid",
		chromedp.SetValue(chromedp.CSS("#name"), "Garry N."),
		chromedp.SetValue(chromedp.CSS("#platform_id"), "[U:1:46143802]"),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	flash(t, ctx, "Customer saved.")
	if h := text(t, ctx, "h1"); !strings.Contains(h, "Garry N.") {
		t.Errorf("heading after edit = %q", h)
	}

	// Ban by IP with an expiry: the red banner shows the ban ID.
	do(t, ctx, "ban",
		chromedp.Click(chromedp.CSS(`a.button.danger[href$="/ban"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reason")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "Chargeback abuse"),
		chromedp.SetValue(chromedp.CSS("#expires_at"), "2999-01-01T00:00"),
		chromedp.SetValue(chromedp.CSS("#extra_type"), "ip"),
		chromedp.SendKeys(chromedp.CSS("#extra_value"), "203.0.113.7"),
		chromedp.Click(chromedp.CSS("button.danger")),
	)
	flash(t, ctx, "Ban created.")
	ids, err := pb.CustomerBanner(context.Background(), s.Garry.ID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("bans after Ban: %v %v", ids, err)
	}
	if b := text(t, ctx, ".banner"); !strings.Contains(b, string(ids[0])) {
		t.Errorf("banner %q lacks the ban ID %s", b, ids[0])
	}
	screenshot(t, ctx, garry, 1280, "e2e-banned-1280.png")
	screenshot(t, ctx, garry, 390, "e2e-banned-390.png")
	do(t, ctx, "back to desktop width", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(garry), chromedp.WaitVisible(chromedp.CSS(".banner")))

	// View Ban → Edit Ban: remove the customer identity → Unban.
	do(t, ctx, "view ban",
		chromedp.Click(chromedp.CSS(".banner a")),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="/edit"]`)),
		chromedp.Click(chromedp.CSS(`a[href*="/edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="remove"]`)),
		chromedp.Click(chromedp.CSS(`input[name="remove"][value^="customer:"]`)),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	flash(t, ctx, "Ban saved.")
	if n := count(t, ctx, "dd li"); n != 3 { // name, SteamID and IP stay
		t.Errorf("%d identities left, want 3", n)
	}
	if strings.Contains(text(t, ctx, "dl"), string(s.Garry.ID)) {
		t.Error("the removed customer identity is still listed")
	}
	do(t, ctx, "unban",
		chromedp.Click(chromedp.CSS(`a.button.danger[href*="/unban"]`)),
		chromedp.WaitVisible(chromedp.CSS(".confirm")),
		chromedp.Click(chromedp.CSS(".confirm button.danger")),
	)
	flash(t, ctx, "Ban lifted.")
	if n := count(t, ctx, ".banner"); n != 0 {
		t.Errorf("%d banners after unban", n)
	}

	// History: the customer's edit, the ban and the ban's edit, each by
	// the staff member; the ban linked from its row.
	do(t, ctx, "history",
		chromedp.Click(chromedp.CSS(`nav.tabs a[href$="/history"]`)),
		chromedp.WaitVisible(chromedp.CSS("#history table")),
	)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr.event')].map(r => r.querySelector('.what').textContent + ' by ' + r.querySelector('.actor').textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Customer edited by admin:e2e", "Ban created by admin:e2e", "Ban edited by admin:e2e"} {
		if !slices.Contains(rows, want) {
			t.Errorf("History rows %q lack %q", rows, want)
		}
	}
	if n := count(t, ctx, `tr.event a[href="/admin/bans/`+string(ids[0])+`?customer=`+string(s.Garry.ID)+`"]`); n != 2 {
		t.Errorf("%d history rows link to the ban, want 2", n)
	}
	screenshot(t, ctx, garry+"/history", 1280, "e2e-history-1280.png")
	screenshot(t, ctx, garry+"/history", 390, "e2e-history-390.png")
	do(t, ctx, "back to the details", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(garry), chromedp.WaitVisible(chromedp.CSS("#profile-h")))

	// Revoke an active item; an expired one offers no Revoke.
	if n := count(t, ctx, `a[href="/admin/items/`+string(s.ExpiredKit.ID)+`/revoke"]`); n != 0 {
		t.Error("an expired item offers Revoke")
	}
	do(t, ctx, "revoke",
		chromedp.Click(chromedp.CSS(`a[href="/admin/items/`+string(s.ActiveVIP.ID)+`/revoke"]`)),
		chromedp.WaitVisible(chromedp.CSS(".confirm")),
		chromedp.SendKeys(chromedp.CSS("#reason"), "duplicate purchase"),
		chromedp.Click(chromedp.CSS(".confirm button.danger")),
	)
	flash(t, ctx, "Item revoked.")
	if n := count(t, ctx, `a[href="/admin/items/`+string(s.ActiveVIP.ID)+`/revoke"]`); n != 0 {
		t.Error("a revoked item still offers Revoke")
	}

	// Assign a product.
	do(t, ctx, "assign",
		chromedp.Click(chromedp.CSS(`a[href$="/assign"]`)),
		chromedp.WaitVisible(chromedp.CSS("#product")),
		chromedp.SetValue(chromedp.CSS("#product"), string(s.VIP.ID)),
		chromedp.Click(chromedp.CSS("button.primary")),
	)
	flash(t, ctx, "Product assigned.")

	// Link a Discord ID: an invalid one is refused at the field.
	item := base + "/items/" + string(s.Badge0.ID)
	do(t, ctx, "discord invalid",
		chromedp.Navigate(item),
		chromedp.WaitVisible(chromedp.CSS("#discord_id")),
		chromedp.SetValue(chromedp.CSS("#discord_id"), "12345"),
		chromedp.Click(chromedp.CSS("#discord-h + form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".field-error")),
	)
	if v, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#discord_id"), "aria-invalid")); v.Value != "true" {
		t.Error("invalid Discord ID not marked")
	}
	do(t, ctx, "discord valid",
		chromedp.SetValue(chromedp.CSS("#discord_id"), "175928847299117063"),
		chromedp.Click(chromedp.CSS("#discord-h + form button.primary")),
	)
	flash(t, ctx, "Discord link saved.")

	// The command view: resend the failed command.
	do(t, ctx, "command view",
		chromedp.Navigate(base+"/items/"+string(s.ActiveVIP.ID)+"#commands"),
		chromedp.WaitVisible(chromedp.CSS("#commands table")),
	)
	if c := text(t, ctx, "#commands tbody"); !strings.Contains(c, "failed") || !strings.Contains(c, "Unknown group") || !strings.Contains(c, "rust-eu-1") {
		t.Errorf("command view = %q", c)
	}
	do(t, ctx, "resend", chromedp.Click(chromedp.CSS(`form[action$="/commands/`+string(s.FailedCommand)+`/resend"] button`)))
	flash(t, ctx, "Command queued again.")
	if n := count(t, ctx, "#commands .badge.pending"); n < 1 {
		t.Error("no pending command after resend")
	}

	// Filter orders by Chargeback.
	do(t, ctx, "filter orders",
		chromedp.Navigate(garry),
		chromedp.WaitVisible(chromedp.CSS("#order_status")),
		chromedp.SetValue(chromedp.CSS("#order_status"), "chargeback"),
		chromedp.Click(chromedp.CSS(`form.filter:has(#order_status) button`)),
		chromedp.WaitReady(chromedp.CSS(`#order_status option[value="chargeback"][selected]`)),
	)
	if o := text(t, ctx, "#orders tbody"); !strings.Contains(o, string(s.Chargeback.ID)) || strings.Contains(o, string(s.Refunded.ID)) {
		t.Errorf("orders filtered by chargeback = %q", o)
	}

	// Clear a metadata row and Update.
	do(t, ctx, "metadata",
		chromedp.Clear(chromedp.CSS(`.meta-row:nth-child(2) input[name="key"]`)),
		chromedp.Clear(chromedp.CSS(`.meta-row:nth-child(2) input[name="value"]`)),
		chromedp.Click(chromedp.CSS("#metadata button.primary")),
	)
	flash(t, ctx, "Metadata saved.")
	if m, _ := pb.MetadataGet(context.Background(), s.Garry.ID); len(m) != 2 || m["note"] != "" {
		t.Errorf("metadata after clearing the note row = %v", m)
	}
	if n := count(t, ctx, `#metadata input[name="key"]`); n != 3 { // two left and a blank row
		t.Errorf("%d metadata rows after clearing one of three", n)
	}

	// Issue a token (the secret shown once, gone on reload), revoke all.
	do(t, ctx, "issue token",
		chromedp.Click(chromedp.CSS(`a[href$="/tokens"]`)),
		chromedp.WaitVisible(chromedp.CSS("#label")),
		chromedp.SendKeys(chromedp.CSS("#label"), "launcher"),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
	)
	secret, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#secret")))
	if !strings.HasPrefix(secret, "tok_") {
		t.Errorf("shown secret = %q", secret)
	}
	do(t, ctx, "reload", chromedp.Navigate(garry+"/tokens"), chromedp.WaitVisible(chromedp.CSS("#label")))
	if n := count(t, ctx, "#secret"); n != 0 {
		t.Error("the secret is shown again on reload")
	}
	do(t, ctx, "revoke all",
		chromedp.Click(chromedp.CSS(`a[href$="/revoke-all"]`)),
		chromedp.WaitVisible(chromedp.CSS(".confirm")),
		chromedp.Click(chromedp.CSS(".confirm button.danger")),
	)
	flash(t, ctx, "Every token revoked.")
	if n := count(t, ctx, ".badge.live"); n != 0 {
		t.Errorf("%d live tokens after revoke all", n)
	}
}

// TestBrowserNoScript posts the forms that a script would help with, in
// Chromium with JavaScript off: Add Field is a round trip, a one-click
// revoke posts without asking, times read in UTC.
func TestBrowserNoScript(t *testing.T) {
	ctx := browser(t)
	srv, s, pb := demoServer(t)
	garry := srv.URL + "/admin/customers/" + string(s.Garry.ID)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open", chromedp.Navigate(garry), chromedp.WaitVisible(chromedp.CSS("#meta-add")))
	if z := text(t, ctx, "#zone"); z != "Times are in UTC." {
		t.Errorf("zone note without a script = %q", z)
	}
	if tm := text(t, ctx, "#profile-h + dl time"); !strings.HasSuffix(tm, "UTC") {
		t.Errorf("a time without a script reads %q", tm)
	}
	rows := count(t, ctx, `#metadata input[name="key"]`)
	do(t, ctx, "add field",
		chromedp.Click(chromedp.CSS("#meta-add")),
		chromedp.WaitReady(chromedp.CSS(`#metadata .meta-row:nth-child(`+fmt.Sprint(rows+1)+`)`)),
		chromedp.SendKeys(chromedp.CSS(`#metadata .meta-row:nth-child(`+fmt.Sprint(rows+1)+`) input[name="key"]`), "server"),
		chromedp.SendKeys(chromedp.CSS(`#metadata .meta-row:nth-child(`+fmt.Sprint(rows+1)+`) input[name="value"]`), "eu-1"),
		chromedp.Click(chromedp.CSS("#metadata button.primary")),
	)
	flash(t, ctx, "Metadata saved.")
	if m, _ := pb.MetadataGet(context.Background(), s.Garry.ID); m["server"] != "eu-1" {
		t.Errorf("metadata after Add Field = %v", m)
	}
	do(t, ctx, "issue and revoke a token",
		chromedp.Navigate(garry+"/tokens"),
		chromedp.WaitVisible(chromedp.CSS("#label")),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.Click(chromedp.CSS(`form[data-confirm] button`)),
	)
	flash(t, ctx, "Token revoked.")
}
