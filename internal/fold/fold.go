package fold

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Version changes whenever a key may change: the leading number with the
// rules here, the rest with the Unicode tables behind them (x/text's
// normalisation and case folding, the standard library's properties).
const Version = "1;nfkc=" + norm.Version + ";fold=" + cases.UnicodeVersion + ";ignorable=" + unicode.Version

// folder is stateless, so one serves every goroutine.
var folder = cases.Fold()

// Name returns the key a player name is compared by.
func Name(s string) string {
	if ascii(s) {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return fixed(s, step)
}

// Email returns the key an email address is compared by: Name's folding,
// and no trailing dot on the domain.
func Email(s string) string {
	if ascii(s) {
		return trimDomainDots(strings.ToLower(strings.TrimSpace(s)))
	}
	return fixed(s, func(s string) string { return trimDomainDots(step(s)) })
}

// fixed applies f until s stops changing. One round almost always
// suffices and a second confirms it, but case folding can undo a normal
// form and removing a code point can let its neighbours compose, so a
// single pass is not always a key.
func fixed(s string, f func(string) string) string {
	for range maxRounds {
		next := f(s)
		if next == s {
			return s
		}
		s = next
	}
	return s
}

// maxRounds bounds fixed; the fuzz and property tests check that no input
// needs more.
const maxRounds = 8

// step is Unicode's compatibility caseless match (D146: NFKD(fold(NFKD(
// fold(NFD(s)))))), ending in NFKC rather than NFKD, which tells the same
// strings apart in fewer bytes, with ignorables dropped before and after.
// Folding decomposed text matters: "ᾀ" folds to "ἀι", so an accent after
// it must already sit on the "α" it belongs to, not be left for the "ι".
func step(s string) string {
	s = strings.Map(dropIgnorable, s)
	s = caseFold(norm.NFD.String(s))
	s = caseFold(norm.NFKD.String(s))
	s = norm.NFKC.String(s)
	s = strings.Map(dropIgnorable, s)
	return strings.TrimSpace(s)
}

// trimDomainDots drops the dots (and any space before them) that end the
// part after the last @.
func trimDomainDots(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	domain := strings.TrimRightFunc(s[at+1:], func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	return s[:at+1] + domain
}

// caseFold is x/text's full case folding, corrected for Cherokee: Unicode
// folds the small letters added in version 8 to the capitals encoded
// before them (case folding is stable), while cases.Fold swaps the two, so
// "Ꭰ" and "ꭰ" would never meet.
func caseFold(s string) string {
	s = folder.String(s)
	return strings.Map(func(r rune) rune {
		if r >= 0x13A0 && unicode.Is(unicode.Cherokee, r) && unicode.IsLower(r) {
			return unicode.ToUpper(r)
		}
		return r
	}, s)
}

func dropIgnorable(r rune) rune {
	if Ignorable(r) {
		return -1
	}
	return r
}

// Ignorable reports whether a key leaves r out: a default-ignorable or
// other invisible format code point (see the package comment).
func Ignorable(r rune) bool {
	switch {
	case unicode.Is(unicode.White_Space, r), unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), unicode.Is(unicode.Variation_Selector, r):
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Older reports whether keys made under version v, a Version of another
// build ("" for keys made before there was folding), predate this build's,
// so that re-folding them moves forward. Versions compare number by
// number; a build meeting newer keys leaves them alone rather than undo a
// newer build's work during a rolling upgrade.
func Older(v string) bool {
	a, b := numbers(v), numbers(Version)
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// numbers returns the runs of decimal digits in s, as numbers.
func numbers(s string) []int {
	var out []int
	n, in := 0, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n, in = n*10+int(s[i]-'0'), true
			continue
		}
		if in {
			out = append(out, n)
		}
		n, in = 0, false
	}
	return out
}
