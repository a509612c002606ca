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

// special must say exactly whether a byte loop would stop at one of the
// eight bytes: a missed quote would read past a literal's end.
func TestSpecialIsBytewise(t *testing.T) {
	stopsAt := func(x uint64) bool {
		for range 8 {
			if c := byte(x); c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
				return true
			}
			x >>= 8
		}
		return false
	}
	check := func(t interface{ Fatalf(string, ...any) }, x uint64) {
		if got := special(x); got != stopsAt(x) {
			t.Fatalf("special(%#016x) = %v", x, got)
		}
	}
	// Every byte in every position, among plain ones and next to each
	// of the bytes a borrow could start at.
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']', 0x00, 0x1f, '"', '\\', 0x80, 0xff} {
				x := uint64(0)
				for i := range 8 {
					b := fill
					if i == pos {
						b = byte(c)
					}
					x |= uint64(b) << (8 * i)
				}
				check(t, x)
			}
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		var x uint64
		for i := range 8 {
			b := rapid.OneOf(rapid.Byte(), rapid.ByteRange(0x1e, 0x23), rapid.ByteRange(0x5a, 0x5e), rapid.ByteRange(0x7e, 0x81)).Draw(t, "byte")
			x |= uint64(b) << (8 * i)
		}
		check(t, x)
	})
}
