package metadata_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
)

// A nil and an empty Metadata are the same thing.
var equateEmpty = cmpopts.EquateEmpty()

func TestApply(t *testing.T) {
	start := metadata.Metadata{"discord": "garry#0001", "vip": "yes"}
	for _, tc := range []struct {
		name   string
		fields []metadata.Field
		want   metadata.Metadata
	}{
		{"add", []metadata.Field{{"tier", "gold"}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", "tier": "gold"}},
		{"replace", []metadata.Field{{"vip", "no"}}, metadata.Metadata{"discord": "garry#0001", "vip": "no"}},
		{"empty value removes the key", []metadata.Field{{"vip", ""}}, metadata.Metadata{"discord": "garry#0001"}},
		{"removing a missing key is fine", []metadata.Field{{"absent", ""}}, start},
		{"both-empty field is dropped", []metadata.Field{{"", ""}, {"tier", "gold"}, {"", ""}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", "tier": "gold"}},
		{"later field wins", []metadata.Field{{"tier", "gold"}, {"tier", "silver"}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", "tier": "silver"}},
		{"no fields", nil, start},
		{"40-character key", []metadata.Field{{strings.Repeat("k", 40), "v"}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", strings.Repeat("k", 40): "v"}},
		{"40 characters counted as code points", []metadata.Field{{strings.Repeat("ü", 40), strings.Repeat("ü", 500)}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", strings.Repeat("ü", 40): strings.Repeat("ü", 500)}},
		{"printable punctuation and spaces", []metadata.Field{{"order ref (old)", "a b"}}, metadata.Metadata{"discord": "garry#0001", "vip": "yes", "order ref (old)": "a b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(start)
			got, err := metadata.Apply(start, tc.fields)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, start); diff != "" {
				t.Errorf("Apply changed its input (-before +after):\n%s", diff)
			}
			if err := metadata.Check(got); err != nil {
				t.Errorf("Check(result) = %v", err)
			}
		})
	}
}

func TestApplyNil(t *testing.T) {
	got, err := metadata.Apply(nil, []metadata.Field{{"a", "b"}})
	if err != nil || got["a"] != "b" {
		t.Fatalf("Apply(nil) = %v, %v", got, err)
	}
	got, err = metadata.Apply(nil, nil)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Apply(nil, nil) = %#v, %v; want an empty, non-nil map", got, err)
	}
}

func fullMetadata(n int) metadata.Metadata {
	m := metadata.Metadata{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func TestApplyRejects(t *testing.T) {
	start := fullMetadata(metadata.MaxKeys - 1)
	for _, tc := range []struct {
		name   string
		fields []metadata.Field
	}{
		{"41-character key", []metadata.Field{{strings.Repeat("k", 41), "v"}}},
		{"41-character key, removing", []metadata.Field{{strings.Repeat("k", 41), ""}}},
		{"501-character value", []metadata.Field{{"k", strings.Repeat("v", 501)}}},
		{"51st key", []metadata.Field{{"new1", "v"}, {"new2", "v"}}},
		{"51st key after a valid change", []metadata.Field{{"k00", "changed"}, {"new1", "v"}, {"new2", "v"}}},
		{"[ in key", []metadata.Field{{"a[b", "v"}}},
		{"] in key", []metadata.Field{{"a]b", "v"}}},
		{"bracketed key", []metadata.Field{{"[k]", "v"}}},
		{"tab in key", []metadata.Field{{"a\tb", "v"}}},
		{"NUL in key", []metadata.Field{{"a\x00b", "v"}}},
		{"newline in key", []metadata.Field{{"a\n", "v"}}},
		{"no-break space in key", []metadata.Field{{"a\u00a0b", "v"}}},
		{"key not UTF-8", []metadata.Field{{"a\xff", "v"}}},
		{"value not UTF-8", []metadata.Field{{"a", "\xff"}}},
		{"value without key", []metadata.Field{{"", "orphan"}}},
		{"bad field after good ones", []metadata.Field{{"k00", ""}, {"fine", "v"}, {"", "orphan"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(start)
			got, err := metadata.Apply(start, tc.fields)
			var inv *errs.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Apply = %v, want *errs.InvalidError", err)
			}
			if diff := cmp.Diff(before, got); diff != "" {
				t.Errorf("failed Apply returned a changed state (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(before, start); diff != "" {
				t.Errorf("failed Apply changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestFiftyKeysFit(t *testing.T) {
	got, err := metadata.Apply(fullMetadata(metadata.MaxKeys-1), []metadata.Field{{"last", "v"}})
	if err != nil || len(got) != metadata.MaxKeys {
		t.Fatalf("50th key: %d keys, %v", len(got), err)
	}
	// Full, a swap (remove one, add one) still fits.
	got, err = metadata.Apply(got, []metadata.Field{{"new", "v"}, {"last", ""}})
	if err != nil || len(got) != metadata.MaxKeys || got["new"] != "v" {
		t.Fatalf("swap at the limit: %d keys, %v", len(got), err)
	}
}

func TestCheck(t *testing.T) {
	for name, m := range map[string]metadata.Metadata{
		"51 keys":     fullMetadata(51),
		"empty value": {"k": ""},
		"empty key":   {"": "v"},
		"bad key":     {"[k]": "v"},
		"long value":  {"k": strings.Repeat("v", 501)},
	} {
		if err := metadata.Check(m); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Check(%s) = %v, want ErrInvalid", name, err)
		}
	}
	for name, m := range map[string]metadata.Metadata{"nil": nil, "50 keys": fullMetadata(50)} {
		if err := metadata.Check(m); err != nil {
			t.Errorf("Check(%s) = %v", name, err)
		}
	}
}

// The plain-Go model of one field's validity, written from docs/RULES.md rather
// than from the package.
func keyOK(k string) bool {
	if !utf8.ValidString(k) || k == "" || utf8.RuneCountInString(k) > 40 || strings.ContainsAny(k, "[]") {
		return false
	}
	for _, r := range k {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// valueOK is the model's value rule: UTF-8 of at most 500 characters, and
// no control characters but tab and line breaks (NUL would be stored by
// one backend and refused by another).
func valueOK(v string) bool {
	return utf8.ValidString(v) && utf8.RuneCountInString(v) <= 500 &&
		!strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' })
}

// modelApply is what Apply should do, or ok=false if the update must fail.
func modelApply(cur metadata.Metadata, fields []metadata.Field) (next metadata.Metadata, ok bool) {
	next = maps.Clone(cur)
	if next == nil {
		next = metadata.Metadata{}
	}
	for _, f := range fields {
		switch {
		case f.Key == "" && f.Value == "":
		case !keyOK(f.Key):
			return nil, false
		case f.Value == "":
			delete(next, f.Key)
		case !valueOK(f.Value):
			return nil, false
		default:
			next[f.Key] = f.Value
		}
	}
	return next, len(next) <= 50
}

// fieldGen draws mostly valid fields over a pool of 60 keys, so updates
// reach the 50-key limit, with the edge cases mixed in.
func fieldGen() *rapid.Generator[metadata.Field] {
	keys := rapid.OneOf(
		rapid.Map(rapid.IntRange(0, 59), func(i int) string { return fmt.Sprintf("k%02d", i) }),
		rapid.SampledFrom([]string{"", strings.Repeat("k", 40), strings.Repeat("k", 41), strings.Repeat("ä", 40), strings.Repeat("ä", 41),
			"[", "]", "a[0]", "\x00", "\t", "\xff", " ", "emoji 🎮"}),
		rapid.String(),
	)
	values := rapid.OneOf(
		rapid.SampledFrom([]string{"", "", "v", "w", strings.Repeat("v", 500), strings.Repeat("v", 501), strings.Repeat("ä", 500), "\xff"}),
		rapid.String(),
	)
	return rapid.Custom(func(t *rapid.T) metadata.Field {
		return metadata.Field{Key: keys.Draw(t, "key"), Value: values.Draw(t, "value")}
	})
}

// cleanFieldGen draws valid fields over the pool, mostly adding keys, so a
// run of updates of them crosses the 50-key limit.
func cleanFieldGen() *rapid.Generator[metadata.Field] {
	return rapid.Custom(func(t *rapid.T) metadata.Field {
		return metadata.Field{
			Key:   fmt.Sprintf("k%02d", rapid.IntRange(0, 59).Draw(t, "key")),
			Value: rapid.SampledFrom([]string{"", "v", "w", "x", "y"}).Draw(t, "value"),
		}
	})
}

// After any sequence of updates the metadata is within the limits; a
// failed update returns the previous state unchanged; Apply never touches
// its input; and Apply agrees with the model.
func TestApplySequence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Start anywhere up to full, so the 50-key limit is often in reach.
		cur := fullMetadata(rapid.IntRange(0, metadata.MaxKeys).Draw(t, "prefill"))
		updates := rapid.IntRange(1, 40).Draw(t, "updates")
		for i := range updates {
			gen := fieldGen()
			if rapid.Bool().Draw(t, fmt.Sprintf("clean%d", i)) {
				gen = cleanFieldGen()
			}
			fields := rapid.SliceOfN(gen, 0, 12).Draw(t, fmt.Sprintf("fields%d", i))
			before := maps.Clone(cur)
			want, ok := modelApply(cur, fields)
			got, err := metadata.Apply(cur, fields)
			if diff := cmp.Diff(before, cur, equateEmpty); diff != "" {
				t.Fatalf("Apply changed its input (-before +after):\n%s", diff)
			}
			if !ok {
				if !errors.Is(err, errs.ErrInvalid) {
					t.Fatalf("Apply(%q) = %v, want ErrInvalid", fields, err)
				}
				if diff := cmp.Diff(before, got, equateEmpty); diff != "" {
					t.Fatalf("failed Apply(%q) returned a changed state (-before +after):\n%s", fields, diff)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Apply(%q) = %v, the model accepts it", fields, err)
			}
			if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
				t.Fatalf("Apply(%q) (-model +got):\n%s", fields, diff)
			}
			if err := metadata.Check(got); err != nil || len(got) > metadata.MaxKeys {
				t.Fatalf("Apply made metadata outside the limits: %d keys, %v", len(got), err)
			}
			cur = got
		}
	})
}

func FuzzApply(f *testing.F) {
	f.Add("vip", "yes", "", "")
	f.Add("k00", "", "[x]", "v")
	f.Add("", "orphan", "a", "b")
	f.Add(strings.Repeat("k", 41), "v", "a\x00", "\xff")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		start := fullMetadata(metadata.MaxKeys - 1)
		before := maps.Clone(start)
		fields := []metadata.Field{{k1, v1}, {k2, v2}}
		got, err := metadata.Apply(start, fields)
		if diff := cmp.Diff(before, start); diff != "" {
			t.Fatalf("Apply changed its input:\n%s", diff)
		}
		want, ok := modelApply(before, fields)
		if !ok {
			if !errors.Is(err, errs.ErrInvalid) || !maps.Equal(got, before) {
				t.Fatalf("Apply(%q) = %v, %v; want ErrInvalid and no change", fields, len(got), err)
			}
			return
		}
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("Apply(%q) = %v, %v; model says %v", fields, got, err, want)
		}
		if err := metadata.Check(got); err != nil {
			t.Fatalf("Apply(%q) made invalid metadata: %v", fields, err)
		}
	})
}

func FuzzCheckKey(f *testing.F) {
	for _, k := range []string{"vip", "", strings.Repeat("k", 40), strings.Repeat("k", 41), "[", "a]", "\x00", "\xff", "ä"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		err := metadata.CheckKey(k)
		if keyOK(k) != (err == nil) {
			t.Fatalf("CheckKey(%q) = %v, model says ok=%v", k, err, keyOK(k))
		}
		if err != nil && !errors.Is(err, errs.ErrInvalid) {
			t.Fatalf("CheckKey(%q) = %v, want ErrInvalid", k, err)
		}
	})
}
