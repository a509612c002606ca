package textin_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/textin"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in, want, line string
		max            int
	}{
		// A Latin-1 colour code a console prints: one invalid byte.
		{in: "Unknown item \xa7cDiamond", want: "Unknown item \uFFFDcDiamond", max: 100},
		{in: "a\x00b\x01c\x7fd\u0085e", want: "abcde", max: 100},
		{in: "line 1\r\nline 2\tx", want: "line 1\nline 2\tx", line: "line 1line 2x", max: 100},
		{in: "  \x00 padded \n", want: "padded", max: 100},
		// The cut never splits a rune and leaves no trailing space.
		{in: "aé", want: "a", max: 2},
		{in: "ab cd", want: "ab", max: 3},
		{in: "日本語", want: "日", max: 5},
		{in: "anything", want: "", max: 0},
	} {
		if got := textin.Clean(tc.in, tc.max); got != tc.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		line := tc.line
		if line == "" {
			line = tc.want
		}
		if got := textin.CleanLine(tc.in, tc.max); got != line {
			t.Errorf("CleanLine(%q, %d) = %q, want %q", tc.in, tc.max, got, line)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, s := range []string{"", "Chargeback fraud", "line 1\r\nline 2\twith tab", "日本語 ok", "zero\u200bwidth"} {
		if err := textin.CheckText("reason", s); err != nil {
			t.Errorf("CheckText(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"nul\x00", "bad \xa7c byte", "bell\a", "del\x7f", "c1\u0085", "esc\x1b[31m"} {
		var ie *errs.InvalidError
		if err := textin.CheckText("reason", s); !errors.As(err, &ie) || ie.Field != "reason" {
			t.Errorf("CheckText(%q) = %v, want an *errs.InvalidError for reason", s, err)
		} else if !utf8.ValidString(ie.Value) {
			t.Errorf("CheckText(%q) error shows %q, not valid UTF-8", s, ie.Value)
		}
	}
	for _, s := range []string{"a\nb", "a\tb", "a\rb", "nul\x00"} {
		if err := textin.CheckLine("actor", s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("CheckLine(%q) = %v, want ErrInvalid", s, err)
		}
	}
	if err := textin.CheckLine("actor", "admin:alice 日本"); err != nil {
		t.Errorf("CheckLine = %v", err)
	}
}

func TestCheckTime(t *testing.T) {
	for _, ok := range []time.Time{textin.MaxTime, textin.MinTime, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		// The same instant as MaxTime, seen from a zone east of UTC.
		textin.MaxTime.In(time.FixedZone("+05", 5*3600))} {
		if err := textin.CheckTime("expires_at", ok); err != nil {
			t.Errorf("CheckTime(%v) = %v", ok, err)
		}
		if _, err := json.Marshal(ok.UTC()); err != nil {
			t.Errorf("json.Marshal(%v): %v; the bound must hold in JSON", ok, err)
		}
	}
	for _, bad := range []time.Time{
		textin.MaxTime.Add(time.Microsecond), textin.MaxTime.Add(time.Nanosecond),
		time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC), textin.MinTime.Add(-time.Nanosecond),
	} {
		var ie *errs.InvalidError
		if err := textin.CheckTime("expires_at", bad); !errors.As(err, &ie) || ie.Field != "expires_at" {
			t.Errorf("CheckTime(%v) = %v, want an *errs.InvalidError for expires_at", bad, err)
		}
	}
	// Why the bound is where it is: JSON cannot hold the next year.
	if _, err := json.Marshal(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("json.Marshal holds year 10000; the bound could move")
	}
}

var textSeeds = []string{
	"", "ok", "Unknown item \xa7cDiamond", "nul\x00", "\x00\x00", "crlf\r\n", " \t lead and trail \n ",
	"\xff\xfe", "é", "e\u0301", "\u0085c1", "\u200b", strings.Repeat("x", 40) + "é", "\xed\xa0\x80 surrogate",
}

func FuzzClean(f *testing.F) {
	for i, s := range textSeeds {
		f.Add(s, i*3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max % 64
		if max < 0 {
			max = -max
		}
		for _, fn := range []struct {
			name  string
			clean func(string, int) string
			kept  string
		}{{"Clean", textin.Clean, "\n\t"}, {"CleanLine", textin.CleanLine, ""}} {
			got := fn.clean(s, max)
			if !utf8.ValidString(got) || len(got) > max {
				t.Fatalf("%s(%q, %d) = %q: not valid UTF-8 within %d bytes", fn.name, s, max, got, max)
			}
			if strings.ContainsFunc(got, func(r rune) bool { return unicode.IsControl(r) && !strings.ContainsRune(fn.kept, r) }) {
				t.Fatalf("%s(%q, %d) = %q keeps a control character", fn.name, s, max, got)
			}
			if got != strings.TrimSpace(got) {
				t.Fatalf("%s(%q, %d) = %q: not trimmed", fn.name, s, max, got)
			}
			// Deterministic and stable: a retried reference cleans to the
			// stored one, and a stored one cleans to itself.
			if again := fn.clean(got, max); again != got {
				t.Fatalf("%s(%q) = %q, but %s of that = %q", fn.name, s, got, fn.name, again)
			}
			if textin.CheckLine("f", s) == nil && len(strings.TrimSpace(s)) <= max && got != strings.TrimSpace(s) {
				t.Fatalf("%s(%q) = %q changed clean text", fn.name, s, got)
			}
		}
	})
}

func FuzzCheck(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, line := textin.CheckText("f", s), textin.CheckLine("f", s)
		for _, err := range []error{text, line} {
			var ie *errs.InvalidError
			if err != nil && (!errors.As(err, &ie) || ie.Field != "f") {
				t.Fatalf("check(%q) = %v, want an *errs.InvalidError naming f", s, err)
			}
		}
		if line == nil && text != nil {
			t.Fatalf("CheckLine accepts %q but CheckText refuses it: %v", s, text)
		}
		// What CheckText accepts is what a backend stores: UTF-8 without NUL.
		if text == nil && (!utf8.ValidString(s) || strings.ContainsRune(s, 0)) {
			t.Fatalf("CheckText accepts %q", s)
		}
		if line == nil && textin.CleanLine(s, len(s)) != strings.TrimSpace(s) {
			t.Fatalf("CheckLine accepts %q but cleaning changes it", s)
		}
	})
}
