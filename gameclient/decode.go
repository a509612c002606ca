package gameclient

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeCommands reads a poll's answer. A poll is what a plugin does most,
// and encoding/json spent more on its answer than the server spent
// leasing the commands, so the shape a server sends — an array of flat
// objects whose values are strings without escapes, booleans and nulls —
// is read here in one pass. Anything else (an escape, an unknown or
// differently cased key, a value of another type, malformed JSON) goes to
// encoding/json, which gives the result or the error it always gave.
func decodeCommands(b []byte) ([]Command, error) {
	if cmds, ok := scanCommands(b); ok {
		return cmds, nil
	}
	cmds := make([]Command, 0, pollBatch)
	if err := json.Unmarshal(b, &cmds); err != nil {
		return nil, err
	}
	return cmds, nil
}

// scanner walks JSON text; ok turns false at the first thing it does not
// read, and the caller falls back.
type scanner struct {
	b  []byte
	i  int
	ok bool
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, 0 at the end.
func (s *scanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) {
	if s.peek() != c {
		s.ok = false
		return
	}
	s.i++
}

// literal reads a string without escapes and returns its text, quotes
// excluded.
func (s *scanner) literal() []byte {
	if s.peek() != '"' {
		s.ok = false
		return nil
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			if !utf8.Valid(s.b[start:j]) {
				s.ok = false // encoding/json replaces bad bytes
				return nil
			}
			return s.b[start:j]
		case c == '\\' || c < 0x20:
			s.ok = false
			return nil
		}
	}
	s.ok = false
	return nil
}

// word reads true, false or null.
func (s *scanner) word() string {
	for _, w := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(w)) {
			s.i += len(w)
			return w
		}
	}
	s.ok = false
	return ""
}

func scanCommands(b []byte) ([]Command, bool) {
	s := &scanner{b: b, ok: true}
	s.expect('[')
	cmds := make([]Command, 0, pollBatch)
	if s.peek() == ']' {
		s.i++
	} else {
		for s.ok {
			var c Command
			s.command(&c)
			cmds = append(cmds, c)
			if s.peek() != ',' {
				s.expect(']')
				break
			}
			s.i++
		}
	}
	if s.space(); !s.ok || s.i != len(b) {
		return nil, false
	}
	return cmds, true
}

// command reads one object into c, as encoding/json would: a null leaves
// a field as it was, except a pointer, which it clears.
func (s *scanner) command(c *Command) {
	s.expect('{')
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.ok {
		key := s.literal()
		s.expect(':')
		if !s.ok {
			return
		}
		if s.peek() == '"' {
			start := s.i
			v := s.literal()
			if !s.ok {
				return
			}
			switch string(key) {
			case "attempt_id":
				c.AttemptID = string(v)
			case "steam_id":
				c.SteamID = string(v)
			case "minecraft_uuid":
				c.MinecraftUUID = new(string(v))
			case "customer_name":
				c.CustomerName = new(string(v))
			case "command":
				c.Command = string(v)
			case "queued_at":
				if c.QueuedAt.UnmarshalJSON(s.b[start:s.i]) != nil {
					s.ok = false
				}
			default:
				s.ok = false
			}
		} else {
			switch w := s.word(); {
			case !s.ok:
			case string(key) == "online_only":
				if w != "null" {
					c.OnlineOnly = w == "true"
				}
			case w != "null":
				s.ok = false // a bool where a string belongs
			case string(key) == "minecraft_uuid":
				c.MinecraftUUID = nil
			case string(key) == "customer_name":
				c.CustomerName = nil
			case string(key) == "attempt_id", string(key) == "steam_id", string(key) == "command", string(key) == "queued_at":
			default:
				s.ok = false
			}
		}
		if s.peek() != ',' {
			s.expect('}')
			return
		}
		s.i++
	}
}
