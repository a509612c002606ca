package memory

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func elems(t tree[int]) []int {
	out := []int{}
	t.ascend(func(v int) bool { out = append(out, v); return true })
	return out
}

// TestTreePersistent: every version of a tree keeps the set it had when it
// was made, whatever was added to or removed from its successors, and
// walks it in order both ways.
func TestTreePersistent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		versions := []tree[int]{{cmp: cmp.Compare[int]}}
		models := [][]int{{}}
		for range rapid.IntRange(0, 200).Draw(t, "steps") {
			i := rapid.IntRange(0, len(versions)-1).Draw(t, "from")
			tr, model := versions[i], slices.Clone(models[i])
			v := rapid.IntRange(0, 60).Draw(t, "v")
			if j, found := slices.BinarySearch(model, v); found {
				tr, model = tr.without(v), slices.Delete(model, j, j+1)
			} else {
				tr, model = tr.with(v), slices.Insert(model, j, v)
			}
			versions, models = append(versions, tr), append(models, model)
		}
		for i, tr := range versions {
			if d := gocmp.Diff(models[i], elems(tr)); d != "" {
				t.Fatalf("version %d (-want +got):\n%s", i, d)
			}
			var down []int
			tr.descend(func(v int) bool { down = append(down, v); return len(down) < 3 })
			want := slices.Clone(models[i])
			slices.Reverse(want)
			if d := gocmp.Diff(want[:min(3, len(want))], down, cmpEmpty); d != "" {
				t.Fatalf("version %d, first three descending (-want +got):\n%s", i, d)
			}
		}
		if tr := versions[len(versions)-1]; len(elems(tr.without(1000))) != len(models[len(models)-1]) {
			t.Fatal("removing an absent element changed the set")
		}
	})
}

var cmpEmpty = gocmp.Comparer(func(a, b []int) bool { return slices.Equal(a, b) })

func TestAscendFrom(t *testing.T) {
	tr := tree[int]{cmp: cmp.Compare[int]}
	for _, v := range []int{5, 1, 9, 3, 7} {
		tr = tr.with(v)
	}
	for from, want := range map[int]string{0: "[1 3 5 7 9]", 4: "[5 7 9]", 5: "[5 7 9]", 9: "[9]", 10: "[]"} {
		var got []int
		tr.ascendFrom(from, func(v int) bool { got = append(got, v); return true })
		if fmt.Sprint(got) != want && (want != "[]" || got != nil) {
			t.Errorf("ascendFrom(%d) = %v, want %s", from, got, want)
		}
	}
	var first []int
	tr.ascendFrom(2, func(v int) bool { first = append(first, v); return len(first) < 2 })
	if fmt.Sprint(first) != "[3 5]" {
		t.Errorf("ascendFrom(2) stopped after two = %v", first)
	}
}
