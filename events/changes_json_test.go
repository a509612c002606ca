package events_test

import (
	"encoding/json"
	"testing"

	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/events"
)

// Changes write what encoding/json writes for the map, byte for byte,
// and fail where it fails: names and values drawn from the plain (as a
// diff writes them) and from what encoding/json escapes, compacts or
// refuses.
func TestChangesJSONIsEncodingJSON(t *testing.T) {
	names := rapid.SampledFrom([]string{"id", "status", "expires_at", "a<b", "é", "q\"uote", "", "z", "Version", "tab\t"})
	values := rapid.SampledFrom([]string{
		"", `"x"`, `12`, `null`, `true`, `{"a":1}`, `[1,2]`, `"2026-01-02T03:04:05Z"`,
		`"a<b&c>"`, `{ "a": 1 }`, "[1,\n2]", `"\u2028"`, "\"\u2028\"", `"caf` + "é" + `"`, `{"a":`, `nope`, `"a b"`,
	})
	rapid.Check(t, func(rt *rapid.T) {
		c := events.Changes{}
		for range rapid.IntRange(0, 6).Draw(rt, "n") {
			var ch events.Change
			if v := values.Draw(rt, "before"); v != "" || rapid.Bool().Draw(rt, "empty before") {
				ch.Before = json.RawMessage(v)
			}
			if v := values.Draw(rt, "after"); v != "" || rapid.Bool().Draw(rt, "empty after") {
				ch.After = json.RawMessage(v)
			}
			c[names.Draw(rt, "name")] = ch
		}
		want, wantErr := json.Marshal(map[string]events.Change(c))
		got, gotErr := c.MarshalJSON()
		if (wantErr != nil) != (gotErr != nil) || string(got) != string(want) {
			rt.Fatalf("MarshalJSON = %s, %v; encoding/json writes %s, %v", got, gotErr, want, wantErr)
		}
		// Inside an event, as the feed and the webhooks write it.
		wantE, wantErr := json.Marshal(struct {
			C map[string]events.Change `json:"changes"`
		}{c})
		gotE, gotErr := json.Marshal(struct {
			C events.Changes `json:"changes"`
		}{c})
		if (wantErr != nil) != (gotErr != nil) || string(gotE) != string(wantE) {
			rt.Fatalf("in a struct: %s, %v; encoding/json writes %s, %v", gotE, gotErr, wantE, wantErr)
		}
	})
}
