package admin_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/internal/demo"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/subscriptions"
)

// fixture is the demo store behind the admin handler, and a browser-like
// client that keeps the form-token cookie and does not follow redirects.
type fixture struct {
	t     *testing.T
	pb    *playerbase.Client
	s     demo.Store
	srv   *httptest.Server
	http  *http.Client
	token string
}

func newFixture(t *testing.T, opts *admin.Options) *fixture {
	t.Helper()
	clock := &demo.Clock{}
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock.Now})
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	})
	s, err := demo.Seed(context.Background(), pb, clock)
	if err != nil {
		t.Fatal(err)
	}
	o := admin.Options{Prefix: "/admin", Now: clock.Now, Actor: func(*http.Request) string { return "admin:test" }}
	if opts != nil {
		o.ReadOnly = opts.ReadOnly
		if opts.Actor != nil {
			o.Actor = opts.Actor
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", admin.New(pb, &o))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	f := &fixture{t: t, pb: pb, s: s, srv: srv, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	f.get("/admin/", http.StatusOK) // the form token
	return f
}

var tokenInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and checks its status; it remembers the page's form
// token.
func (f *fixture) get(path string, want int) string {
	f.t.Helper()
	resp, err := f.http.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	body := f.read(resp, "GET "+path, want)
	if m := tokenInput.FindStringSubmatch(body); m != nil {
		f.token = m[1]
	}
	return body
}

// post submits a form as a same-origin browser does, with the page's
// token, and checks the status.
func (f *fixture) post(path string, form url.Values, want int) (body, location string) {
	f.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", f.token)
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.read(resp, "POST "+path, want), resp.Header.Get("Location")
}

func (f *fixture) read(resp *http.Response, what string, want int) string {
	f.t.Helper()
	b, _ := io.ReadAll(resp.Body)
	if err := resp.Body.Close(); err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode != want {
		f.t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, want, b)
	}
	return string(b)
}

func contains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s does not contain %q", what, s)
		}
	}
}

func lacks(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s contains %q", what, s)
		}
	}
}

