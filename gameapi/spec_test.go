package gameapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
)

// The requests below are written from PayNow's game-server spec (schemas
// GetQueuedCommandsWithOnlinePlayersRequestDto, MarkQueuedCommandAsExecutedDto,
// LinkGameServerRequestDto, ReportGameServerEventsEntryDto) and the answers
// checked against its response schemas (QueuedCommandDto,
// LinkGameServerResponseDto, PayNowError) and status codes.

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func wantStatus(t *testing.T, resp *http.Response, body []byte, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}

func TestSpecExamples(t *testing.T) {
	f := newFixture(t, &gameapi.Options{StoreID: 411486491630370816, LatestPluginVersion: "1.0.0"})
	s, token := f.server("rust-eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "give {steam_id} kit"))
	ctx := context.Background()
	online, err := f.pb.ProductCreate(ctx, inventory.Product{Name: "Online kit", Prices: []money.Amount{money.MustParse("1.00", "EUR")},
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "say {name} is online", OnlineOnly: true}}})
	if err != nil {
		t.Fatal(err)
	}
	f.buy(garry, online)

	t.Run("link", func(t *testing.T) {
		resp, b := f.do("POST", "/v1/delivery/gameserver/link", token,
			`{"ip":"203.0.113.7","hostname":"Rust EU 1","platform":"rust","version":"1.0.0"}`)
		wantStatus(t, resp, b, 200)
		got := decode[map[string]any](t, b)
		gs, _ := got["gameserver"].(map[string]any)
		if gs["id"] != s.ID.Flake() || gs["playerbase_id"] != string(s.ID) || gs["store_id"] != "411486491630370816" || gs["name"] != "rust-eu-1" || gs["enabled"] != true {
			t.Errorf("gameserver = %v", gs)
		}
		if got["update_avaliable"] != false || got["latest_version"] != "1.0.0" {
			t.Errorf("update_avaliable %v, latest_version %v; want false, 1.0.0", got["update_avaliable"], got["latest_version"])
		}
		if _, ok := got["previously_linked"]; ok {
			t.Errorf("previously_linked on the first link: %v", got["previously_linked"])
		}
	})

	t.Run("GET command-queue leaves online-only commands", func(t *testing.T) {
		resp, b := f.do("GET", "/v1/delivery/command-queue", token, "")
		wantStatus(t, resp, b, 200)
		got := decode[[]map[string]any](t, b)
		if len(got) != 1 || got[0]["command"] != "give "+garry.PlatformID.Value+" kit" || got[0]["online_only"] != false ||
			got[0]["steam_id"] != garry.PlatformID.Value {
			t.Fatalf("queue = %s", b)
		}
		if _, err := time.Parse(time.RFC3339, got[0]["queued_at"].(string)); err != nil {
			t.Errorf("queued_at: %v", err)
		}
		// Leased: a second read within the lease gets nothing.
		resp, b = f.do("GET", "/v1/delivery/command-queue", token, "")
		wantStatus(t, resp, b, 200)
		if string(b) != "[]\n" {
			t.Errorf("second read = %s, want []", b)
		}
		// DELETE /v1/delivery/command-queue/{attemptId} → 204.
		resp, b = f.do("DELETE", "/v1/delivery/command-queue/"+got[0]["attempt_id"].(string), token, "")
		wantStatus(t, resp, b, 204)
	})

	t.Run("POST command-queue with online players", func(t *testing.T) {
		// steam_ids as a number, as SteamId "accepts string or numeric format".
		resp, b := f.do("POST", "/v1/delivery/command-queue", token,
			`{"steam_ids":[`+garry.PlatformID.Value+`],"minecraft_uuids":null,"customer_names":["Garry"]}`)
		wantStatus(t, resp, b, 200)
		got := decode[[]map[string]any](t, b)
		if len(got) != 1 || got[0]["online_only"] != true || got[0]["command"] != "say Garry is online" || got[0]["customer_name"] != "Garry" {
			t.Fatalf("queue = %s", b)
		}
		// The bulk DELETE, with an unknown ID beside it: 204, the known one recorded.
		resp, b = f.do("DELETE", "/v1/delivery/command-queue", token,
			`[{"attempt_id":"411486491630370816"},{"attempt_id":"`+got[0]["attempt_id"].(string)+`"}]`)
		wantStatus(t, resp, b, 204)
		for _, c := range f.commands(garry) {
			if c.Status != inventory.Executed {
				t.Errorf("%q is %s, want executed", c.Command, c.Status)
			}
		}
	})

	t.Run("acknowledge via POST", func(t *testing.T) {
		f.buy(garry, f.product("rust-eu-1", "give {steam_id} more"))
		_, b := f.do("GET", "/v1/delivery/command-queue", token, "")
		got := decode[[]map[string]any](t, b)
		resp, b := f.do("POST", "/v1/delivery/command-queue/acknowledge", token, `[{"attempt_id":"`+got[0]["attempt_id"].(string)+`"}]`)
		wantStatus(t, resp, b, 204)
		cmd := f.byCommand(garry, "give "+garry.PlatformID.Value+" more")
		if cmd.Status != inventory.Executed {
			t.Errorf("status %s, want executed", cmd.Status)
		}
	})

	t.Run("events", func(t *testing.T) {
		resp, b := f.do("POST", "/v1/delivery/events", token,
			`[{"event":"player_join","timestamp":"2026-11-25T18:00:00Z","player_join":{"ip_address":"198.51.100.23","steam_id":"`+garry.PlatformID.Value+`","minecraft_uuid":null,"minecraft_name":null}},
			  {"event":"invalid","timestamp":"2026-11-25T18:00:00Z"}]`)
		wantStatus(t, resp, b, 204)
		c, err := f.pb.CustomerGet(ctx, garry.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(c.KnownIPs, func(a netip.Addr) bool { return a.String() == "198.51.100.23" }) {
			t.Errorf("KnownIPs = %v, want the join IP", c.KnownIPs)
		}
	})

	t.Run("PayNowError", func(t *testing.T) {
		resp, b := f.do("POST", "/v1/delivery/command-queue", token, `{"steam_ids":"76561198006409530"}`)
		wantStatus(t, resp, b, 400)
		e := decode[map[string]any](t, b)
		errs, _ := e["errors"].([]any)
		if e["status"] != 400.0 || e["code"] != "bad-request" || e["message"] == "" || len(errs) != 1 {
			t.Fatalf("error body = %s", b)
		}
		if p := errs[0].(map[string]any)["path"]; p != "$.steam_ids" {
			t.Errorf("path = %v, want $.steam_ids", p)
		}
		if e["trace_id"] != resp.Header.Get("X-Request-Id") {
			t.Errorf("trace_id %v, X-Request-Id %q", e["trace_id"], resp.Header.Get("X-Request-Id"))
		}
	})
}

