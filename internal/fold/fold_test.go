package fold_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/internal/fold"
)

// The look-alikes of docs/RULES.md and of the ban-dodging report: each must fold
// to the key of the name it imitates.
var nameVariants = []struct{ variant, of string }{
	{"Garry\u034F", "Garry"},     // combining grapheme joiner
	{"Garry\uFE0F", "Garry"},     // variation selector 16
	{"Garry\u3164", "Garry"},     // Hangul filler
	{"Garry\uFFA0", "Garry"},     // halfwidth Hangul filler
	{"Gar\u115Fry", "Garry"},     // Hangul choseong filler
	{"Gar\u1160ry", "Garry"},     // Hangul jungseong filler
	{"G\u200Barry", "Garry"},     // zero width space
	{"Ga\u200Drry", "Garry"},     // zero width joiner
	{"Garr\u00ADy", "Garry"},     // soft hyphen
	{"\u2060Garry", "Garry"},     // word joiner
	{"Garry\U000E0001", "Garry"}, // language tag
	{"Ｇａｒｒｙ", "Garry"},           // fullwidth
	{"ＧＡＲＲＹ", "garry"},
	{"  GARRY\u3000", "garry"},  // ideographic space, trimmed
	{"Jose\u0301", "Jos\u00e9"}, // NFD vs NFC
	{"JOSE\u0301", "jos\u00e9"},
	{"Jos\u034Fe\u0301", "José"}, // a joiner between base and accent
	{"ΣΟΦΟΣ", "σοφος"},
	{"ΣΟΦΟΣ", "σοφοσ"},
	{"STRASSE", "straße"},
	{"STRAẞE", "strasse"},            // capital sharp s
	{"ǅemal", "DŽEMAL"},              // a titlecase digraph
	{"Ⅻ", "xii"},                     // a Roman numeral
	{"\u212Aelvin", "kelvin"},        // Kelvin sign
	{"\uab70\uab83", "\u13a0\u13b3"}, // Cherokee, which folds to capitals
}

var emailVariants = []struct{ variant, of string }{
	{"bob@example.com.", "bob@example.com"},
	{"bob@example.com..", "bob@example.com"},
	{"ｂｏｂ@example.com", "bob@example.com"},
	{"ＢＯＢ＠ＥＸＡＭＰＬＥ．ＣＯＭ．", "bob@example.com"},
	{"Bob\u200B@Example.com", "bob@example.com"},
	{"  BOB@EXAMPLE.COM  ", "bob@example.com"},
	{"STRASSE@example.com", "straße@example.com"},
	{"bob@Example.com\uFE0F.", "bob@example.com"},
}

func TestVariantsMeet(t *testing.T) {
	for _, v := range nameVariants {
		if got, want := fold.Name(v.variant), fold.Name(v.of); got != want {
			t.Errorf("Name(%+q) = %+q, Name(%+q) = %+q; want equal", v.variant, got, v.of, want)
		}
	}
	for _, v := range emailVariants {
		if got, want := fold.Email(v.variant), fold.Email(v.of); got != want {
			t.Errorf("Email(%+q) = %+q, Email(%+q) = %+q; want equal", v.variant, got, v.of, want)
		}
	}
}

// Distinct names stay distinct: folding merges look-alikes, not names.
func TestDistinctStayDistinct(t *testing.T) {
	for _, p := range [][2]string{
		{"Garry", "Gary"}, {"José", "Jose"}, {"garry", "garry2"}, {"Gar ry", "Garry"},
		{"bob@example.com", "bob@example.co"}, {"bob.@example.com", "bob@example.com"},
		{"ι", "ϊ"}, {"\u0600garry", "garry"}, // a visible Arabic number sign
	} {
		if fold.Name(p[0]) == fold.Name(p[1]) {
			t.Errorf("Name(%+q) == Name(%+q)", p[0], p[1])
		}
	}
}

