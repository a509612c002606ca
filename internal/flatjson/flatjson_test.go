package flatjson

import (
	"encoding/json"
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
