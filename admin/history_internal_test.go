package admin

import (
	"encoding/json"
	"testing"

	"github.com/playerbase/playerbase/events"
)

// Every event type reads in words on the History tab.
func TestEventLabels(t *testing.T) {
	for _, typ := range events.Types {
		if l := eventLabel(typ); l == string(typ) || l == "" {
			t.Errorf("%s has no label", typ)
		}
	}
}

func TestValueText(t *testing.T) {
	for raw, want := range map[string]string{
		``:                   "—",
		`null`:               "—",
		`"a \"b\" <c>"`:      `a "b" <c>`,
		`""`:                 `""`,
		`12`:                 "12",
		`true`:               "true",
		`[ {"type": "ip"} ]`: `[{"type":"ip"}]`,
		`{"EUR": "1.00"}`:    `{"EUR":"1.00"}`,
	} {
		if got := valueText(json.RawMessage(raw)); got != want {
			t.Errorf("valueText(%s) = %q, want %q", raw, got, want)
		}
	}
}

// A created record's unset fields are left out; a change to or from an
// empty value is not.
func TestEventRowSkipsUnsetFields(t *testing.T) {
	row := eventRow(events.Event{Type: events.BanUpdated, Subject: "ban_x", Changes: events.Changes{
		"removed_by": {After: json.RawMessage(`""`)},
		"reason":     {After: json.RawMessage(`"x"`)},
		"note":       {Before: json.RawMessage(`"a"`), After: json.RawMessage(`""`)},
		"gone":       {Before: json.RawMessage(`[]`)},
	}}, "cus_y")
	var got []ChangeRow
	got = append(got, row.Changes...)
	want := []ChangeRow{{Field: "note", Before: "a", After: `""`}, {Field: "reason", Before: "—", After: "x", Created: true}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("changes = %+v, want %+v", got, want)
	}
	if row.SubjectPath != "/bans/ban_x?customer=cus_y" {
		t.Errorf("subject path = %q", row.SubjectPath)
	}
}
