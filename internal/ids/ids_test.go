package ids

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
)

func TestNewParsesBack(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	id := New("cus", now)
	got, err := Parse("cus", "id", id)
	if err != nil || got != id {
		t.Fatalf("Parse(%q) = %q, %v", id, got, err)
	}
}

func TestSameMillisecondSortsInOrder(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	prev := New("ord", now)
	for range 1000 {
		next := New("ord", now)
		if next <= prev {
			t.Fatalf("%s after %s does not sort later", next, prev)
		}
		prev = next
	}
}

// Any goroutine may call New: IDs stay unique and, per goroutine, in order.
func TestNewConcurrent(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const workers, each = 8, 500
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			prev := ""
			mine := make([]string, 0, each)
			for range each {
				id := New("cus", now)
				if id <= prev {
					t.Errorf("%s after %s does not sort later", id, prev)
				}
				prev = id
				mine = append(mine, id)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range mine {
				if seen[id] {
					t.Errorf("duplicate ID %s", id)
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Errorf("%d unique IDs, want %d", len(seen), workers*each)
	}
}

func TestParseCanonicalises(t *testing.T) {
	got, err := Parse("cus", "id", "cus_01arz3ndektsv4rrffq69g5fav")
	if err != nil || got != "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV" {
		t.Errorf("Parse(lower case) = %q, %v; want the upper-case ID", got, err)
	}
	_, err = Parse("cus", "customer_id", "nope")
	var inv *errs.InvalidError
	if !errors.As(err, &inv) || inv.Field != "customer_id" {
		t.Errorf("Parse error = %#v, want an *errs.InvalidError naming customer_id", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{"", "cus_", "ban_01ARZ3NDEKTSV4RRFFQ69G5FAV", "cus_01ARZ3NDEKTSV4RRFFQ69G5FA", "cus_81ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		if _, err := Parse("cus", "customer_id", s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV")
	f.Add("cus_01arz3ndektsv4rrffq69g5fav")
	f.Add("cus_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse("cus", "id", s)
		if err != nil {
			return
		}
		again, err := Parse("cus", "id", got)
		if err != nil || again != got {
			t.Fatalf("canonical %q does not parse to itself: %q, %v", got, again, err)
		}
	})
}
