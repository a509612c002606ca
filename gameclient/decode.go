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

// encodePoll writes a poll's body: the online players and the results it
// reports, {} for none (what encoding/json writes for it). The executed
// IDs, most of a body after a full batch, are written by encodeAcks, the
// rest by encoding/json.
func encodePoll(online Players, done Results) rawJSON {
	others := len(online.SteamIDs) + len(online.MinecraftUUIDs) + len(online.CustomerNames) + len(done.Failed)
	switch {
	case others == 0 && len(done.Executed) == 0:
		return rawJSON("{}")
	case others == 0:
		// What Deliver sends while a backlog lasts: executed IDs alone.
		return append(append([]byte(`{"executed":`), encodeAcks(done.Executed)...), '}')
	}
	b, _ := json.Marshal(pollBody{Players: online, Failed: done.Failed}) // strings always encode
	if len(done.Executed) == 0 {
		return b
	}
	b = append(b[:len(b)-1], ',') // reopened after its last member
	b = append(append(b, `"executed":`...), encodeAcks(done.Executed)...)
	return append(b, '}')
}

// pollBody is a poll's body but its executed IDs.
type pollBody struct {
	Players
	Failed []Failure `json:"failed,omitempty"`
}

// scan is a poll answer's reading state. The answer is made a string once
// and every text is a piece of it (flatjson's LiteralIn), and the optional
// texts' pointers point into one slice: a batch of commands costs a few
// allocations, not several per command. The commands of one purchase share
// a queued_at, whose text is parsed once.
type scan struct {
	*flatjson.Scanner
	in       string
	optional []string
	atText   []byte
	at       time.Time
}

func scanCommands(b []byte) ([]Command, bool) {
	s := scan{Scanner: flatjson.New(b), in: string(b)}
	// A command takes some 200 bytes of the answer: room for all of them
	// at once, and none for an empty queue's [].
	n := min(pollBatch, len(b)/128)
	cmds := make([]Command, 0, n)
	s.optional = make([]string, 0, 2*n)
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

// text returns a pointer to v, stored in s.optional. (An answer longer
// than estimated grows the slice; the pointers already taken still point
// at their texts, in the array they came from.)
func (s *scan) text(v string) *string {
	s.optional = append(s.optional, v)
	return &s.optional[len(s.optional)-1]
}

// command reads the value of c's member key, as encoding/json would: a
// null leaves a field as it was, except a pointer, which it clears.
func command(s *scan, c *Command, key string) {
	if s.Peek() == '"' {
		v, quoted := s.LiteralIn(s.in)
		if !s.OK() {
			return
		}
		switch key {
		case "attempt_id":
			c.AttemptID = v
		case "steam_id":
			c.SteamID = v
		case "minecraft_uuid":
			c.MinecraftUUID = s.text(v)
		case "customer_name":
			c.CustomerName = s.text(v)
		case "command":
			c.Command = v
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
