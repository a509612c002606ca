package gameapi

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An acknowledgement's body, whatever its bytes, is read by the one-pass
// reader as encoding/json reads it, or left to encoding/json.
func FuzzScanAttemptRefs(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, ``, `[{"attempt_id":"dlv_1"}, {"attempt_id":"dlv_2"}]`, `[{"attempt_id":"a\"b"}]`,
		`[{"attempt_id":null}]`, `[{"attempt_id":12}]`, `[{"other":"y","attempt_id":"x"}]`, "[{\"attempt_id\":\"\xff\"}]",
		`[{"attempt_id":"x"}`, `{"attempt_id":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got attemptRefs
		if !got.scanFlat(b) {
			return // encoding/json reads it
		}
		var want []attemptRef
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("scanFlat(%q) read what encoding/json refuses: %v", b, err)
		}
		if d := cmp.Diff(want, []attemptRef(got)); d != "" && (len(want) != 0 || len(got) != 0) {
			t.Fatalf("scanFlat(%q) (-encoding/json +got):\n%s", b, d)
		}
	})
}
