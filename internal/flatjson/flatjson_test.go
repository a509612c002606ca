package flatjson

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// LiteralIn reads what Literal reads, as a piece of the input string.
func TestLiteralInIsLiteral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vals := rapid.SliceOf(rapid.String()).Draw(t, "vals")
		b, _ := json.Marshal(vals)
		in := string(b)
		byBytes, byString := New(b), New(b)
		byString.Expect('[')
		byBytes.Array(func() {
			want, wantQuoted := byBytes.Literal()
			got, gotQuoted := byString.LiteralIn(in)
			if byBytes.OK() != byString.OK() || string(want) != got || string(wantQuoted) != string(gotQuoted) {
				t.Fatalf("LiteralIn = %q %q (ok %v), Literal %q %q (ok %v)", got, gotQuoted, byString.OK(), want, wantQuoted, byBytes.OK())
			}
			if byString.Peek() == ',' {
				byString.Next()
			}
		})
	})
}

// Plain holds only where encoding/json writes a string as it is, and for
// all printable ASCII but the five characters it escapes.
func TestPlainIsWhatEncodingJSONLeaves(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, s string) {
		b, _ := json.Marshal(s)
		if Plain(s) && string(b) != `"`+s+`"` {
			t.Fatalf("Plain(%q), but encoding/json writes %s", s, b)
		}
	}
	for c := range 256 {
		s := "a" + string([]byte{byte(c)}) + "b"
		check(t, s)
		check(t, "a"+string(rune(c))+"b")
		if printable := c >= 0x20 && c < 0x7f && !strings.ContainsRune(`"\<>&`, rune(c)); Plain(s) != printable {
			t.Errorf("Plain(%q) = %v", s, Plain(s))
		}
	}
	rapid.Check(t, func(t *rapid.T) { check(t, rapid.String().Draw(t, "s")) })
}