func (f *fixture) byCommand(c customer.Customer, text string) inventory.Command {
	f.t.Helper()
	for _, cmd := range f.commands(c) {
		if cmd.Command == text {
			return cmd
		}
	}
	f.t.Fatalf("no command %q", text)
	return inventory.Command{}
}

// What PayNow's Java plugin (paynow-gg/minecraft-plugin, PayNowLib) sends,
// byte for byte where it differs from the spec.
func TestJavaPluginCompatibility(t *testing.T) {
	f := newFixture(t, &gameapi.Options{LatestPluginVersion: "0.1.0"})
	_, token := f.server("survival")
	ctx := context.Background()
	notch, _, err := f.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: "069a79f4-44e9-4726-a5be-fca90e38aaf5", Name: "Notch"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.pb.ProductCreate(ctx, inventory.Product{Name: "VIP", Prices: []money.Amount{money.MustParse("1.00", "EUR")},
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "survival", Template: "lp user {uuid} parent add vip", OnlineOnly: true}}})
	if err != nil {
		t.Fatal(err)
	}
	f.buy(notch, p)

	// Link: Gson leaves out a null ip; hostname is the MOTD or "". The
	// plugin reads update_available (the spec spells update_avaliable).
	resp, b := f.do("POST", "/v1/delivery/gameserver/link", token, `{"hostname":"","platform":"Minecraft","version":"unknown"}`)
	wantStatus(t, resp, b, 200)
	if got := decode[map[string]any](t, b); got["update_available"] != true || got["update_avaliable"] != true {
		t.Errorf("link = %s, want update_available and update_avaliable true", b)
	}

	// The queue URL with a trailing slash; the body StringEntity encodes in
	// ISO-8859-1 ("José" is 4 bytes, é = 0xE9) under "application/json";
	// the plugin treats anything but 200 as a failure.
	latin1 := []byte(`{"customer_names":["Jos` + "\xe9" + `"],"minecraft_uuids":["069a79f4-44e9-4726-a5be-fca90e38aaf5"]}`)
	resp, b = f.doBytes("POST", "/v1/delivery/command-queue/", token, "application/json", latin1)
	wantStatus(t, resp, b, 200)
	got := decode[[]map[string]any](t, b)
	if len(got) != 1 || got[0]["minecraft_uuid"] != "069a79f4-44e9-4726-a5be-fca90e38aaf5" || got[0]["command"] != "lp user 069a79f4-44e9-4726-a5be-fca90e38aaf5 parent add vip" {
		t.Fatalf("queue = %s", b)
	}

	// Acks: DELETE with a body, to the trailing-slash URL.
	resp, b = f.do("DELETE", "/v1/delivery/command-queue/", token, `[{"attempt_id":"`+got[0]["attempt_id"].(string)+`"}]`)
	wantStatus(t, resp, b, 204)
	if c := f.commands(notch); c[0].Status != inventory.Executed {
		t.Errorf("status %s, want executed", c[0].Status)
	}

	// Events: player_join carries ip_address and minecraft_uuid only, the
	// timestamp as yyyy-MM-dd'T'HH:mm:ss'Z'.
	resp, b = f.do("POST", "/v1/delivery/events", token,
		`[{"event":"player_join","timestamp":"2026-11-25T18:00:00Z","player_join":{"ip_address":"203.0.113.50","minecraft_uuid":"069a79f4-44e9-4726-a5be-fca90e38aaf5"}}]`)
	wantStatus(t, resp, b, 204)
	c, _ := f.pb.CustomerGet(ctx, notch.ID)
	if len(c.KnownIPs) != 1 || c.KnownIPs[0].String() != "203.0.113.50" {
		t.Errorf("KnownIPs = %v", c.KnownIPs)
	}
	if strings.Contains(f.logs.String(), token) {
		t.Error("the token appears in the logs")
	}
}

