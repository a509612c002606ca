package gameclient

import (
	"encoding/json"

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
	cmds := make([]Command, 0, pollBatch)
	if err := json.Unmarshal(b, &cmds); err != nil {
		return nil, err
	}
	return cmds, nil
}

func scanCommands(b []byte) ([]Command, bool) {
	s := flatjson.New(b)
	cmds := make([]Command, 0, pollBatch)
	s.Array(func() {
		var c Command
		s.Object(func(key []byte) { command(s, &c, string(key)) })
		cmds = append(cmds, c)
	})
	if !s.Done() {
		return nil, false
	}
	return cmds, true
}

// command reads the value of c's member key, as encoding/json would: a
// null leaves a field as it was, except a pointer, which it clears.
func command(s *flatjson.Scanner, c *Command, key string) {
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
			if c.QueuedAt.UnmarshalJSON(quoted) != nil {
				s.Fail()
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
