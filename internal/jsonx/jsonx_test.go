package jsonx_test

import (
	"encoding/json"
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

// BenchmarkMarshal reports what the normalising copy costs: Marshal's time
// as a multiple of json.Marshal's on the same record (a page of 50 entries,
// each with a time and a list), measured in the same loop.
func BenchmarkMarshal(b *testing.B) {
	at := time.Date(2026, 3, 14, 16, 0, 0, 0, time.UTC)
	r := record{When: at, Names: []string{"a", "b"}, Labels: map[string]string{"k": "v"}}
	for range 50 {
		r.List = append(r.List, inner{At: &at, Tags: []string{"vip", "eu"}})
	}
	var plain, normalized time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := jsonx.Marshal(r); err != nil {
			b.Fatal(err)
		}
		plain, normalized = plain+t1.Sub(t0), normalized+time.Since(t1)
	}
	b.ReportMetric(float64(normalized)/float64(plain), "x-json.Marshal")
}
