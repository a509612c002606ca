package gameclient

import (
	"bytes"
	"encoding/json"

	"time"

	"github.com/playerbase/playerbase/internal/flatjson"
)

// decodeCommands reads a poll's answer. A poll is what a plugin does most,
// and encoding/json spent more on its answer than the server spent
// leasing the commands, so the shape a server sends is read in one pass
// (flatjson); anything else (an escape, an unknown or differently cased
// key, a value of another type, malformed JSON) goes to encoding/json,
// which gives the result or the error it always gave.
func decodeCommands(b []byte) ([]Command, error) {
	if cmds, ok := scanCommands(b); ok {
		return cmds, nil
	}
	var cmds []Command
	if err := json.Unmarshal(b, &cmds); err != nil {
		return nil, err
	}
	return cmds, nil
}

// encodeAcks writes an acknowledgement's body, [{"attempt_id":…},…], by
// hand for IDs that need no escaping (every ID a server hands out), else
// by encoding/json: the same bytes either way.
func encodeAcks(ids []string) rawJSON {
	const open, closing = `{"attempt_id":"`, `"}`
	n := 2
	for _, id := range ids {
		if !flatjson.Plain(id) {
			refs := make([]attemptRef, len(ids))
			for i, id := range ids {
				refs[i].AttemptID = id
			}
			b, _ := json.Marshal(refs) // strings always encode
			return b
		}
		n += len(open) + len(id) + len(closing) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, open...), id...), closing...)
	}
	return append(b, ']')
}

// scan is a poll answer's reading state: the commands of one purchase
// share a queued_at, whose text is parsed once.
type scan struct {
	*flatjson.Scanner
	atText []byte
	at     time.Time
}

func scanCommands(b []byte) ([]Command, bool) {
	s := scan{Scanner: flatjson.New(b)}
	// A command takes some 200 bytes of the answer: room for all of them
	// at once, and none for an empty queue's [].
	cmds := make([]Command, 0, min(pollBatch, len(b)/128))
	s.Array(func() {
		var c Command
		s.Object(func(key []byte) { command(&s, &c, string(key)) })
		cmds = append(cmds, c)
	})
	if !s.Done() {
		return nil, false
	}
	return cmds, true
}

// command reads the value of c's member key, as encoding/json would: a
// null leaves a field as it was, except a pointer, which it clears.
func command(s *scan, c *Command, key string) {
	if s.Peek() == '"' {
		v, quoted := s.Literal()
		if !s.OK() {
			return
		}
		switch key {
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
			if s.atText != nil && bytes.Equal(quoted, s.atText) {
				c.QueuedAt = s.at
			} else if c.QueuedAt.UnmarshalJSON(quoted) != nil {
				s.Fail()
			} else {
				s.atText, s.at = quoted, c.QueuedAt
			}
		default:
			s.Fail()
		}
		return
	}
	switch w := s.Word(); {
	case !s.OK():
	case key == "online_only":
		if w != "null" {
			c.OnlineOnly = w == "true"
		}
	case w != "null":
		s.Fail() // a bool where a string belongs
	case key == "minecraft_uuid":
		c.MinecraftUUID = nil
	case key == "customer_name":
		c.CustomerName = nil
	case key == "attempt_id", key == "steam_id", key == "command", key == "queued_at":
	default:
		s.Fail()
	}
}
