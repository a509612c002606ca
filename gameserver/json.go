package gameserver

import "github.com/playerbase/playerbase/internal/jsonx"

// MarshalJSON writes the server as docs/json.md shows it: absent times
// left out, times in UTC, never the token hash.
func (s Server) MarshalJSON() ([]byte, error) {
	type plain Server
	return jsonx.Marshal(plain(s))
}
