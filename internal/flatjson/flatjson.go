// Package flatjson reads the flat JSON of the game-server wire format —
// arrays of objects whose values are strings without escapes, booleans
// and nulls — in one pass, for the requests a game server makes on every
// poll, where encoding/json's reflection cost more than the work asked.
//
// It reads only that shape (and Plain says which strings a writer may
// quote by hand): at the first thing it does not read (an
// escape, a number, a nested value, malformed JSON) a Scanner stops being
// OK and the caller hands the whole body to encoding/json, which gives the
// result or the error it always gave. Callers show with a test that the
// two agree.
package flatjson

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// Plain reports whether encoding/json writes s as it is, so a writer can
// quote it by hand: printable ASCII without the characters it escapes.
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			return false
		}
	}
	return true
}

// plain are the bytes Plain accepts, one load each rather than six tests.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// Scanner walks JSON text.
type Scanner struct {
	b  []byte
	i  int
	ok bool
}

// New returns a Scanner at the start of b.
func New(b []byte) *Scanner { return &Scanner{b: b, ok: true} }

// OK reports whether everything so far was read.
func (s *Scanner) OK() bool { return s.ok }

// Fail marks the input as one the Scanner does not read.
func (s *Scanner) Fail() { s.ok = false }

func (s *Scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// Peek returns the next byte after whitespace, 0 at the end.
func (s *Scanner) Peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// Next consumes the byte Peek returned.
func (s *Scanner) Next() { s.i++ }

// Expect consumes c, or fails.
func (s *Scanner) Expect(c byte) {
	if s.Peek() != c {
		s.ok = false
		return
	}
	s.i++
}

// Literal reads a string without escapes and returns its text and the
// literal with its quotes; it fails on an escape, a control character or
// bytes that are not UTF-8 (which encoding/json would replace).
func (s *Scanner) Literal() (text, quoted []byte) {
	if s.Peek() != '"' {
		s.ok = false
		return nil, nil
	}
	start := s.i + 1
	// Eight bytes at a time while none is a quote, an escape, a control
	// character or outside ASCII: the text of nearly every literal here (an
	// ID, a name, a command, a time, a few dozen bytes).
	j := start
	for ; j+8 <= len(s.b) && !special(binary.LittleEndian.Uint64(s.b[j:])); j += 8 {
	}
	// Then a byte at a time to the closing quote, stopping at an escape or
	// a control character and noting whether any byte is outside ASCII:
	// only then is the text checked for UTF-8.
	var high byte
	for ; j < len(s.b); j++ {
		c := s.b[j]
		if !stops[c] {
			high |= c
			continue
		}
		if c != '"' || high >= utf8.RuneSelf && !utf8.Valid(s.b[start:j]) {
			break
		}
		s.i = j + 1
		return s.b[start:j], s.b[start-1 : j+1]
	}
	s.ok = false
	return nil, nil
}

// special reports whether any of the eight bytes in x is one a Literal's
// byte loop must look at: a quote, a backslash, a control character, or a
// byte outside ASCII. (From Bit Twiddling Hacks: subtracting n from every
// byte borrows into the high bit of those below n, when that bit was
// clear; a borrow only ever starts at such a byte, so the test is exact
// for "is there one".)
func special(x uint64) bool {
	return x&highBits|below(x, 0x20)|below(x^('"'*oneBits), 1)|below(x^('\\'*oneBits), 1) != 0
}

// below has a byte's high bit set if that byte of x is below n (n ≤ 128,
// high bit of the byte clear).
func below(x uint64, n byte) uint64 { return (x - uint64(n)*oneBits) &^ x & highBits }

const oneBits, highBits = 0x0101010101010101, 0x8080808080808080

// stops are the bytes a Literal stops at: its closing quote, and what it
// does not read (an escape, a control character).
var stops = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// LiteralIn is Literal for a reader that holds its input also as in, a
// string of the same bytes: the text comes back as a piece of in, so a
// reader that converts its input once reads every string without
// allocating (the strings keep all of in alive).
func (s *Scanner) LiteralIn(in string) (text string, quoted []byte) {
	t, q := s.Literal()
	if !s.ok {
		return "", nil
	}
	end := s.i - 1 // the closing quote
	return in[end-len(t) : end], q
}

// Word reads true, false or null.
func (s *Scanner) Word() string {
	s.space()
	for _, w := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(w)) {
			s.i += len(w)
			return w
		}
	}
	s.ok = false
	return ""
}

// Array reads an array, calling elem for each element; elem reads it.
func (s *Scanner) Array(elem func()) {
	s.Expect('[')
	if s.Peek() == ']' {
		s.i++
		return
	}
	for s.ok {
		elem()
		if s.Peek() != ',' {
			s.Expect(']')
			return
		}
		s.i++
	}
}

// Object reads an object, calling member with each key; member reads the
// value.
func (s *Scanner) Object(member func(key []byte)) {
	s.Expect('{')
	if s.Peek() == '}' {
		s.i++
		return
	}
	for s.ok {
		key, _ := s.Literal()
		s.Expect(':')
		if !s.ok {
			return
		}
		member(key)
		if s.Peek() != ',' {
			s.Expect('}')
			return
		}
		s.i++
	}
}

// Done reports whether everything was read and nothing but whitespace
// follows.
func (s *Scanner) Done() bool {
	s.space()
	return s.ok && s.i == len(s.b)
}
