package events_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
)

type rec struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Note string   `json:"note,omitempty"`
}

func TestDiff(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after any
		want          events.Changes
	}{
		{"created", nil, rec{Name: "a", Tags: []string{"x"}}, events.Changes{
			"name": {After: json.RawMessage(`"a"`)}, "tags": {After: json.RawMessage(`["x"]`)},
		}},
		{"removed", rec{Name: "a"}, nil, events.Changes{
			"name": {Before: json.RawMessage(`"a"`)}, "tags": {Before: json.RawMessage(`null`)},
		}},
		{"one field", rec{Name: "a", Tags: []string{"x"}}, rec{Name: "b", Tags: []string{"x"}}, events.Changes{
			"name": {Before: json.RawMessage(`"a"`), After: json.RawMessage(`"b"`)},
		}},
		{"field appears", rec{Name: "a"}, rec{Name: "a", Note: "<script>"}, events.Changes{
			"note": {After: json.RawMessage(`"\u003cscript\u003e"`)},
		}},
		{"field goes", rec{Name: "a", Note: "n"}, rec{Name: "a"}, events.Changes{
			"note": {Before: json.RawMessage(`"n"`)},
		}},
		{"nothing", rec{Name: "a"}, rec{Name: "a"}, events.Changes{}},
	} {
		got, err := events.Diff(c.before, c.after)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
	if _, err := events.Diff(nil, []int{1}); err == nil {
		t.Error("Diff of a non-object succeeded")
	}
}

func TestEventJSON(t *testing.T) {
	at := time.Date(2026, 12, 1, 7, 0, 0, 0, time.FixedZone("CET", 3600))
	e := events.Event{Seq: 7, ID: "evt_01KB0000000000000000000000", Type: events.BanCreated, Time: at, Actor: "admin:alice", Subject: "ban_X"}
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":7,"id":"evt_01KB0000000000000000000000","type":"ban.created","time":"2026-12-01T06:00:00Z","actor":"admin:alice","subject":"ban_X","changes":{}}`
	if string(got) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
}

func TestCheckActor(t *testing.T) {
	if a, err := events.CheckActor(""); a != events.Default || err != nil {
		t.Errorf(`CheckActor("") = %q, %v`, a, err)
	}
	for _, bad := range []string{"a\x00b", "line\nbreak", "\xff", strings.Repeat("é", events.MaxActorLen+1)} {
		var ie *errs.InvalidError
		if _, err := events.CheckActor(bad); !errors.As(err, &ie) || ie.Field != "actor" {
			t.Errorf("CheckActor(%q) = %v, want an InvalidError on actor", bad, err)
		}
	}
}

func TestTypes(t *testing.T) {
	if len(events.Types) != 30 {
		t.Errorf("%d types, want the 30 the issue lists", len(events.Types))
	}
	for _, typ := range events.Types {
		got, err := events.ParseType(strings.ToUpper(string(typ)))
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %q, %v", typ, got, err)
		}
	}
	if !events.BanRemoved.IsBan() || events.OrderCreated.IsBan() {
		t.Error("IsBan wrong")
	}
}

// The parsers take what a client sends back (a cursor, a type filter, an
// event ID): anything gets a value or an *errs.InvalidError, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "42", "-1", "9223372036854775808", "ban.created", "BAN.CREATED ", "evt_01KB0000000000000000000000", "", "\x00", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := events.ParseSeq(s); err == nil {
			if again, _ := events.ParseSeq(strconv.FormatInt(int64(n), 10)); n < 0 || again != n {
				t.Errorf("ParseSeq(%q) = %d", s, n)
			}
		} else if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseSeq(%q) = %v, want ErrInvalid", s, err)
		}
		if typ, err := events.ParseType(s); err == nil {
			if again, _ := events.ParseType(string(typ)); again != typ {
				t.Errorf("ParseType(%q) = %q does not parse back", s, typ)
			}
		} else if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseType(%q) = %v, want ErrInvalid", s, err)
		}
		if id, err := events.ParseID(s); err == nil {
			if again, _ := events.ParseID(string(id)); again != id {
				t.Errorf("ParseID(%q) = %q does not parse back", s, id)
			}
		} else if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseID(%q) = %v, want ErrInvalid", s, err)
		}
	})
}