// invalid reports whether the input named name is marked invalid.
func invalid(body, name string) bool {
	return regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*aria-invalid="true"`).MatchString(body)
}

// section cuts the page's <section id="id"> out of body.
func section(body, id string) string {
	_, rest, _ := strings.Cut(body, `<section id="`+id+`"`)
	s, _, _ := strings.Cut(rest, "</section>")
	return s
}

func cus(id customer.ID) string { return "/admin/customers/" + string(id) }

func TestSearch(t *testing.T) {
	f := newFixture(t, nil)
	for _, c := range []struct {
		q       string
		matched string
		want    []string
		not     []string
	}{
		{"gar", "name", []string{"Garry", "Garrett"}, []string{"Gabe"}},
		{"ＧＡＲＲＹ", "name", []string{"Garry"}, []string{"Garrett"}},
		{"STEAM_0:0:23071901", "platform ID", []string{"Garry"}, []string{"Garrett"}},
		{"[U:1:46143802]", "platform ID", []string{"Garry"}, nil},
		{"76561198006409530", "platform ID", []string{"Garry"}, nil},
		{"069A79F444E94726A5BEFCA90E38AAF5", "platform ID", []string{"Notch"}, nil},
		{"069a79f4-44e9-4726-a5be-fca90e38aaf5", "platform ID", []string{"Notch"}, nil},
		{"GARRY@example.com", "email", []string{"Garry"}, nil},
		{"198.51.100.23", "IP", []string{"Notch", "Banned"}, []string{"Garry"}},
		{string(f.s.Chargeback.ID), "order ID", []string{"Garry"}, nil},
		{"xx_aim", "name", []string{"xX_Aimbot_Xx", "Banned"}, nil},
		{"STEAM_0:1:999", "platform ID", []string{"No customer matches"}, []string{"Garry"}},
	} {
		body := f.get("/admin/?q="+url.QueryEscape(c.q), http.StatusOK)
		contains(t, "search "+c.q, body, c.want...)
		if c.want[0] == "No customer matches" {
			continue
		}
		contains(t, "search "+c.q, body, "Matched by "+c.matched)
		lacks(t, "search "+c.q, body, c.not...)
	}
	body := f.get("/admin/?q=a%40", http.StatusUnprocessableEntity)
	contains(t, "a bad email", body, `class="error"`)
}

func TestSearchPages(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, n := range []string{"Gar_a", "Gar_b", "Gar_c"} {
		if _, _, err := f.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: customer.OfflineUUID(n), Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := f.pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: "gar", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for {
		for _, r := range page.Results {
			if seen[r.Customer.Name] {
				t.Fatalf("%s on two pages", r.Customer.Name)
			}
			seen[r.Customer.Name] = true
		}
		if page.NextCursor == "" {
			break
		}
		if page, err = f.pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: "gar", Limit: 2, Cursor: page.NextCursor}); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 5 {
		t.Errorf("paged search found %v, want Garry, Garrett and three Gar_", seen)
	}
}

func TestDetailsPage(t *testing.T) {
	f := newFixture(t, nil)
	body := f.get(cus(f.s.Garry.ID), http.StatusOK)
	contains(t, "details", body,
		"Garry", "76561198006409530", "STEAM_0:0:23071901", "[U:1:46143802]",
		"https://steamcommunity.com/profiles/76561198006409530",
		"9.06 EUR, -15.46 USD", // net spent per currency
		"7.50 EUR",             // MRR
		"Ban</a>", "Manage Tokens", "Edit Customer", "Assign Product",
		`href="/admin/items/`+string(f.s.ActiveVIP.ID)+`/revoke"`,
		"Not revocable: the item has expired",
		"Not revocable: the item never expires and its product has no on-expiry action",
		`datetime="`, // times for the viewer's zone
		"&lt;b&gt;VIP&lt;/b&gt; since 2024",
	)
	lacks(t, "details", body,
		`href="/admin/items/`+string(f.s.ExpiredKit.ID)+`/revoke"`,
		`href="/admin/items/`+string(f.s.Badge0.ID)+`/revoke"`,
		"<b>VIP</b>", `class="banner"`)

	banned := f.get(cus(f.s.Cheater.ID), http.StatusOK)
	contains(t, "banned details", banned, `class="banner"`, string(f.s.CheaterBan.ID), "View Ban")
	notch := f.get(cus(f.s.Notch.ID), http.StatusOK)
	contains(t, "range-banned details", notch, string(f.s.RangeBan.ID))

	chargebacks := section(f.get(cus(f.s.Garry.ID)+"?order_status=chargeback", http.StatusOK), "orders")
	contains(t, "chargeback filter", chargebacks, string(f.s.Chargeback.ID))
	lacks(t, "chargeback filter", chargebacks, string(f.s.Refunded.ID), string(f.s.Completed.ID))
	canceled := section(f.get(cus(f.s.Garry.ID)+"?sub_status=canceled", http.StatusOK), "subscriptions")
	contains(t, "canceled filter", canceled, string(f.s.CanceledSub.ID))
	lacks(t, "canceled filter", canceled, string(f.s.ActiveSub.ID))
	f.get(cus(f.s.Garry.ID)+"?order_status=lost", http.StatusBadRequest)
	f.get("/admin/customers/cus_nope", http.StatusNotFound)
	f.get("/admin/customers/"+string(customer.NewID(f.s.Garry.FirstSeen)), http.StatusNotFound)
}

