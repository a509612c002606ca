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
	ok := true
	text := func(s string) {
		if !plain(s) {
			ok = false
		}
		b = append(append(append(b, '"'), s...), '"')
	}
	optional := func(s *string) {
		if s == nil {
			b = append(b, "null"...)
		} else {
			text(*s)
		}
	}
	b = append(b, `{"attempt_id":`...)
	text(q.AttemptID)
	if q.SteamID != "" {
		b = append(b, `,"steam_id":`...)
		text(q.SteamID)
	}
	b = append(b, `,"minecraft_uuid":`...)
	optional(q.MinecraftUUID)
	b = append(b, `,"customer_name":`...)
	optional(q.CustomerName)
	b = append(b, `,"command":`...)
	text(q.Command)
	if q.OnlineOnly {
		b = append(b, `,"online_only":true`...)
	} else {
		b = append(b, `,"online_only":false`...)
	}
	b = append(b, `,"queued_at":"`...)
	var err error
	if b, err = q.QueuedAt.AppendText(b); err != nil {
		return nil, false
	}
	return append(b, `"}`...), ok
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
