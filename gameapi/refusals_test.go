package gameapi_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
)

func TestAuthentication(t *testing.T) {
	f := newFixture(t, nil)
	s, token := f.server("eu-1")
	ctx := context.Background()
	path := "/v1/delivery/command-queue"
	for name, header := range map[string]string{
		"missing":      "",
		"other scheme": "Bearer " + token,
		"malformed":    "Gameserver nonsense",
		"unknown":      "Gameserver " + string(s.ID) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		req, b := f.raw("GET", path, header, "")
		if req.StatusCode != 401 || !strings.Contains(string(b), `"code":"unauthorized"`) {
			t.Errorf("%s token: %d %s, want 401", name, req.StatusCode, b)
		}
	}
	if resp, b := f.raw("GET", path, "gameserver "+token, ""); resp.StatusCode != 200 {
		t.Errorf("the scheme is case-insensitive: %d %s", resp.StatusCode, b)
	}

	// Disabled: the token is valid, the server refused.
	if _, err := f.pb.GameServerSetEnabled(ctx, s.ID, false); err != nil {
		t.Fatal(err)
	}
	if resp, b := f.do("GET", path, token, ""); resp.StatusCode != 403 {
		t.Errorf("disabled server: %d %s, want 403", resp.StatusCode, b)
	}
	if _, err := f.pb.GameServerSetEnabled(ctx, s.ID, true); err != nil {
		t.Fatal(err)
	}

	// Rotated: the old secret stops at once, the new one works.
	_, rotated, err := f.pb.GameServerRotateToken(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do("GET", path, token, ""); resp.StatusCode != 401 {
		t.Errorf("old token after rotation: %d, want 401", resp.StatusCode)
	}
	if resp, _ := f.do("GET", path, rotated, ""); resp.StatusCode != 200 {
		t.Errorf("rotated token: %d, want 200", resp.StatusCode)
	}
	// Revoked: refused.
	if _, err := f.pb.GameServerRevokeToken(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := f.do("GET", path, rotated, ""); resp.StatusCode != 401 {
		t.Errorf("revoked token: %d, want 401", resp.StatusCode)
	}
	if strings.Contains(f.logs.String(), token) || strings.Contains(f.logs.String(), rotated) {
		t.Error("a token appears in the logs")
	}
	if !strings.Contains(f.logs.String(), "request_id=") {
		t.Error("no request IDs in the logs")
	}
}

// raw sends a request with an Authorization header as given.
func (f *fixture) raw(method, path, authorization, body string) (resp *httpResponse, b []byte) {
	f.t.Helper()
	return f.doHeader(method, path, authorization, body)
}

// Refused bodies: 413 over the limit, 400 for malformed JSON or a wrong
// type, naming the path; and a refused request changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, &gameapi.Options{MaxBodyBytes: 512})
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "give {steam_id} kit"))
	_, b := f.do("GET", "/v1/delivery/command-queue", token, "")
	key := decode[[]map[string]any](t, b)[0]["attempt_id"].(string)

	big := `[{"attempt_id":"` + key + `"}` + strings.Repeat(`,{"attempt_id":"x"}`, 40) + `]`
	for _, c := range []struct {
		method, path, body string
		status             int
		errPath            string
	}{
		{"DELETE", "/v1/delivery/command-queue", big, 413, ""},
		{"DELETE", "/v1/delivery/command-queue", `[{"attempt_id":"` + key + `"}`, 400, "$"},
		{"DELETE", "/v1/delivery/command-queue", `{"attempt_id":"` + key + `"}`, 400, "$"},
		{"POST", "/v1/delivery/command-queue/acknowledge", `[{"attempt_id":true}]`, 400, "$.attempt_id"},
		{"POST", "/v1/delivery/command-queue", `{"minecraft_uuids":[1.5]}`, 400, "$.minecraft_uuids"},
		{"POST", "/v1/delivery/command-queue/fail", `[{"attempt_id":"` + key + `","error":""}]`, 400, "$[0].error"},
		{"POST", "/v1/delivery/command-queue", `{"executed":[{"attempt_id":"` + key + `"}],"failed":[{"attempt_id":"x","error":" "}]}`, 400, "$.failed[0].error"},
		{"POST", "/v1/delivery/command-queue", `{"executed":{"attempt_id":"` + key + `"}}`, 400, "$.executed"},
		{"POST", "/v1/delivery/events", `[{"event":"player_join","player_join":{"ip_address":"203.0.113.9"}},{"event":"player_join","player_join":{"ip_address":"not an ip"}}]`, 400, "$[1].player_join.ip_address"},
		{"POST", "/v1/delivery/ban-check", `{}`, 400, "$"},
	} {
		resp, b := f.do(c.method, c.path, token, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s %.40s: %d %s, want %d", c.method, c.path, c.body, resp.StatusCode, b, c.status)
			continue
		}
		e := decode[map[string]any](t, b)
		if c.errPath != "" {
			errs, _ := e["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["path"] != c.errPath {
				t.Errorf("%s %.40s: errors %v, want path %s", c.path, c.body, e["errors"], c.errPath)
			}
		}
	}
	cmd := f.commands(garry)[0]
	if cmd.Status != inventory.Leased {
		t.Errorf("after refused acks the command is %s, want still leased", cmd.Status)
	}
	if c, _ := f.pb.CustomerGet(context.Background(), garry.ID); len(c.KnownIPs) != 0 {
		t.Errorf("a refused events batch recorded %v", c.KnownIPs)
	}
}

