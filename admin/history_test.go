package admin_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
)

// historyRow is one row of the History tab, as text.
type historyRow struct {
	actor, what, subject, link, changes string
}

var (
	rowActor   = regexp.MustCompile(`class="actor"><code>([^<]*)</code>`)
	rowWhat    = regexp.MustCompile(`class="what">([^<]*)</span>`)
	rowSubject = regexp.MustCompile(`<code class="ref">([^<]*)</code>`)
	rowLink    = regexp.MustCompile(`<a href="([^"]*)"><code class="ref">`)
	rowChanges = regexp.MustCompile(`(?s)<ul class="changes">(.*?)</ul>`)
	anyTag     = regexp.MustCompile(`<[^>]+>`)
)

// historyRows reads the History tab's rows, newest first.
func historyRows(body string) []historyRow {
	parts := strings.Split(body, `<tr class="event"`)[1:]
	rows := make([]historyRow, len(parts))
	for i, p := range parts {
		p, _, _ = strings.Cut(p, "</tr>")
		get := func(re *regexp.Regexp) string {
			if m := re.FindStringSubmatch(p); m != nil {
				return html.UnescapeString(m[1])
			}
			return ""
		}
		rows[i] = historyRow{actor: get(rowActor), what: get(rowWhat), subject: get(rowSubject), link: get(rowLink)}
		if m := rowChanges.FindStringSubmatch(p); m != nil {
			rows[i].changes = html.UnescapeString(anyTag.ReplaceAllString(strings.ReplaceAll(m[1], "</li>", "\n"), ""))
		}
	}
	return rows
}

// A staff member edits a customer and bans them through the page's forms;
// the History tab lists every change the library recorded for them,
// newest first, each by that staff member, in words, with a link to the
// ban.
func TestHistoryTab(t *testing.T) {
	f := newFixture(t, &admin.Options{Actor: func(*http.Request) string { return "admin:alice" }})
	ctx := context.Background()
	c, _, err := f.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198000000123", Name: "Gordon"})
	if err != nil {
		t.Fatal(err)
	}
	start, err := f.pb.EventLast(ctx)
	if err != nil {
		t.Fatal(err)
	}
	form := f.get(cus(c.ID)+"/edit", http.StatusOK)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(form)[1]
	f.post(cus(c.ID)+"/edit", url.Values{"version": {version}, "name": {"Gordon F."}, "platform_id": {"76561198000000123"}}, http.StatusSeeOther)
	f.get(cus(c.ID)+"/ban", http.StatusOK)
	f.post(cus(c.ID)+"/ban", url.Values{
		"reason": {"<script>alert(1)</script>"}, "identity": {"customer:" + string(c.ID)}, "expires_at": {"2999-01-01T00:00"},
	}, http.StatusSeeOther)
	ban, err := f.pb.CustomerBanner(ctx, c.ID)
	if err != nil || len(ban) != 1 {
		t.Fatalf("banner after the ban = %v, %v", ban, err)
	}

	feed, err := f.pb.CustomerHistory(ctx, c.ID, playerbase.CustomerHistoryParams{})
	if err != nil {
		t.Fatal(err)
	}
	body := f.get(cus(c.ID)+"/history", http.StatusOK)
	contains(t, "history", body, `aria-current="page">History</a>`)
	lacks(t, "history", body, "<script>alert(1)")
	rows := historyRows(body)
	if len(rows) != len(feed.Events) {
		t.Fatalf("the tab shows %d rows, the feed has %d events", len(rows), len(feed.Events))
	}
	byPage := map[events.Type]historyRow{}
	for i, e := range feed.Events {
		row := rows[i]
		if e.Seq > start && e.Actor != "admin:alice" {
			t.Errorf("%s made through the page by %q, want admin:alice", e.Type, e.Actor)
		}
		if row.actor != e.Actor || row.subject != e.Subject || row.what == "" || row.what == string(e.Type) {
			t.Errorf("row %d = %+v, want %s by %s on %s, in words", i, row, e.Type, e.Actor, e.Subject)
		}
		if e.Seq > start {
			byPage[e.Type] = row
		}
	}
	b, ok := byPage[events.BanCreated]
	if !ok {
		t.Fatalf("no ban.created made through the page in %v", feed.Events)
	}
	if b.what != "Ban created" || b.actor != "admin:alice" || b.link != "/admin/bans/"+string(ban[0])+"?customer="+string(c.ID) {
		t.Errorf("the ban's row = %+v", b)
	}
	if !strings.Contains(b.changes, "reason: <script>alert(1)</script>\n") || !strings.Contains(b.changes, "created_by: admin:alice\n") {
		t.Errorf("the ban's changes read\n%s", b.changes)
	}
	if e, ok := byPage[events.CustomerUpdated]; !ok || e.what != "Customer edited" || e.actor != "admin:alice" || !strings.Contains(e.changes, "name: Gordon → Gordon F.\n") {
		t.Errorf("the edit's row = %+v (in the feed: %v)", e, ok)
	}
	f.get(cus(c.ID)+"/history?before=x", http.StatusBadRequest)
	f.get("/admin/customers/"+string(customer.NewID(c.FirstSeen))+"/history", http.StatusNotFound)
}

// The History tab pages with a plain "Older" link; no event shows twice
// or goes missing.
func TestHistoryPages(t *testing.T) {
	f := newFixture(t, nil)
	ctx := playerbase.WithActor(context.Background(), "admin:bob")
	c, _, err := f.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198000000124", Name: "Alyx"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "r0", Identities: []bans.Identity{{Type: bans.Customer, Value: string(c.ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		reason := "r" + string(rune('a'+i%26)) + strings.Repeat("!", i/26)
		if _, err := f.pb.BanUpdate(ctx, b.ID, playerbase.BanUpdateParams{Reason: &reason}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := f.pb.CustomerHistory(ctx, c.ID, playerbase.CustomerHistoryParams{Limit: playerbase.MaxEventPage})
	if err != nil {
		t.Fatal(err)
	}
	older := regexp.MustCompile(`href="([^"]*)">Older`)
	var seen []string
	path := cus(c.ID) + "/history"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("more pages than events")
		}
		body := f.get(path, http.StatusOK)
		if pages > 0 {
			contains(t, path, body, "← Newest")
		}
		for _, r := range historyRows(body) {
			seen = append(seen, r.what+" "+r.changes)
		}
		path = ""
		if m := older.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if len(seen) != len(all.Events) {
		t.Fatalf("paged through %d rows, the history has %d events", len(seen), len(all.Events))
	}
	for i, e := range all.Events {
		if want := "Ban edited"; e.Type == events.BanUpdated && !strings.HasPrefix(seen[i], want) {
			t.Errorf("row %d = %q, want %s", i, seen[i], want)
		}
	}
	if !strings.HasPrefix(seen[0], "Ban edited reason: rc! → rd!\n") {
		t.Errorf("newest row = %q", seen[0])
	}
}
