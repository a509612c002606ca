package gameapi

import (
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
	for i, q := range qs {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = q.appendFlat(b); !ok {
			return nil, false
		}
	}
	return append(b, ']'), true
}

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
	b, err := q.QueuedAt.AppendText(append(b, `,"queued_at":"`...))
	if err != nil {
		return nil, false
	}
	return append(b, `"}`...), true
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

// plain reports whether encoding/json writes s as it is: printable ASCII
// without the characters it escapes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// attemptRefs is an acknowledgement's body.
type attemptRefs []attemptRef

// scanFlat reads b as encoding/json would into *a, or reports false for a
// body it leaves to encoding/json (a number or an escape in an ID, another
// key, anything malformed).
func (a *attemptRefs) scanFlat(b []byte) bool {
	s := flatjson.New(b)
	out := make(attemptRefs, 0, 128)
	s.Array(func() {
		var r attemptRef
		s.Object(func(key []byte) {
			if string(key) != "attempt_id" {
				s.Fail()
				return
			}
			if s.Peek() == '"' {
				v, _ := s.Literal()
				r.AttemptID = lenientString(v)
			} else if s.Word() != "null" {
				s.Fail()
			}
		})
		out = append(out, r)
	})
	if !s.Done() {
		return false
	}
	*a = out
	return true
}
