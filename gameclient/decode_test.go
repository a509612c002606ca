package gameclient

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// decodeCommands gives what encoding/json gives for any poll answer: the
// same commands, or an error where it fails.
func TestDecodeCommandsAsEncodingJSON(t *testing.T) {
	text := rapid.OneOf(
		rapid.StringMatching(`[a-zA-Z0-9_ ]{0,12}`),
		rapid.String(), // escapes, control characters, any UTF-8
		rapid.SampledFrom([]string{"a\"b", `a\b`, "\xff", "<&>", "é", "\u2028"}),
	)
	t.Run("marshaled", rapid.MakeCheck(func(t *rapid.T) {
		// The commands of one purchase share a time: draw some from a few.
		times := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) time.Time {
			return time.Unix(rapid.Int64Range(-1e10, 1e10).Draw(t, "s"), rapid.Int64Range(0, 1e9-1).Draw(t, "ns")).In(time.FixedZone("z", rapid.IntRange(-50000, 50000).Draw(t, "zone")))
		}), 1, 2).Draw(t, "times")
		cmds := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Command {
			c := Command{
				AttemptID: text.Draw(t, "attempt"), SteamID: text.Draw(t, "steam"), Command: text.Draw(t, "command"),
				OnlineOnly: rapid.Bool().Draw(t, "online"),
				QueuedAt:   rapid.SampledFrom(times).Draw(t, "at"),
			}
			if rapid.Bool().Draw(t, "uuid?") {
				c.MinecraftUUID = new(text.Draw(t, "uuid"))
			}
			if rapid.Bool().Draw(t, "name?") {
				c.CustomerName = new(text.Draw(t, "name"))
			}
			return c
		}), 0, 6).Draw(t, "cmds")
		b, err := json.Marshal(cmds)
		if err != nil {
			t.Fatal(err)
		}
		if rapid.Bool().Draw(t, "indent") {
			b, _ = json.MarshalIndent(cmds, " ", "\t")
		}
		sameAsJSON(t, b)
	}))
	t.Run("edited", rapid.MakeCheck(func(t *rapid.T) {
		// A valid answer with a piece of JSON put in at a random place.
		b := `[{"attempt_id":"a","steam_id":"1","minecraft_uuid":null,"customer_name":"n","command":"c","online_only":true,"queued_at":"2026-12-01T07:00:00.5Z"},{"attempt_id":"b"}]`
		at := rapid.IntRange(0, len(b)).Draw(t, "at")
		piece := rapid.SampledFrom([]string{" ", ",", ":", "null", "true", "1", `"x"`, `"Attempt_ID":"y"`, `"extra":{"a":[1]}`, "}", "]", "{", "[", `\`, `"`, `"queued_at":"bad",`, `"online_only":null,`, `"minecraft_uuid":null,`, `"attempt_id":null,`, `"command":true,`}).Draw(t, "piece")
		sameAsJSON(t, []byte(b[:at]+piece+b[at:]))
	}))
	for _, b := range []string{"", "null", "[]", " [ ] ", "[null]", "[{}]", "{}", "[{}]x", `[{"online_only":false}]`, strings.Repeat("[", 3)} {
		sameAsJSON(t, []byte(b))
	}
}

func sameAsJSON(t interface {
	Helper()
	Fatalf(string, ...any)
}, b []byte) {
	t.Helper()
	var want []Command
	wantErr := json.Unmarshal(b, &want)
	got, err := decodeCommands(b)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("decodeCommands(%q) error %v, encoding/json %v", b, err, wantErr)
	}
	if err != nil {
		return
	}
	eq := cmp.Comparer(func(a, b time.Time) bool {
		return a.Equal(b) && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
	})
	if d := cmp.Diff(want, got, eq); d != "" && (len(want) != 0 || len(got) != 0) {
		t.Fatalf("decodeCommands(%q) (-encoding/json +got):\n%s", b, d)
	}
}

// What a server sends is read by the fast path, not handed on.
func TestDecodeCommandsFastPath(t *testing.T) {
	cmds := []Command{
		{AttemptID: "dlv_1", SteamID: "76561198006409530", Command: "give 76561198006409530 crate", QueuedAt: time.Date(2026, 12, 1, 7, 0, 0, 5, time.UTC)},
		{AttemptID: "dlv_2", MinecraftUUID: new("069a79f4-44e9-4726-a5be-fca90e38aaf5"), CustomerName: new("Notch"), Command: "op Notch", OnlineOnly: true},
	}
	for _, indent := range []bool{false, true} {
		b, _ := json.Marshal(cmds)
		if indent {
			b, _ = json.MarshalIndent(cmds, "", "  ")
		}
		got, ok := scanCommands(b)
		if !ok {
			t.Fatalf("scanCommands(%s) fell back", b)
		}
		if d := cmp.Diff(cmds, got); d != "" {
			t.Errorf("scanCommands (-want +got):\n%s", d)
		}
	}
}

// An acknowledgement's body is the bytes encoding/json writes.
func TestEncodeAcksAsEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ids := rapid.SliceOf(rapid.OneOf(
			rapid.StringMatching(`[a-zA-Z0-9_]{0,30}`),
			rapid.String(),
			rapid.SampledFrom([]string{"a\"b", `a\b`, "\xff", "<&>", "é", "\u2028", "\x7f"}),
		)).Draw(t, "ids")
		refs := make([]attemptRef, len(ids))
		for i, id := range ids {
			refs[i].AttemptID = id
		}
		want, err := json.Marshal(refs)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeAcks(ids); string(got) != string(want) {
			t.Fatalf("encodeAcks(%q) = %s, encoding/json %s", ids, got, want)
		}
	})
}

// A poll's body is the bytes encoding/json writes for the players and the
// results, with executed after the rest.
func TestEncodePollAsEncodingJSON(t *testing.T) {
	text := rapid.OneOf(rapid.StringMatching(`[a-zA-Z0-9_]{0,30}`), rapid.String(), rapid.SampledFrom([]string{"a\"b", "\xff", "é"}))
	texts := rapid.SliceOfN(text, 0, 3)
	rapid.Check(t, func(t *rapid.T) {
		online := Players{SteamIDs: texts.Draw(t, "steam"), MinecraftUUIDs: texts.Draw(t, "uuids"), CustomerNames: texts.Draw(t, "names")}
		done := Results{Executed: texts.Draw(t, "executed")}
		for _, id := range texts.Draw(t, "failed") {
			done.Failed = append(done.Failed, Failure{AttemptID: id, Error: text.Draw(t, "error")})
		}
		refs := make([]attemptRef, len(done.Executed))
		for i, id := range done.Executed {
			refs[i].AttemptID = id
		}
		var executed []attemptRef
		if len(refs) > 0 {
			executed = refs
		}
		want, err := json.Marshal(struct {
			Players
			Failed   []Failure    `json:"failed,omitempty"`
			Executed []attemptRef `json:"executed,omitempty"`
		}{online, done.Failed, executed})
		if err != nil {
			t.Fatal(err)
		}
		if got := encodePoll(online, done); string(got) != string(want) {
			t.Fatalf("encodePoll = %s\nencoding/json %s", got, want)
		}
	})
}