// Acks: unknown, malformed and foreign IDs change nothing and do not fail
// the others.
func TestAckIgnoresForeignAndUnknownIDs(t *testing.T) {
	f := newFixture(t, nil)
	_, eu := f.server("eu-1")
	_, us := f.server("us-1")
	garry := f.customer("Garry")
	f.buy(garry, f.product("eu-1", "give {steam_id} eu"))
	f.buy(garry, f.product("us-1", "give {steam_id} us"))
	_, b := f.do("GET", "/v1/delivery/command-queue", eu, "")
	euKey := decode[[]map[string]any](t, b)[0]["attempt_id"].(string)
	_, b = f.do("GET", "/v1/delivery/command-queue", us, "")
	usKey := decode[[]map[string]any](t, b)[0]["attempt_id"].(string)

	resp, b := f.do("DELETE", "/v1/delivery/command-queue", eu,
		`[{"attempt_id":"`+usKey+`"},{"attempt_id":"garbage"},{"attempt_id":"cmd_01KAZZZZZZZZZZZZZZZZZZZZZZ"},{"attempt_id":"`+euKey+`"}]`)
	wantStatus(t, resp, b, 204)
	if c := f.byCommand(garry, "give "+garry.PlatformID.Value+" eu"); c.Status != inventory.Executed {
		t.Errorf("eu command %s, want executed", c.Status)
	}
	if c := f.byCommand(garry, "give "+garry.PlatformID.Value+" us"); c.Status != inventory.Leased {
		t.Errorf("us command acknowledged by eu-1: %s, want still leased", c.Status)
	}
	resp, b = f.do("DELETE", "/v1/delivery/command-queue/garbage", eu, "")
	wantStatus(t, resp, b, 204)
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, &gameapi.Options{RateLimit: 0.01, RateBurst: 2})
	_, token := f.server("eu-1")
	_, other := f.server("eu-2")
	for i := range 2 {
		if resp, b := f.do("GET", "/v1/delivery/command-queue", token, ""); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
	resp, b := f.do("GET", "/v1/delivery/command-queue", token, "")
	if resp.StatusCode != 429 {
		t.Fatalf("third request: %d %s, want 429", resp.StatusCode, b)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q, want whole seconds ≥ 1", resp.Header.Get("Retry-After"))
	}
	// The limit is per token.
	if resp, _ := f.do("GET", "/v1/delivery/command-queue", other, ""); resp.StatusCode != 200 {
		t.Errorf("another server's token: %d, want 200", resp.StatusCode)
	}
	c := f.client(token, nil)
	_, err := c.Poll(context.Background(), gameclient.Players{})
	if e, ok := err.(*gameclient.APIError); !ok || e.Status != 429 || e.RetryAfter <= 0 {
		t.Errorf("client error = %v, want a 429 APIError with RetryAfter", err)
	}
}

func TestUnknownRoute(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	resp, b := f.do("GET", "/v1/delivery/nothing", token, "")
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"code":"not-found"`) {
		t.Errorf("unknown route: %d %s", resp.StatusCode, b)
	}
	resp, b = f.do("GET", "/v1/delivery/events", token, "")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" || !strings.Contains(string(b), `"code":"method-not-allowed"`) {
		t.Errorf("GET events: %d Allow %q %s, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"), b)
	}
}