// A name and metadata with HTML show as text; no script of theirs runs.
func TestEscaping(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	evil := "<script>alert(1)</script>"
	c, _, err := f.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198000000077", Name: evil})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pb.MetadataUpdate(ctx, c.ID, []metadata.Field{{Key: "x", Value: `"><img src=x onerror=alert(2)>`}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{cus(c.ID), cus(c.ID) + "/edit", cus(c.ID) + "/ban", "/admin/?q=" + url.QueryEscape("<script>")} {
		body := f.get(path, http.StatusOK)
		lacks(t, path, body, evil, "<img src=x")
		contains(t, path, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	}
}

func TestEdit(t *testing.T) {
	f := newFixture(t, nil)
	id := f.s.Garry.ID
	body := f.get(cus(id)+"/edit", http.StatusOK)
	contains(t, "edit form", body, `name="version" value="1"`)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]

	// An invalid SteamID: the error at the field, what was typed kept,
	// nothing changed.
	body, _ = f.post(cus(id)+"/edit", url.Values{"version": {version}, "name": {"Garry N."}, "platform_id": {"STEAM_0:0:abc"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "platform_id") {
		t.Error("invalid platform ID not marked at its field")
	}
	contains(t, "refused edit", body, `id="platform_id-err"`, `value="STEAM_0:0:abc"`, `value="Garry N."`)
	if c, _ := f.pb.CustomerGet(context.Background(), id); c.Name != "Garry" {
		t.Errorf("refused edit changed the name to %q", c.Name)
	}
	body, _ = f.post(cus(id)+"/edit", url.Values{"version": {version}, "name": {" "}, "platform_id": {"STEAM_0:0:23071901"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "name") {
		t.Error("empty name not marked at its field")
	}

	_, loc := f.post(cus(id)+"/edit", url.Values{"version": {version}, "name": {"Garry N."}, "platform_id": {"[U:1:46143802]"}}, http.StatusSeeOther)
	if loc != cus(id)+"?done=edited" {
		t.Errorf("edit redirects to %q", loc)
	}
	contains(t, "after edit", f.get(loc, http.StatusOK), "Garry N.", "Customer saved.")

	// The same form again is stale: a conflict, not an overwrite.
	body, _ = f.post(cus(id)+"/edit", url.Values{"version": {version}, "name": {"Someone else"}, "platform_id": {"76561198006409530"}}, http.StatusConflict)
	contains(t, "stale edit", body, "Someone else changed this customer since you loaded the form", `value="Someone else"`)
	if c, _ := f.pb.CustomerGet(context.Background(), id); c.Name != "Garry N." {
		t.Errorf("stale edit changed the name to %q", c.Name)
	}
	// Another customer's platform ID: a conflict too.
	body, _ = f.post(cus(id)+"/edit", url.Values{"version": {"2"}, "name": {"Garry"}, "platform_id": {f.s.Cheater.PlatformID.Value}}, http.StatusConflict)
	contains(t, "taken platform ID", body, "platform ID already belongs to a customer")
}

func TestBanLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Garry.ID
	body := f.get(cus(id)+"/ban", http.StatusOK)
	contains(t, "ban form", body, `value="customer:`+string(id)+`" checked`, `value="ip:203.0.113.7"`)

	// No reason, and a bad IP: errors at their fields, nothing stored.
	body, _ = f.post(cus(id)+"/ban", url.Values{"reason": {""}, "identity": {"customer:" + string(id)}}, http.StatusUnprocessableEntity)
	if !invalid(body, "reason") {
		t.Error("missing reason not marked")
	}
	body, _ = f.post(cus(id)+"/ban", url.Values{"reason": {"alt"}, "extra_type": {"ip"}, "extra_value": {"203.0.113.999"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "extra_value") {
		t.Error("bad IP not marked at its field")
	}
	contains(t, "refused ban", body, `value="203.0.113.999"`)
	body, _ = f.post(cus(id)+"/ban", url.Values{"reason": {"alt"}, "extra_type": {"ip"}, "extra_value": {"203.0.113.7"}, "expires_at": {"2001-01-01T00:00"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "expires_at") {
		t.Error("past expiry not marked")
	}
	if ids, _ := f.pb.CustomerBanner(ctx, id); len(ids) != 0 {
		t.Fatalf("refused bans stored %v", ids)
	}

	_, loc := f.post(cus(id)+"/ban", url.Values{
		"reason": {"Chargeback abuse"}, "identity": {"customer:" + string(id)},
		"extra_type": {"ip"}, "extra_value": {"203.0.113.7"}, "expires_at": {"2999-01-01T00:00"},
	}, http.StatusSeeOther)
	ids, err := f.pb.CustomerBanner(ctx, id)
	if err != nil || len(ids) != 1 {
		t.Fatalf("Banner after the ban = %v, %v", ids, err)
	}
	ban := string(ids[0])
	contains(t, "banner", f.get(loc, http.StatusOK), `class="banner"`, ban, "Ban created.")

	body = f.get("/admin/bans/"+ban+"/edit?customer="+string(id), http.StatusOK)
	loaded := regexp.MustCompile(`name="loaded" value="([^"]+)"`).FindStringSubmatch(body)[1]
	// Removing every identity is refused at the field.
	body, _ = f.post("/admin/bans/"+ban+"/edit", url.Values{
		"loaded": {loaded}, "reason": {"Chargeback abuse"}, "expires_at": {"2999-01-01T00:00"},
		"remove": {"customer:" + string(id), "ip:203.0.113.7"},
	}, http.StatusUnprocessableEntity)
	contains(t, "remove all", body, "a ban keeps at least one identity")
	_, loc = f.post("/admin/bans/"+ban+"/edit", url.Values{
		"loaded": {loaded}, "reason": {"Chargeback abuse, IP only"}, "expires_at": {"2999-01-01T00:00"},
		"remove": {"customer:" + string(id)}, "customer": {string(id)},
	}, http.StatusSeeOther)
	b, _ := f.pb.BanGet(ctx, bans.ID(ban))
	if len(b.Identities) != 1 || b.Identities[0].Type != bans.IP || b.Reason != "Chargeback abuse, IP only" {
		t.Errorf("edited ban = %+v", b)
	}
	contains(t, "ban page", f.get(loc, http.StatusOK), "Ban saved.", "203.0.113.7")
	// The form loaded before that edit is stale.
	body, _ = f.post("/admin/bans/"+ban+"/edit", url.Values{"loaded": {loaded}, "reason": {"other"}, "expires_at": {""}}, http.StatusConflict)
	contains(t, "stale ban edit", body, "Someone else changed this ban since you loaded the form")
	if b2, _ := f.pb.BanGet(ctx, bans.ID(ban)); b2.Reason != b.Reason {
		t.Errorf("stale edit changed the reason to %q", b2.Reason)
	}
	// Unban asks first; the question changes nothing.
	body = f.get("/admin/bans/"+ban+"/unban?customer="+string(id), http.StatusOK)
	contains(t, "unban confirmation", body, "Lift this ban?", "Yes, unban")
	if b2, _ := f.pb.BanGet(ctx, bans.ID(ban)); b2.Removed() {
		t.Fatal("GET of the unban confirmation lifted the ban")
	}
	_, loc = f.post("/admin/bans/"+ban+"/unban", url.Values{"customer": {string(id)}}, http.StatusSeeOther)
	if b2, _ := f.pb.BanGet(ctx, bans.ID(ban)); !b2.Removed() || b2.RemovedBy != "admin:test" {
		t.Errorf("after unban: %+v", b2)
	}
	lacks(t, "after unban", f.get(loc, http.StatusOK), `class="banner"`)
	f.post("/admin/bans/"+ban+"/unban", url.Values{}, http.StatusConflict)
	f.get("/admin/bans/ban_nope", http.StatusBadRequest)
}

