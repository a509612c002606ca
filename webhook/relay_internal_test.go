package webhook

import (
	"net/http"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestBackoff: every wait is within [0, min(cap, base·2^failures)], for any
// base, cap and count of failures (no overflow past 62 doublings), and a
// Retry-After lengthens the wait up to the cap, never beyond.
func TestBackoff(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := time.Duration(rapid.Int64Range(1, int64(time.Hour)).Draw(t, "base"))
		cap := time.Duration(rapid.Int64Range(int64(base), int64(48*time.Hour)).Draw(t, "cap"))
		failures := rapid.IntRange(0, 200).Draw(t, "failures")
		retryAfter := time.Duration(rapid.Int64Range(0, int64(72*time.Hour)).Draw(t, "retryAfter"))
		r := &Relay{base: base, cap: cap}
		ceiling := base
		for i := 0; i < failures && ceiling < cap; i++ {
			ceiling *= 2
		}
		ceiling = min(ceiling, cap)
		if w := r.backoff(failures); w < 0 || w > ceiling {
			t.Fatalf("backoff(%d) = %s, want within [0, %s]", failures, w, ceiling)
		}
		w := r.retryWait(failures+1, retryAfter)
		if w > cap || w < min(retryAfter, cap) {
			t.Fatalf("retryWait(Retry-After %s) = %s, want within [%s, %s]", retryAfter, w, min(retryAfter, cap), cap)
		}
	})
}

// TestParseRetryAfter: seconds or an HTTP date; anything else, or a time
// past, is no hint.
func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":     0,
		"120":  2 * time.Minute,
		"0":    0,
		"-5":   0,
		"soon": 0,
		"1.5":  0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
		"99999999999999999999":                            0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