// What PayNow's Rust plugin (paynow-gg/rust-plugin, PayNow.cs) sends and
// reads: hand-built JSON bodies, the link's ip as address:port, and
// gameserver.id and store_id read into 64-bit integers (Newtonsoft refuses
// anything else, and the plugin then never starts polling).
func TestRustPluginCompatibility(t *testing.T) {
	f := newFixture(t, &gameapi.Options{StoreID: 42})
	s, token := f.server("rust-eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("rust-eu-1", "inventory.giveto {steam_id} kit.starter"))

	resp, b := f.do("POST", "/v1/delivery/gameserver/link", token,
		`{"ip":"203.0.113.7:28015","hostname":"Rust EU 1","platform":"rust","version":"0.0.18"}`)
	wantStatus(t, resp, b, 200)
	var link struct {
		UpdateAvailable bool `json:"update_available"`
		GameServer      struct {
			ID      int64 `json:"id,string"`
			StoreID int64 `json:"store_id,string"`
			Name    string
		} `json:"gameserver"`
	}
	if err := json.Unmarshal(b, &link); err != nil {
		t.Fatalf("gameserver.id and store_id do not read as 64-bit integers: %v (%s)", err, b)
	}
	if link.GameServer.StoreID != 42 || link.GameServer.ID <= 0 || strconv.FormatInt(link.GameServer.ID, 10) != s.ID.Flake() {
		t.Errorf("link = %+v", link)
	}
	if got, _ := f.pb.GameServerGet(context.Background(), s.ID); got.LastLink.IP != "203.0.113.7:28015" {
		t.Errorf("stored link IP %q", got.LastLink.IP)
	}

	resp, b = f.do("POST", "/v1/delivery/command-queue/", token, `{"steam_ids":["`+garry.PlatformID.Value+`"]}`)
	wantStatus(t, resp, b, 200)
	got := decode[[]map[string]any](t, b)
	if len(got) != 1 || got[0]["steam_id"] != garry.PlatformID.Value {
		t.Fatalf("queue = %s", b)
	}
	resp, b = f.do("DELETE", "/v1/delivery/command-queue/", token, `[{"attempt_id": "`+got[0]["attempt_id"].(string)+`"}]`)
	wantStatus(t, resp, b, 204)
	if c := f.commands(garry)[0]; c.Status != inventory.Executed {
		t.Errorf("status %s, want executed", c.Status)
	}
	// An empty online list, as the plugin builds it with nobody online.
	resp, b = f.do("POST", "/v1/delivery/command-queue/", token, `{"steam_ids":[]}`)
	wantStatus(t, resp, b, 200)

	// Events: steam_id only, the timestamp in .NET's "o" format.
	resp, b = f.do("POST", "/v1/delivery/events", token,
		`[{"event":"player_join","player_join":{"ip_address":"203.0.113.8","steam_id":"`+garry.PlatformID.Value+`"},"timestamp":"2026-11-25T18:00:00.1234567Z"}]`)
	wantStatus(t, resp, b, 204)
	if c, _ := f.pb.CustomerGet(context.Background(), garry.ID); len(c.KnownIPs) != 1 || c.KnownIPs[0].String() != "203.0.113.8" {
		t.Errorf("KnownIPs = %v", c.KnownIPs)
	}
}