func TestMetadataForm(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Garry.ID
	body := f.get(cus(id), http.StatusOK)
	version := regexp.MustCompile(`name="version" value="([^"]+)"`).FindStringSubmatch(body)[1]
	rows := func(kv ...string) url.Values {
		v := url.Values{"version": {version}}
		for i := 0; i < len(kv); i += 2 {
			v.Add("key", kv[i])
			v.Add("value", kv[i+1])
		}
		return v
	}
	// Add Field without a script: the form again with a blank row, nothing saved.
	body, _ = f.post(cus(id)+"/metadata", func() url.Values { v := rows("discord", "changed"); v.Set("add", "1"); return v }(), http.StatusOK)
	if strings.Count(body, `name="key"`) != 2 {
		t.Errorf("Add Field shows %d rows, want the typed one and a blank one", strings.Count(body, `name="key"`))
	}
	if m, _ := f.pb.MetadataGet(ctx, id); m["discord"] != "garry#0001" {
		t.Error("Add Field saved the form")
	}
	// A bad key: the error at its row, what was typed kept, nothing saved.
	body, _ = f.post(cus(id)+"/metadata", rows("discord", "new", "bad[key]", "v"), http.StatusUnprocessableEntity)
	contains(t, "bad key", body, `value="bad[key]"`, `value="new"`)
	if !regexp.MustCompile(`value="bad\[key\]" maxlength="40" aria-invalid="true"`).MatchString(body) {
		t.Error("bad key not marked at its row")
	}
	// An error about no row (too many keys) shows above the form.
	many := rows()
	for i := range metadata.MaxKeys + 1 {
		many.Add("key", fmt.Sprint("k", i))
		many.Add("value", "v")
	}
	body, _ = f.post(cus(id)+"/metadata", many, http.StatusUnprocessableEntity)
	contains(t, "too many keys", section(body, "metadata"), `class="error"`, fmt.Sprintf("at most %d keys", metadata.MaxKeys))
	// Clear the note row (both fields) and Update.
	_, loc := f.post(cus(id)+"/metadata", rows("discord", "garry#0001", "", "", "referrer", "youtube", "vip_tier", "gold"), http.StatusSeeOther)
	m, _ := f.pb.MetadataGet(ctx, id)
	if len(m) != 3 || m["vip_tier"] != "gold" || m["note"] != "" {
		t.Errorf("metadata after Update = %v", m)
	}
	contains(t, "after Update", f.get(loc, http.StatusOK), "Metadata saved.")
	// The form loaded before that Update is stale.
	body, _ = f.post(cus(id)+"/metadata", rows("discord", "overwrite"), http.StatusConflict)
	contains(t, "stale metadata", body, "since you loaded the form", `value="overwrite"`)
	if m2, _ := f.pb.MetadataGet(ctx, id); m2["discord"] != "garry#0001" {
		t.Error("stale metadata form overwrote")
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Garry.ID
	path := cus(id) + "/tokens"
	f.get(path, http.StatusOK)
	body, _ := f.post(path, url.Values{"label": {"launcher"}, "expires_at": {"yesterday"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "expires_at") {
		t.Error("bad expiry not marked")
	}
	body, _ = f.post(path, url.Values{"label": {"launcher"}}, http.StatusOK)
	secret := regexp.MustCompile(`id="secret" class="mono" readonly value="([^"]+)"`).FindStringSubmatch(body)
	if secret == nil {
		t.Fatalf("issued token's secret not shown:\n%s", body)
	}
	who, err := f.pb.TokenAuthenticate(ctx, html.UnescapeString(secret[1]))
	if err != nil || who != id {
		t.Fatalf("shown secret authenticates %v, %v", who, err)
	}
	f.post(path, url.Values{"label": {"second"}}, http.StatusOK)
	again := f.get(path, http.StatusOK)
	lacks(t, "tokens on reload", again, secret[1], `id="secret"`)
	contains(t, "tokens on reload", again, "launcher", "second", "live")

	toks, _ := f.pb.TokenList(ctx, id)
	// A token of another customer is not this page's to revoke.
	f.post(cus(f.s.Notch.ID)+"/tokens/"+string(toks[0].ID)+"/revoke", url.Values{}, http.StatusNotFound)
	f.post(path+"/"+string(toks[0].ID)+"/revoke", url.Values{}, http.StatusSeeOther)
	if _, err := f.pb.TokenAuthenticate(ctx, "x"); err == nil {
		t.Fatal("nonsense authenticates")
	}
	contains(t, "revoke-all confirmation", f.get(path+"/revoke-all", http.StatusOK), "Revoke all 1 live tokens?")
	f.post(path+"/revoke-all", url.Values{}, http.StatusSeeOther)
	if _, err := f.pb.TokenAuthenticate(ctx, html.UnescapeString(secret[1])); err == nil {
		t.Error("secret still authenticates after revoke all")
	}
	lacks(t, "tokens after revoke all", f.get(path, http.StatusOK), `<span class="badge live">`)
}

func TestItemActions(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	item := "/admin/items/" + string(f.s.ActiveVIP.ID)
	body := f.get(item, http.StatusOK)
	contains(t, "command view", body, "rust-eu-1", "oxide.usergroup add 76561198006409530 vip", "failed", "Unknown group &#39;vip&#39;", "Resend")

	body, _ = f.post(item+"/discord", url.Values{"discord_id": {"12345"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "discord_id") {
		t.Error("bad Discord ID not marked")
	}
	f.post(item+"/discord", url.Values{"discord_id": {"80351110224678912"}}, http.StatusSeeOther)
	if it, _ := f.pb.ItemGet(ctx, f.s.ActiveVIP.ID); it.DiscordUserID != "80351110224678912" {
		t.Errorf("Discord link = %q", it.DiscordUserID)
	}
	f.post(item+"/discord", url.Values{"discord_id": {"80351110224678912"}, "clear": {"1"}}, http.StatusSeeOther)
	if it, _ := f.pb.ItemGet(ctx, f.s.ActiveVIP.ID); it.DiscordUserID != "" {
		t.Errorf("Discord link after clear = %q", it.DiscordUserID)
	}

	// Resend the failed command, then cancel the new one; a second
	// cancel is a conflict.
	_, loc := f.post("/admin/commands/"+string(f.s.FailedCommand)+"/resend", url.Values{"item": {string(f.s.ActiveVIP.ID)}}, http.StatusSeeOther)
	contains(t, "after resend", f.get(loc, http.StatusOK), "Command queued again.", "pending")
	cmds, _ := f.pb.CommandList(ctx, f.s.ActiveVIP.ID)
	fresh := cmds[len(cmds)-1]
	if fresh.Status != inventory.Pending || fresh.ResendOf != f.s.FailedCommand {
		t.Fatalf("resent command = %+v", fresh)
	}
	f.post("/admin/commands/"+string(fresh.ID)+"/cancel", url.Values{"item": {string(f.s.ActiveVIP.ID)}}, http.StatusSeeOther)
	body, _ = f.post("/admin/commands/"+string(fresh.ID)+"/cancel", url.Values{"item": {string(f.s.ActiveVIP.ID)}}, http.StatusConflict)
	contains(t, "second cancel", body, `class="error"`)

	// Revoke asks first, then revokes; an expired item is refused.
	contains(t, "revoke confirmation", f.get(item+"/revoke", http.StatusOK), "Yes, revoke")
	if it, _ := f.pb.ItemGet(ctx, f.s.ActiveVIP.ID); it.State != inventory.Active {
		t.Fatal("GET of the revoke confirmation revoked")
	}
	_, loc = f.post(item+"/revoke", url.Values{"reason": {"chargeback on PayPal"}}, http.StatusSeeOther)
	if it, _ := f.pb.ItemGet(ctx, f.s.ActiveVIP.ID); it.State != inventory.Revoked || it.RevokedBy != "admin:test" {
		t.Errorf("after revoke: %+v", it)
	}
	contains(t, "after revoke", f.get(loc, http.StatusOK), "Item revoked.")
	body, _ = f.post("/admin/items/"+string(f.s.ExpiredKit.ID)+"/revoke", url.Values{}, http.StatusConflict)
	contains(t, "revoke expired", body, "the item has expired")
	body, _ = f.post("/admin/items/"+string(f.s.Badge0.ID)+"/revoke", url.Values{}, http.StatusForbidden)
	contains(t, "revoke permanent", body, "never expires")
}

func TestAssign(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Notch.ID
	contains(t, "assign form", f.get(cus(id)+"/assign", http.StatusOK), "VIP (30 days)", "Founder badge")
	body, _ := f.post(cus(id)+"/assign", url.Values{"product": {string(f.s.Badge.ID)}, "discord_id": {"0123"}}, http.StatusUnprocessableEntity)
	if !invalid(body, "discord_id") {
		t.Error("bad Discord ID not marked")
	}
	f.post(cus(id)+"/assign", url.Values{"product": {"prd_nope"}}, http.StatusUnprocessableEntity)
	if page, _ := f.pb.ItemList(ctx, id, playerbase.ItemListParams{}); len(page.Items) != 0 {
		t.Fatalf("refused assignments stored %v", page.Items)
	}
	f.post(cus(id)+"/assign", url.Values{"product": {string(f.s.Badge.ID)}, "discord_id": {"80351110224678912"}}, http.StatusSeeOther)
	page, _ := f.pb.ItemList(ctx, id, playerbase.ItemListParams{})
	if len(page.Items) != 1 || page.Items[0].Source.Actor != "admin:test" || page.Items[0].DiscordUserID != "80351110224678912" {
		t.Errorf("assigned = %+v", page.Items)
	}
}

func TestOrderActions(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	o := "/admin/orders/" + string(f.s.Completed.ID)
	body := f.get(o, http.StatusOK)
	contains(t, "order page", body, "VIP (30 days)", "10.00 EUR", "0.59 EUR", "Refund", "Record chargeback", string(f.s.Completed.Granted[0]))
	contains(t, "refunded order", f.get("/admin/orders/"+string(f.s.Refunded.ID), http.StatusOK), "pi_demo_refund", "refunded")
	lacks(t, "refunded order", f.get("/admin/orders/"+string(f.s.Refunded.ID), http.StatusOK), "Record chargeback")

	for _, bad := range []string{"ten", "0.001", "-1"} {
		body, _ = f.post(o+"/refund", url.Values{"amount": {bad}}, http.StatusUnprocessableEntity)
		if !invalid(body, "amount") {
			t.Errorf("refund of %q not marked at the field", bad)
		}
		contains(t, "refused refund", body, `value="`+bad+`"`)
	}
	body, _ = f.post(o+"/refund", url.Values{"amount": {"99.00"}}, http.StatusUnprocessableEntity)
	contains(t, "over-refund", body, `class="field-error"`)
	f.post(o+"/refund", url.Values{"amount": {"2.50"}}, http.StatusSeeOther)
	got, _ := f.pb.OrderGet(ctx, f.s.Completed.ID)
	if got.Status != orders.Completed || got.Refunded.String() != "2.50 EUR" {
		t.Errorf("after a partial refund: %s refunded %s", got.Status, got.Refunded)
	}
	f.post(o+"/chargeback", url.Values{"dispute_fee": {"15.00"}}, http.StatusSeeOther)
	if got, _ = f.pb.OrderGet(ctx, f.s.Completed.ID); got.Status != orders.Chargeback {
		t.Errorf("after chargeback: %s", got.Status)
	}
	body, _ = f.post(o+"/refund", url.Values{"amount": {"1.00"}}, http.StatusConflict)
	contains(t, "refund of a charged-back order", body, "cannot refund a chargeback order")
}

func TestSubscriptionActions(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	p := "/admin/subscriptions/" + string(f.s.ActiveSub.ID)
	contains(t, "subscription page", f.get(p, http.StatusOK), "Legend rank (monthly)", "Cancel now", "Cancel at period end")
	f.post(p+"/cancel", url.Values{"at_period_end": {"true"}}, http.StatusSeeOther)
	s, _ := f.pb.SubscriptionGet(ctx, f.s.ActiveSub.ID)
	if s.Status != subscriptions.Active || !s.CancelAtPeriodEnd {
		t.Errorf("after cancel at period end: %s, at end %v", s.Status, s.CancelAtPeriodEnd)
	}
	f.post(p+"/cancel", url.Values{"at_period_end": {"false"}}, http.StatusSeeOther)
	if s, _ = f.pb.SubscriptionGet(ctx, f.s.ActiveSub.ID); s.Status != subscriptions.Canceled {
		t.Errorf("after cancel now: %s", s.Status)
	}
	body, _ := f.post(p+"/cancel", url.Values{"at_period_end": {"false"}}, http.StatusConflict)
	contains(t, "second cancel", body, `class="error"`)
}

func TestSecurity(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.s.Garry.ID
	resp, err := f.http.Get(f.srv.URL + cus(id))
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	f.get(cus(id), http.StatusOK)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %q", csp, d)
		}
	}
	// No state change on GET: an action's URL does not answer GET.
	f.get("/admin/orders/"+string(f.s.Completed.ID)+"/refund?amount=1", http.StatusNotFound)
	f.get("/admin/commands/"+string(f.s.FailedCommand)+"/resend", http.StatusNotFound)

	edit := url.Values{"version": {"1"}, "name": {"Pwned"}, "platform_id": {"76561198006409530"}}
	// A cross-site post is refused, token or not.
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://evil.example"},
	} {
		form := url.Values{"csrf": {f.token}}
		for k, v := range edit {
			form[k] = v
		}
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+cus(id)+"/edit", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := f.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		f.read(resp, "cross-site post", http.StatusForbidden)
	}
	// A browser that sends neither header needs the token.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+cus(id)+"/edit", strings.NewReader(edit.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "post without token", f.read(resp, "post without token", http.StatusForbidden), "Cross-site request refused")
	// Another token of the right length is refused too.
	other := "A"
	if f.token[0] == 'A' {
		other = "B"
	}
	f.post(cus(id)+"/edit", url.Values{"csrf": {other + f.token[1:]}, "version": {"1"}, "name": {"Pwned"}, "platform_id": {"76561198006409530"}}, http.StatusForbidden)
	if c, _ := f.pb.CustomerGet(ctx, id); c.Name != "Garry" {
		t.Fatalf("a refused post renamed the customer to %q", c.Name)
	}
}

func TestReadOnly(t *testing.T) {
	f := newFixture(t, &admin.Options{ReadOnly: true})
	body := f.get(cus(f.s.Garry.ID), http.StatusOK)
	lacks(t, "read-only page", body, "Edit Customer", "Assign Product", `/revoke"`, `type="submit" class="primary">Update`)
	contains(t, "read-only page", body, "read-only", "Garry")
	f.post(cus(f.s.Garry.ID)+"/edit", url.Values{"version": {"1"}, "name": {"X"}, "platform_id": {"76561198006409530"}}, http.StatusForbidden)
}

// Without a staff member signed in, a request may look but not change.
func TestNoActor(t *testing.T) {
	f := newFixture(t, &admin.Options{Actor: func(*http.Request) string { return "" }})
	f.get(cus(f.s.Garry.ID), http.StatusOK)
	body, _ := f.post(cus(f.s.Garry.ID)+"/edit", url.Values{"version": {"1"}, "name": {"X"}, "platform_id": {"76561198006409530"}}, http.StatusForbidden)
	contains(t, "no actor", body, "no staff member")
}

func TestStaticAndPrefix(t *testing.T) {
	f := newFixture(t, nil)
	f.get("/admin/static/admin.css", http.StatusOK)
	f.get("/admin/static/admin.js", http.StatusOK)
	f.get("/admin/nowhere", http.StatusNotFound)
}
