package metadata_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
)

// The seed's form: every row is submitted, so a row cleared on both sides
// cannot say which key it held; the rows submitted are the whole set.
func TestReplaceForm(t *testing.T) {
	stored := metadata.Metadata{"discord": "abc", "tier": "gold"}
	got, err := metadata.Replace(stored, []metadata.Field{{"", ""}, {"tier", "gold"}}, stored.Version())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(metadata.Metadata{"tier": "gold"}, got); diff != "" {
		t.Errorf("Replace (-want +got):\n%s", diff)
	}
}

func TestReplace(t *testing.T) {
	start := metadata.Metadata{"discord": "garry#0001", "vip": "yes"}
	for _, tc := range []struct {
		name string
		rows []metadata.Field
		want metadata.Metadata
	}{
		{"unchanged form", []metadata.Field{{"discord", "garry#0001"}, {"vip", "yes"}}, start},
		{"a key not submitted is removed", []metadata.Field{{"vip", "yes"}}, metadata.Metadata{"vip": "yes"}},
		{"a row cleared on both sides vanishes", []metadata.Field{{"discord", "garry#0001"}, {"", ""}}, metadata.Metadata{"discord": "garry#0001"}},
		{"a key with a cleared value is removed, as in a patch", []metadata.Field{{"discord", "garry#0001"}, {"vip", ""}}, metadata.Metadata{"discord": "garry#0001"}},
		{"edit, rename and add", []metadata.Field{{"discord", "garry#0002"}, {"member", "yes"}, {"tier", "gold"}},
			metadata.Metadata{"discord": "garry#0002", "member": "yes", "tier": "gold"}},
		{"every row cleared", []metadata.Field{{"", ""}, {"", ""}}, metadata.Metadata{}},
		{"no rows", nil, metadata.Metadata{}},
		{"blank rows anywhere", []metadata.Field{{"", ""}, {"a", "1"}, {"", ""}, {"b", "2"}, {"", ""}}, metadata.Metadata{"a": "1", "b": "2"}},
		{"50 keys fit, blank rows not counted", append(rows(fullMetadata(metadata.MaxKeys)), metadata.Field{}), fullMetadata(metadata.MaxKeys)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(start)
			got, err := metadata.Replace(start, tc.rows, start.Version())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, equateEmpty); diff != "" {
				t.Errorf("Replace (-want +got):\n%s", diff)
			}
			if got == nil {
				t.Error("Replace returned a nil map")
			}
			if diff := cmp.Diff(before, start); diff != "" {
				t.Errorf("Replace changed its input (-before +after):\n%s", diff)
			}
			if err := metadata.Check(got); err != nil {
				t.Errorf("Check(result) = %v", err)
			}
		})
	}
}

// rows is m as a form shows it: one row per key, in key order.
func rows(m metadata.Metadata) []metadata.Field {
	var out []metadata.Field
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, metadata.Field{Key: k, Value: m[k]})
	}
	return out
}

