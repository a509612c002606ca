package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// slowDiff is Diff as the contract defines it, the plain way: both
// versions through json.Marshal and json.Unmarshal.
func slowDiff(before, after any) (Changes, error) {
	decode := func(v any) (map[string]json.RawMessage, error) {
		if v == nil {
			return nil, nil
		}
		raw, err := json.Marshal(v)
		if err != nil || bytes.Equal(raw, []byte("null")) {
			return nil, err
		}
		var m map[string]json.RawMessage
		return m, json.Unmarshal(raw, &m)
	}
	b, err := decode(before)
	if err != nil {
		return nil, err
	}
	a, err := decode(after)
	if err != nil {
		return nil, err
	}
	out := Changes{}
	for k, bv := range b {
		if av, ok := a[k]; !ok || !bytes.Equal(av, bv) {
			out[k] = Change{Before: bv, After: av}
		}
	}
	for k, av := range a {
		if _, ok := b[k]; !ok {
			out[k] = Change{After: av}
		}
	}
	return out, nil
}

// writer is a record that writes itself, compactly or not, as records'
// MarshalJSON methods might.
type writer struct {
	m      map[string]any
	indent bool
}

func (w writer) MarshalJSON() ([]byte, error) {
	if w.indent {
		return json.MarshalIndent(w.m, "", " ")
	}
	return json.Marshal(w.m)
}

// plainRecord has no MarshalJSON of its own.
type plainRecord struct {
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs,omitzero"`
	N     float64           `json:"n"`
}

var text = rapid.SampledFrom([]string{"", "a", "x-ray", "<b>&", "line\u2028sep", "quote\"d", "back\\slash", "tab\t", "ünï", "{}[],:"})

func drawValue(t *rapid.T, label string, depth int) any {
	switch k := rapid.IntRange(0, 5).Draw(t, label+".kind"); {
	case k == 0:
		return text.Draw(t, label+".s")
	case k == 1:
		return rapid.Float64Range(-1e6, 1e6).Draw(t, label+".f")
	case k == 2:
		return rapid.Bool().Draw(t, label+".b")
	case k == 3 || depth > 2:
		return nil
	case k == 4:
		n := rapid.IntRange(0, 3).Draw(t, label+".len")
		out := make([]any, n)
		for i := range out {
			out[i] = drawValue(t, fmt.Sprintf("%s[%d]", label, i), depth+1)
		}
		return out
	default:
		return drawObject(t, label, depth+1)
	}
}

func drawObject(t *rapid.T, label string, depth int) map[string]any {
	m := map[string]any{}
	for i := range rapid.IntRange(0, 5).Draw(t, label+".n") {
		m[text.Draw(t, fmt.Sprintf("%s.k%d", label, i))] = drawValue(t, fmt.Sprintf("%s.v%d", label, i), depth)
	}
	return m
}

func drawRecord(t *rapid.T, label string) any {
	switch rapid.IntRange(0, 3).Draw(t, label+".shape") {
	case 0:
		return nil
	case 1:
		return plainRecord{Name: text.Draw(t, label+".name"), Tags: rapid.SliceOf(text).Draw(t, label+".tags"),
			Attrs: rapid.MapOf(text, text).Draw(t, label+".attrs"), N: rapid.Float64().Draw(t, label+".n")}
	case 2:
		return drawObject(t, label, 0)
	default:
		return writer{drawObject(t, label, 0), rapid.Bool().Draw(t, label+".indent")}
	}
}

// Diff's fast path (a record's own MarshalJSON, members split without a
// decode) gives the changes, byte for byte, that encoding/json gives:
// whatever the keys, escapes, HTML, whitespace or nesting.
func TestDiffIsJSONsDiff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		before, after := drawRecord(t, "before"), drawRecord(t, "after")
		if rapid.Bool().Draw(t, "same shape") {
			if w, ok := before.(writer); ok {
				m := map[string]any{}
				for k, v := range w.m {
					if rapid.Bool().Draw(t, "keep "+k) {
						m[k] = v
					} else {
						m[k] = drawValue(t, "new "+k, 0)
					}
				}
				after = writer{m, w.indent}
			}
		}
		got, err := Diff(before, after)
		if err != nil {
			t.Fatal(err)
		}
		want, err := slowDiff(before, after)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Diff(%#v, %#v) (-json +fast):\n%s", before, after, diff)
		}
	})
}

func BenchmarkDiffRecord(b *testing.B) {
	m := map[string]any{"id": "cmd_01JPAV8Q3M0000000000000007", "status": "leased", "attempts": 1, "version": 1,
		"command": "oxide.usergroup add 76561198006409530 vip", "created_at": "2026-03-02T11:09:26.535897Z", "lease_id": "lse_1"}
	before := writer{m: m}
	m2 := map[string]any{}
	for k, v := range m {
		m2[k] = v
	}
	m2["status"], m2["version"], m2["lease_id"] = "executed", 2, ""
	after := writer{m: m2}
	for range b.N {
		if _, err := Diff(before, after); err != nil {
			b.Fatal(err)
		}
	}
}
