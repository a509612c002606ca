package gameclient

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A poll's answer decodes as encoding/json decodes it, whatever the bytes:
// the one-pass reader either agrees or hands the body over.
func FuzzDecodeCommands(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, ``, `[{"attempt_id":"dlv_1","steam_id":"76561198006409530","minecraft_uuid":null,"customer_name":"Garry","command":"say hi","online_only":false,"queued_at":"2026-12-01T07:00:00Z"}]`,
		`[{"attempt_id":"a\"b"}]`, `[{"ATTEMPT_ID":"x"}]`, `[{"online_only":"yes"}]`, `[{"queued_at":"not a time"}]`,
		`[{"minecraft_uuid":"u"},{"minecraft_uuid":null}]`, "[{\"command\":\"\xff\"}]", `[{"command":"a"}`, `[1]`, `[{"x":{"y":[1,2]}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeCommands(b)
		var want []Command
		wantErr := json.Unmarshal(b, &want)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeCommands(%q) error %v, encoding/json %v", b, err, wantErr)
		}
		if err == nil && (len(got) != 0 || len(want) != 0) {
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("decodeCommands(%q) (-encoding/json +got):\n%s", b, d)
			}
		}
	})
}
