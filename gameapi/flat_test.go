package gameapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

var wireText = rapid.OneOf(
	rapid.StringMatching(`[a-zA-Z0-9_ :-]{0,16}`),
	rapid.String(),
	rapid.SampledFrom([]string{"a\"b", `a\b`, "<&>", "é", "\u2028", "\x7f"}),
)

// A poll's answer is the bytes encoding/json writes, or written by it.
func TestQueuedCommandsAsEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// The commands of one purchase share a time: draw some from a few.
		times := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) time.Time {
			return time.Unix(rapid.Int64Range(-1e11, 3e11).Draw(t, "s"), rapid.Int64Range(0, 1e9-1).Draw(t, "ns")).In(time.FixedZone("z", rapid.IntRange(-50000, 50000).Draw(t, "zone")))
		}), 1, 2).Draw(t, "times")
		qs := queuedCommands(rapid.SliceOfN(rapid.Custom(func(t *rapid.T) queuedCommand {
			q := queuedCommand{
				AttemptID: wireText.Draw(t, "attempt"), Command: wireText.Draw(t, "command"),
				OnlineOnly: rapid.Bool().Draw(t, "online"),
				QueuedAt:   rapid.SampledFrom(times).Draw(t, "at"),
			}
			if rapid.Bool().Draw(t, "steam?") {
				q.SteamID = wireText.Draw(t, "steam")
			}
			if rapid.Bool().Draw(t, "uuid?") {
				q.MinecraftUUID = new(wireText.Draw(t, "uuid"))
			}
			if rapid.Bool().Draw(t, "name?") {
				q.CustomerName = new(wireText.Draw(t, "name"))
			}
			return q
		}), 0, 6).Draw(t, "qs"))
		want, wantErr := json.Marshal([]queuedCommand(qs))
		got, ok := qs.appendFlat(nil)
		if !ok {
			return // written by encoding/json
		}
		if wantErr != nil || string(got) != string(want) {
			t.Fatalf("appendFlat = %s\nencoding/json = %s (%v)", got, want, wantErr)
		}
	})
	plain := queuedCommands{{AttemptID: "dlv_1", SteamID: "76561198006409530", Command: "give 76561198006409530 crate", QueuedAt: time.Now()}}
	if _, ok := plain.appendFlat(nil); !ok {
		t.Errorf("appendFlat(%v) left a plain answer to encoding/json", plain)
	}
}

type fataler interface{ Fatalf(string, ...any) }

// agreesWithEncodingJSON fails t if the one-pass reader of T reads b and
// encoding/json refuses it or reads something else (an empty list and
// null read alike); a body the reader leaves to encoding/json passes.
func agreesWithEncodingJSON[T any, PT interface {
	*T
	scanFlat([]byte) bool
}](t fataler, b []byte) {
	var got T
	if !PT(&got).scanFlat(b) {
		return // decoded by encoding/json
	}
	var want T
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("scanFlat(%q) read what encoding/json refuses: %v", b, err)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("scanFlat(%q) (-encoding/json +got):\n%s", b, d)
	}
}

// An acknowledgement's body decodes as with encoding/json, or by it.
func TestAttemptRefsAsEncodingJSON(t *testing.T) {
	check := func(t fataler, b []byte) { agreesWithEncodingJSON[attemptRefs](t, b) }
	rapid.Check(t, func(t *rapid.T) {
		refs := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) map[string]string {
			return map[string]string{"attempt_id": wireText.Draw(t, "id")}
		}), 0, 4).Draw(t, "refs")
		b, _ := json.Marshal(refs)
		check(t, b)
		at := rapid.IntRange(0, len(b)).Draw(t, "at")
		piece := rapid.SampledFrom([]string{" ", ",", ":", "null", "1", `"x"`, `"other":"y"`, "{", "}", "[", "]", `\`, `"`, `{"attempt_id":null}`, `{"attempt_id":12}`}).Draw(t, "piece")
		check(t, []byte(string(b[:at])+piece+string(b[at:])))
	})
	var got attemptRefs
	if !got.scanFlat([]byte(`[{"attempt_id":"dlv_1"}, {"attempt_id":"dlv_2"}]`)) || len(got) != 2 {
		t.Errorf("scanFlat left a plain acknowledgement to encoding/json: %v", got)
	}
}

// A poll's body, online players and the results it reports, decodes as
// with encoding/json, or by it.
func TestPollRequestAsEncodingJSON(t *testing.T) {
	check := func(t fataler, b []byte) { agreesWithEncodingJSON[pollRequest](t, b) }
	texts := rapid.SliceOfN(wireText, -1, 3)
	rapid.Check(t, func(t *rapid.T) {
		body := map[string]any{}
		for _, key := range []string{"steam_ids", "minecraft_uuids", "customer_names", "executed", "failed"} {
			if !rapid.Bool().Draw(t, key+"?") {
				continue
			}
			switch key {
			case "executed":
				var refs []map[string]any
				for _, id := range texts.Draw(t, key) {
					refs = append(refs, map[string]any{"attempt_id": id})
				}
				body[key] = refs
			case "failed":
				body[key] = []map[string]any{{"attempt_id": wireText.Draw(t, "id"), "error": wireText.Draw(t, "error")}}
			default:
				body[key] = texts.Draw(t, key)
			}
		}
		b, _ := json.Marshal(body)
		check(t, b)
		at := rapid.IntRange(0, len(b)).Draw(t, "at")
		piece := rapid.SampledFrom([]string{" ", ",", ":", "null", "1", `"x"`, `"other":"y"`, "{", "}", "[", "]", `\`, `"`,
			`"executed":null`, `"steam_ids":[7656119800640953]`, `"Executed":[]`, `{"attempt_id":null}`}).Draw(t, "piece")
		check(t, []byte(string(b[:at])+piece+string(b[at:])))
	})
	var got pollRequest
	plain := `{"steam_ids":["76561198006409530"], "executed":[{"attempt_id":"cmd_1"},{"attempt_id":"cmd_2"}]}`
	if !got.scanFlat([]byte(plain)) || len(got.Executed) != 2 || len(got.SteamIDs) != 1 {
		t.Errorf("scanFlat left a plain poll to encoding/json: %+v", got)
	}
}
