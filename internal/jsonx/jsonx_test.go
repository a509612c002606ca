package jsonx_test

import (
	"testing"
	"time"

	"github.com/playerbase/playerbase/internal/jsonx"
)

type inner struct {
	At   *time.Time `json:"at,omitzero"`
	Tags []string   `json:"tags"`
}

type record struct {
	When   time.Time         `json:"when"`
	List   []inner           `json:"list"`
	ByKey  map[string]inner  `json:"by_key"`
	Ptr    *inner            `json:"ptr,omitzero"`
	Names  []string          `json:"names"`
	Labels map[string]string `json:"labels"`
}

func TestMarshalNormalizesACopy(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	at := time.Date(2026, 3, 14, 16, 0, 0, 0, zone)
	r := record{
		When:  at,
		List:  []inner{{At: &at}},
		ByKey: map[string]inner{"k": {}},
		Ptr:   &inner{At: &at},
	}
	got, err := jsonx.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"when":"2026-03-14T15:00:00Z","list":[{"at":"2026-03-14T15:00:00Z","tags":[]}],` +
		`"by_key":{"k":{"tags":[]}},"ptr":{"at":"2026-03-14T15:00:00Z","tags":[]},"names":[],"labels":{}}`
	if string(got) != want {
		t.Errorf("Marshal = %s\nwant      %s", got, want)
	}
	// The caller's record is untouched: same zone, same nil lists.
	if r.When.Location() != zone || r.List[0].At.Location() != zone || r.Ptr.At.Location() != zone {
		t.Error("Marshal moved the caller's times to UTC")
	}
	if r.Names != nil || r.Labels != nil || r.List[0].Tags != nil || r.ByKey["k"].Tags != nil {
		t.Error("Marshal filled the caller's nil lists")
	}
}
