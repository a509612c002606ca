package gameapi

import (
	"time"

	"github.com/playerbase/playerbase/internal/flatjson"
)

// A poll and its acknowledgement are what a game server sends most, every
// few seconds with up to a batch of commands each; encoding/json's
// reflection cost more than leasing and acknowledging the commands. Their
// bodies are written and read here in one pass for the shape they have in
// practice (text that needs no escaping), and by encoding/json otherwise,
// with the same bytes or result either way.

// queuedCommands is a poll's answer.
type queuedCommands []queuedCommand

// appendFlat appends qs as JSON, or reports false if a text needs
// escaping or a time cannot be written.
func (qs queuedCommands) appendFlat(b []byte) ([]byte, bool) {
	if qs == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	// The commands of one purchase share their queued_at: each time after
	// the first is copied from the previous command's, not formatted again.
	var prev time.Time
	var prevText []byte
	for i := range qs {
		if i > 0 {
			b = append(b, ',')
		}
		q := &qs[i]
		var ok bool
		if b, ok = q.appendFlat(b); !ok {
			return nil, false
		}
		// queued_at closes the object: `,"queued_at":"<text>"}`.
		// The same instant in the same location is the same text.
		if prevText != nil && q.QueuedAt.Equal(prev) && q.QueuedAt.Location() == prev.Location() {
			b = append(append(b, prevText...), `"}`...)
			continue
		}
		n := len(b)
		if b, ok = appendTime(b, q.QueuedAt); !ok {
			return nil, false
		}
		prev, prevText = q.QueuedAt, b[n:len(b)-2]
	}
	return append(b, ']'), true
}

// appendTime appends t's text, a closing quote and brace.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	b, err := t.AppendText(b)
	if err != nil {
		return nil, false
	}
	return append(b, `"}`...), true
}

// appendFlat appends q up to the opening quote of its queued_at, or reports
// false if a text needs escaping.
func (q *queuedCommand) appendFlat(b []byte) ([]byte, bool) {
	ok := plain(q.AttemptID) && plain(q.SteamID) && plain(q.Command) &&
		(q.MinecraftUUID == nil || plain(*q.MinecraftUUID)) && (q.CustomerName == nil || plain(*q.CustomerName))
	if !ok {
		return nil, false
	}
	b = appendQuoted(append(b, `{"attempt_id":`...), q.AttemptID)
	if q.SteamID != "" {
		b = appendQuoted(append(b, `,"steam_id":`...), q.SteamID)
	}
	b = appendOptional(append(b, `,"minecraft_uuid":`...), q.MinecraftUUID)
	b = appendOptional(append(b, `,"customer_name":`...), q.CustomerName)
	b = appendQuoted(append(b, `,"command":`...), q.Command)
	if q.OnlineOnly {
		b = append(b, `,"online_only":true`...)
	} else {
		b = append(b, `,"online_only":false`...)
	}
	return append(b, `,"queued_at":"`...), true
}

// appendQuoted appends a plain string in quotes.
func appendQuoted(b []byte, s string) []byte {
	return append(append(append(b, '"'), s...), '"')
}

// appendOptional appends a plain string in quotes, or null.
func appendOptional(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendQuoted(b, *s)
}

// plain reports whether encoding/json writes s as it is.
func plain(s string) bool { return flatjson.Plain(s) }

// attemptRefs is an acknowledgement's body.
type attemptRefs []attemptRef

// scanFlat reads b as encoding/json would into *a, or reports false for a
// body it leaves to encoding/json (a number or an escape in an ID, another
// key, anything malformed).
func (a *attemptRefs) scanFlat(b []byte) bool {
	s := flatjson.New(b)
	out := scanRefs(s, string(b))
	if !s.Done() {
		return false
	}
	*a = out
	return true
}

// scanFlat reads b as encoding/json would into *p, or reports false for a
// body it leaves to encoding/json (failure reports, numeric Steam IDs,
// escapes, other keys, anything malformed).
func (p *pollRequest) scanFlat(b []byte) bool {
	s, in := flatjson.New(b), string(b)
	var out pollRequest
	s.Object(func(key []byte) {
		switch string(key) {
		case "steam_ids":
			out.SteamIDs = scanStrings[lenientString](s, in)
		case "minecraft_uuids":
			out.MinecraftUUIDs = scanStrings[string](s, in)
		case "customer_names":
			out.CustomerNames = scanStrings[string](s, in)
		case "executed":
			out.Executed = scanRefs(s, in)
		default:
			s.Fail()
		}
	})
	if !s.Done() {
		return false
	}
	*p = out
	return true
}

// scanRefs reads [{"attempt_id":…},…] or null from s, whose input is also
// in: every ID is a piece of in (flatjson's LiteralIn), so a batch of
// acknowledgements costs one copy of the body, not an allocation per ID.
func scanRefs(s *flatjson.Scanner, in string) attemptRefs {
	if s.Peek() == 'n' {
		if s.Word() != "null" {
			s.Fail()
		}
		return nil
	}
	out := make(attemptRefs, 0, 128)
	s.Array(func() {
		var r attemptRef
		s.Object(func(key []byte) {
			if string(key) != "attempt_id" {
				s.Fail()
				return
			}
			if s.Peek() == '"' {
				v, _ := s.LiteralIn(in)
				r.AttemptID = lenientString(v)
			} else if s.Word() != "null" {
				s.Fail()
			}
		})
		out = append(out, r)
	})
	return out
}

// scanStrings reads an array of strings or null, as scanRefs.
func scanStrings[T ~string](s *flatjson.Scanner, in string) []T {
	if s.Peek() == 'n' {
		if s.Word() != "null" {
			s.Fail()
		}
		return nil
	}
	out := []T{}
	s.Array(func() {
		v, _ := s.LiteralIn(in)
		out = append(out, T(v))
	})
	return out
}