// A refused row is named by its index in the form, so the page can mark it;
// nothing is applied. How CheckKey and CheckValue word a refusal is
// theirs to say; what Replace adds is checked here.
func TestReplaceRejects(t *testing.T) {
	start := metadata.Metadata{"discord": "garry#0001", "vip": "yes"}
	for _, tc := range []struct {
		name string
		rows []metadata.Field
		want *errs.InvalidError
	}{
		{"duplicate key", []metadata.Field{{"vip", "yes"}, {"", ""}, {"vip", "no"}},
			&errs.InvalidError{Field: "metadata.rows[2].key", Value: "vip", Reason: "also in row 0"}},
		{"duplicate key, one cleared", []metadata.Field{{"vip", ""}, {"vip", "no"}},
			&errs.InvalidError{Field: "metadata.rows[1].key", Value: "vip", Reason: "also in row 0"}},
		{"value without key", []metadata.Field{{"vip", "yes"}, {"", "orphan"}},
			&errs.InvalidError{Field: "metadata.rows[1].key"}},
		{"bracket in key", []metadata.Field{{"a[0]", "v"}},
			&errs.InvalidError{Field: "metadata.rows[0].key"}},
		{"bad key with a cleared value", []metadata.Field{{"ok", "v"}, {"[k]", ""}},
			&errs.InvalidError{Field: "metadata.rows[1].key"}},
		{"41-character key", []metadata.Field{{strings.Repeat("k", 41), "v"}},
			&errs.InvalidError{Field: "metadata.rows[0].key"}},
		{"501-character value", []metadata.Field{{"ok", "v"}, {"k", strings.Repeat("v", 501)}},
			&errs.InvalidError{Field: "metadata.rows[1].value"}},
		{"value not UTF-8", []metadata.Field{{"k", "\xff"}},
			&errs.InvalidError{Field: "metadata.rows[0].value"}},
		{"51 keys", rows(fullMetadata(metadata.MaxKeys + 1)),
			&errs.InvalidError{Field: "metadata", Value: "51 keys", Reason: "at most 50 keys"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(start)
			got, err := metadata.Replace(start, tc.rows, start.Version())
			var inv *errs.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Replace = %v, want *errs.InvalidError", err)
			}
			opts := cmp.Options{}
			if tc.want.Reason == "" {
				opts = append(opts, cmpopts.IgnoreFields(errs.InvalidError{}, "Value", "Reason"))
			}
			if diff := cmp.Diff(tc.want, inv, opts); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, got); diff != "" {
				t.Errorf("failed Replace returned a changed state (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(before, start); diff != "" {
				t.Errorf("failed Replace changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

// A form loaded before another change is refused as a conflict, even when
// its rows are also bad: reloading is the fix either way.
func TestReplaceStale(t *testing.T) {
	loaded := metadata.Metadata{"discord": "abc", "tier": "gold"}
	form := loaded.Version()
	for name, current := range map[string]metadata.Metadata{
		"value changed": {"discord": "abc", "tier": "silver"},
		"key added":     {"discord": "abc", "tier": "gold", "note": "x"},
		"key removed":   {"tier": "gold"},
		"all removed":   {},
	} {
		t.Run(name, func(t *testing.T) {
			for _, form := range [][]metadata.Field{{{"", ""}, {"tier", "gold"}}, {{"", "orphan"}}} {
				got, err := metadata.Replace(current, form, loaded.Version())
				var conflict *errs.ConflictError
				if !errors.As(err, &conflict) {
					t.Fatalf("Replace(%q) of a stale form = %v, want *errs.ConflictError", form, err)
				}
				if diff := cmp.Diff(current, got, equateEmpty); diff != "" {
					t.Errorf("stale Replace returned a changed state (-current +got):\n%s", diff)
				}
			}
		})
	}
	// Changes undone since the form was loaded leave nothing to overwrite.
	if _, err := metadata.Replace(metadata.Metadata{"tier": "gold", "discord": "abc"}, nil, form); err != nil {
		t.Errorf("Replace with the current content's version = %v", err)
	}
}

func TestReplaceBadVersion(t *testing.T) {
	m := metadata.Metadata{"a": "b"}
	v := string(m.Version())
	for _, bad := range []string{"", "x", v[:len(v)-1], v + "0", strings.ToUpper(v), " " + v} {
		_, err := metadata.Replace(m, nil, metadata.Version(bad))
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || inv.Field != "metadata.version" {
			t.Errorf("Replace(version %q) = %v, want *errs.InvalidError for metadata.version", bad, err)
		}
		if _, err := metadata.ParseVersion(bad); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseVersion(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if got, err := metadata.ParseVersion(v); err != nil || got != m.Version() {
		t.Errorf("ParseVersion(%q) = %q, %v", v, got, err)
	}
}

func TestVersion(t *testing.T) {
	a := metadata.Metadata{}
	for i := range 20 {
		a[fmt.Sprint("k", i)] = fmt.Sprint("v", i)
	}
	b := metadata.Metadata{}
	for i := 19; i >= 0; i-- {
		b[fmt.Sprint("k", i)] = fmt.Sprint("v", i)
	}
	if a.Version() != b.Version() {
		t.Error("the same content built in another order has another version")
	}
	if metadata.Metadata(nil).Version() != (metadata.Metadata{}).Version() {
		t.Error("nil and empty metadata have different versions")
	}
	// Pairs a naive concatenation would confuse.
	for _, pair := range [][2]metadata.Metadata{
		{{"ab": "c"}, {"a": "bc"}},
		{{"a": "b", "c": "d"}, {"a": "bcd"}},
		{{"a": "b=c"}, {"a=b": "c"}},
		{{}, {"a": "b"}},
	} {
		if pair[0].Version() == pair[1].Version() {
			t.Errorf("%v and %v share version %s", pair[0], pair[1], pair[0].Version())
		}
	}
}

// modelReplace is what Replace with a current version should do, written
// from the rules: rows mean what they mean in a patch of the empty set, a
// key in two rows is refused, and the limits hold.
func modelReplace(rows []metadata.Field) (metadata.Metadata, bool) {
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Key == "" {
			continue
		}
		if seen[r.Key] {
			return nil, false
		}
		seen[r.Key] = true
	}
	return modelApply(nil, rows)
}

// Replace agrees with the model, never touches its input, keeps the limits,
// and two contents share a version only when they are equal.
func TestReplaceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := fullMetadata(rapid.IntRange(0, metadata.MaxKeys).Draw(t, "prefill"))
		gen := fieldGen()
		if rapid.Bool().Draw(t, "clean") {
			gen = cleanFieldGen()
		}
		form := rapid.SliceOfN(gen, 0, 60).Draw(t, "rows")
		before := maps.Clone(cur)
		want, ok := modelReplace(form)
		got, err := metadata.Replace(cur, form, cur.Version())
		if diff := cmp.Diff(before, cur, equateEmpty); diff != "" {
			t.Fatalf("Replace changed its input (-before +after):\n%s", diff)
		}
		if !ok {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("Replace(%q) = %v, want ErrInvalid", form, err)
			}
			if diff := cmp.Diff(before, got, equateEmpty); diff != "" {
				t.Fatalf("failed Replace returned a changed state (-before +after):\n%s", diff)
			}
			return
		}
		if err != nil {
			t.Fatalf("Replace(%q) = %v, the model accepts it", form, err)
		}
		if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
			t.Fatalf("Replace(%q) (-model +got):\n%s", form, diff)
		}
		if err := metadata.Check(got); err != nil {
			t.Fatalf("Replace made metadata outside the limits: %v", err)
		}
		if maps.Equal(got, cur) != (got.Version() == cur.Version()) {
			t.Fatalf("%v and %v: equal %v, versions %s and %s", got, cur, maps.Equal(got, cur), got.Version(), cur.Version())
		}
	})
}

func FuzzReplace(f *testing.F) {
	f.Add("discord", "abc", "", "", "tier", "gold")
	f.Add("tier", "gold", "tier", "", "", "")
	f.Add("", "orphan", "a[0]", "v", "k", "\xff")
	f.Add(strings.Repeat("k", 41), "v", "a\x00", "x", "b", strings.Repeat("v", 501))
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		cur := metadata.Metadata{"discord": "abc", "tier": "gold"}
		form := []metadata.Field{{k1, v1}, {k2, v2}, {k3, v3}}
		want, ok := modelReplace(form)
		got, err := metadata.Replace(cur, form, cur.Version())
		if !ok {
			if !errors.Is(err, errs.ErrInvalid) || !maps.Equal(got, cur) {
				t.Fatalf("Replace(%q) = %v, %v; want ErrInvalid and the current state", form, got, err)
			}
			return
		}
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("Replace(%q) = %v, %v; model says %v", form, got, err, want)
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	f.Add(string(metadata.Metadata{"a": "b"}.Version()))
	f.Add(string(metadata.Metadata(nil).Version()))
	f.Add("")
	f.Add("0123456789abcdef0123456789ABCDEF")
	f.Add("0123456789abcdef0123456789abcdeg")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := metadata.ParseVersion(s)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("ParseVersion(%q) = %v, want ErrInvalid", s, err)
			}
			return
		}
		if string(v) != s {
			t.Fatalf("ParseVersion(%q) = %q: a version is kept as written", s, v)
		}
		// A well-formed version that names no content is merely stale.
		cur := metadata.Metadata{"a": "b"}
		_, err = metadata.Replace(cur, nil, v)
		if (v == cur.Version()) != (err == nil) || (err != nil && !errors.Is(err, errs.ErrConflict)) {
			t.Fatalf("Replace with version %q = %v", s, err)
		}
	})
}