func TestEmptyAfterFolding(t *testing.T) {
	for _, s := range []string{"", " ", "\u3164", "\u034F\uFE0F", "\u200B\u3000", "\uFFA0\u115F"} {
		if got := fold.Name(s); got != "" {
			t.Errorf("Name(%+q) = %+q, want empty", s, got)
		}
	}
}

func TestIgnorable(t *testing.T) {
	for _, r := range []rune{0x34F, 0xAD, 0x115F, 0x1160, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x2060,
		0x2064, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFFA0, 0xE0001, 0xE0020, 0xE0100, 0x1D173} {
		if !fold.Ignorable(r) {
			t.Errorf("Ignorable(%U) = false", r)
		}
	}
	for _, r := range []rune{'a', ' ', '\t', 0xA0, 0x3000, 0x2800, 0x600, 0x6DD, 0x301, 'Σ', 0xFFFD} {
		if fold.Ignorable(r) {
			t.Errorf("Ignorable(%U) = true", r)
		}
	}
}

// Every Default_Ignorable_Code_Point is left out of keys: the derivation
// from the tables (Other_Default_Ignorable_Code_Point, Cf and
// Variation_Selector, less White_Space and the visible format marks),
// checked over all of Unicode.
func TestIgnorableCoversDerivation(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		derived := (unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Variation_Selector, r)) &&
			!unicode.Is(unicode.White_Space, r) && !unicode.Is(unicode.Prepended_Concatenation_Mark, r)
		if derived != fold.Ignorable(r) {
			t.Errorf("Ignorable(%U) = %v, derived %v", r, fold.Ignorable(r), derived)
		}
	}
}

func checkKey(t interface{ Fatalf(string, ...any) }, s string) {
	for name, f := range map[string]func(string) string{"Name": fold.Name, "Email": fold.Email} {
		k := f(s)
		if again := f(k); again != k {
			t.Fatalf("%s(%+q) = %+q, which folds to %+q", name, s, k, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(k) {
			t.Fatalf("%s(%+q) = %+q, not UTF-8", name, s, k)
		}
		if i := strings.IndexFunc(k, fold.Ignorable); i >= 0 {
			t.Fatalf("%s(%+q) = %+q keeps an ignorable code point", name, s, k)
		}
		if k != strings.TrimSpace(k) {
			t.Fatalf("%s(%+q) = %+q, untrimmed", name, s, k)
		}
	}
	if n, slow := fold.Name(s), fold.SlowName(s); n != slow {
		t.Fatalf("Name(%+q) = %+q, the long way %+q", s, n, slow)
	}
	if e, slow := fold.Email(s), fold.SlowEmail(s); e != slow {
		t.Fatalf("Email(%+q) = %+q, the long way %+q", s, e, slow)
	}
	if e := fold.Email(s); strings.Contains(e, "@") && strings.HasSuffix(e, ".") {
		t.Fatalf("Email(%+q) = %+q keeps a trailing dot", s, e)
	}
}

func FuzzFold(f *testing.F) {
	for _, v := range nameVariants {
		f.Add(v.variant)
		f.Add(v.of)
	}
	for _, v := range emailVariants {
		f.Add(v.variant)
		f.Add(v.of)
	}
	for _, s := range []string{"", "\xff", "Garry\xff\u034F", "ǰ", "\u0345", "ΐ", "ﷺ", "ß\u0301", "İ", "a@", "@.", "a@ . ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkKey(t, s) })
}

// tricky draws text rich in what folding touches: case pairs, combining
// marks, compatibility forms, ignorables, spaces, dots and @.
var tricky = rapid.SampledFrom([]rune{
	'a', 'A', 'e', 'E', 'i', 'I', 'j', 's', 'S', 'k', 'K', '.', '@', ' ', 'ß', 'ẞ', 'ſ', 'ı', 'İ', 'ǰ', 'ǅ', 'Ǆ',
	'Σ', 'σ', 'ς', 'ΐ', 'ᾳ', 'ᾼ', 'Ω', '\u2126', '\u212A', 'Ｇ', 'ｇ', '＠', '．', 'ﬀ', 'ﬃ', 'Ⅻ', '㎒', 'ﷺ',
	'\u0301', '\u0307', '\u0308', '\u030C', '\u0345', '\u0323', '\u034F', '\uFE0F', '\u200B', '\u200D',
	'\u3164', '\uFFA0', '\u115F', '\u1160', '\u00AD', '\u3000', '\u00A0', '가', '\u1100', '\u1161', '\u11A8',
})

func trickyString() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.StringOf(tricky),
		rapid.String(),
		rapid.StringOf(rapid.RuneFrom(nil, unicode.Latin, unicode.Greek, unicode.Mn, unicode.Cf)),
	)
}

func TestKeysAreFixedPoints(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { checkKey(t, trickyString().Draw(t, "s")) })
}

func TestASCIIShortPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		checkKey(t, rapid.StringOf(rapid.RuneFrom(nil, &unicode.RangeTable{R16: []unicode.Range16{{0, 0x7f, 1}}})).Draw(t, "s"))
	})
}

// Normalisation and case variants of any text fold equal to it, and so do
// copies with ignorable code points slipped in anywhere.
func TestVariantsFoldEqual(t *testing.T) {
	ign := rapid.SampledFrom([]string{"\u034F", "\uFE0F", "\u3164", "\uFFA0", "\u115F", "\u1160", "\u200B", "\u2060", "\u00AD", "\U000E0041"})
	rapid.Check(t, func(t *rapid.T) {
		// Ignorables come in below; drawn ones would block reordering in
		// the variants that the keys' removal of them allows.
		s := strings.Map(func(r rune) rune {
			if fold.Ignorable(r) {
				return -1
			}
			return r
		}, trickyString().Draw(t, "s"))
		if !utf8.ValidString(s) {
			t.Skip("variants of invalid UTF-8 are not text")
		}
		want := fold.Name(s)
		variants := map[string]string{
			"NFC": norm.NFC.String(s), "NFD": norm.NFD.String(s), "NFKC": norm.NFKC.String(s), "NFKD": norm.NFKD.String(s),
			"folded": cases.Fold().String(norm.NFD.String(s)),
		}
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			if rapid.Bool().Draw(t, "insert") {
				b.WriteString(ign.Draw(t, "ignorable"))
			}
		}
		variants["with ignorables"] = b.String()
		for name, v := range variants {
			if got := fold.Name(v); got != want {
				t.Fatalf("Name of %s %+q = %+q; Name(%+q) = %+q", name, v, got, s, want)
			}
		}
	})
}

// One round of folding already gives a key, for every code point alone and
// after a base letter: the repetition in Name is a safety net, not what
// makes keys stable.
func TestOneRoundIsAKey(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r) {
			continue
		}
		for _, s := range []string{string(r), "a" + string(r), "A" + string(r) + "\u0301"} {
			k := fold.Step(s)
			if again := fold.Step(k); again != k {
				t.Fatalf("Step(%+q) = %+q, Step of that %+q", s, k, again)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		s := trickyString().Draw(t, "s")
		if k := fold.Step(s); fold.Step(k) != k {
			t.Fatalf("Step(%+q) = %+q, Step of that %+q", s, k, fold.Step(k))
		}
	})
}

func TestOlder(t *testing.T) {
	for v, want := range map[string]bool{
		"": true, // lower-cased keys, from before folding
		"0;nfkc=99.0.0;fold=99.0.0;ignorable=99.0.0": true,
		fold.Version: false,
		"1;nfkc=15.0.0;fold=15.0.0;ignorable=9.0.0":  true,
		"1;nfkc=17.0.0;fold=17.0.0;ignorable=17.0.0": false, // a newer build's
		"2": false,
	} {
		if got := fold.Older(v); got != want {
			t.Errorf("Older(%q) = %v, want %v", v, got, want)
		}
	}
}
