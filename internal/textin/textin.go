package textin

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
)

// Clean returns machine text fit to store, at most max bytes: invalid
// UTF-8 replaced with U+FFFD, control characters but "\n" and "\t"
// dropped, surrounding white space trimmed.
func Clean(s string, max int) string { return clean(s, max, keepMultiline) }

// CleanLine is Clean for one-line text: "\n" and "\t" are dropped too.
func CleanLine(s string, max int) string { return clean(s, max, keepNone) }

func keepMultiline(r rune) bool { return r == '\n' || r == '\t' }
func keepNone(rune) bool        { return false }

func clean(s string, max int, keep func(rune) bool) string {
	if fine(s, keep) {
		// The common case, clean already: no copy.
		return cut(strings.TrimSpace(s), max)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte ranges as utf8.RuneError, U+FFFD
		if !unicode.IsControl(r) || keep(r) {
			b.WriteRune(r)
		}
	}
	return cut(strings.TrimSpace(b.String()), max)
}

func fine(s string, keep func(rune) bool) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !keep(r) })
}

// cut shortens valid UTF-8 s to at most max bytes without splitting a rune,
// then trims the white space the cut may have left at the end.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.TrimRightFunc(s[:i], unicode.IsSpace)
}

// CheckText refuses, for field, text that is not valid UTF-8 or holds a
// control character other than "\t", "\n" and "\r".
func CheckText(field, s string) error {
	return check(field, s, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' },
		"must not contain control characters such as NUL")
}

// CheckLine refuses, for field, text that is not valid UTF-8 or holds any
// control character, line breaks and tabs included.
func CheckLine(field, s string) error {
	return check(field, s, keepNone, "must be one line without control characters")
}

func check(field, s string, keep func(rune) bool, reason string) error {
	if !utf8.ValidString(s) {
		return errs.Invalid(field, strings.ToValidUTF8(s, "\uFFFD"), "not valid UTF-8")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !keep(r) }) {
		return errs.Invalid(field, s, reason)
	}
	return nil
}

// Bounds of a time that enters from outside or is computed from input.
var (
	// MinTime is the first instant of year 1, Go's zero time.
	MinTime = time.Time{}.UTC()
	// MaxTime is the last microsecond of year 9999, UTC.
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// CheckTime refuses, for field, a time before MinTime or after MaxTime.
func CheckTime(field string, t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		// RFC 3339 with more year digits where needed, so the error shows
		// what was refused.
		return errs.Invalid(field, t.UTC().Format(time.RFC3339Nano), "want a time from year 1 to 9999")
	}
	return nil
}
