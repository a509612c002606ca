package gameapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// PayNow's Java plugins send ISO-8859-1 under "application/json": such a
// body is read as Latin-1, valid UTF-8 as it is.
func TestReadBodyLatin1(t *testing.T) {
	for in, want := range map[string]string{
		`["Jos` + "\xe9" + `"]`: `["José"]`,
		`["José"]`:              `["José"]`,
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(in))
		b, err := readBody(httptest.NewRecorder(), r, 1<<10)
		if err != nil || string(b) != want {
			t.Errorf("readBody(%q) = %q, %v; want %q", in, b, err, want)
		}
	}
}
