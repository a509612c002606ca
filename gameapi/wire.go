package gameapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire types follow PayNow's game-server API (field names, types,
// nullability); see the package doc for where they accept more than the
// spec says, because the real plugins send it.

// lenientString is a JSON string that also accepts a number (the spec's
// SteamId "accepts string or numeric format"; a number is read as its
// digits, never through a float) and null (as "").
type lenientString string

func (s *lenientString) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b):
		// The decoder has checked the literal already: without escapes
		// its text is the string (an attempt ID, a Steam ID).
		*s = lenientString(b[1 : len(b)-1])
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = lenientString(v)
		return nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = lenientString(b)
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
}

func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "value"
}

// pollRequest is GetQueuedCommandsWithOnlinePlayersRequestDto, the online
// players, with playerbase's extension: the results of the commands the
// plugin ran since its last poll (executed, failed), recorded before the
// queue is read, so a plugin working through a backlog pays one round trip
// per batch instead of a poll and an acknowledgement.
type pollRequest struct {
	SteamIDs       []lenientString `json:"steam_ids"`
	MinecraftUUIDs []string        `json:"minecraft_uuids"`
	CustomerNames  []string        `json:"customer_names"`
	Executed       attemptRefs     `json:"executed"`
	Failed         []failedAttempt `json:"failed"`
}

// resultsRecorded is the response header that says a poll recorded the
// results its request carried (how many): a client that sees it not, from
// a server without the extension, sends them on their own.
const resultsRecorded = "Playerbase-Results-Recorded"

// queuedCommand is QueuedCommandDto.
type queuedCommand struct {
	AttemptID     string    `json:"attempt_id"`
	SteamID       string    `json:"steam_id,omitempty"`
	MinecraftUUID *string   `json:"minecraft_uuid"`
	CustomerName  *string   `json:"customer_name"`
	Command       string    `json:"command"`
	OnlineOnly    bool      `json:"online_only"`
	QueuedAt      time.Time `json:"queued_at"`
}

// attemptRef is MarkQueuedCommandAsExecutedDto.
type attemptRef struct {
	AttemptID lenientString `json:"attempt_id"`
}

// failedAttempt reports a command that ran and failed (an extension).
type failedAttempt struct {
	AttemptID lenientString `json:"attempt_id"`
	Error     string        `json:"error"`
}

// linkRequest is LinkGameServerRequestDto.
type linkRequest struct {
	IP       string `json:"ip"`
	Hostname string `json:"hostname"`
	Platform string `json:"platform"`
	Version  string `json:"version"`
}

// linkResponse is LinkGameServerResponseDto. The spec spells the update
// flag "update_avaliable"; PayNow's Minecraft plugin reads
// "update_available": both are sent.
type linkResponse struct {
	UpdateAvaliable  bool          `json:"update_avaliable"`
	UpdateAvailable  bool          `json:"update_available"`
	LatestVersion    *string       `json:"latest_version"`
	PreviouslyLinked *previousLink `json:"previously_linked,omitempty"`
	GameServer       minimalServer `json:"gameserver"`
}

type previousLink struct {
	IP           string    `json:"ip"`
	HostName     string    `json:"host_name"`
	LastLinkedAt time.Time `json:"last_linked_at"`
}

// minimalServer is MinimalGameServerDto. id and store_id are decimal
// strings, as PayNow's FlakeIds: the Rust plugin reads both into 64-bit
// integers. playerbase_id is the record's own ID, which clients ignore.
type minimalServer struct {
	ID           string `json:"id"`
	StoreID      string `json:"store_id"`
	Name         string `json:"name"`
	Enabled      bool   `json:"enabled"`
	PlayerbaseID string `json:"playerbase_id"`
}

// event is ReportGameServerEventsEntryDto.
type event struct {
	Event      string      `json:"event"`
	Timestamp  string      `json:"timestamp"`
	PlayerJoin *playerJoin `json:"player_join"`
}

type playerJoin struct {
	IPAddress     string        `json:"ip_address"`
	SteamID       lenientString `json:"steam_id"`
	MinecraftUUID string        `json:"minecraft_uuid"`
	MinecraftName string        `json:"minecraft_name"`
}

// banCheckRequest asks whether a joining player is banned (an extension).
type banCheckRequest struct {
	SteamID       lenientString `json:"steam_id"`
	MinecraftUUID string        `json:"minecraft_uuid"`
	Name          string        `json:"name"`
	IPAddress     string        `json:"ip_address"`
}

type banCheckResponse struct {
	Banned    bool       `json:"banned"`
	BanIDs    []string   `json:"ban_ids"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// payNowError is the spec's PayNowError.
type payNowError struct {
	Status  int               `json:"status"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	TraceID string            `json:"trace_id,omitempty"`
	Errors  []validationError `json:"errors,omitempty"`
}

type validationError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Path       string `json:"path"`
	Validation string `json:"validation"`
}

// bodyError is a request body the handler refuses: too large (413) or not
// the JSON it expects (400, naming the path at fault).
type bodyError struct {
	status int
	errs   []validationError
}

func (e *bodyError) Error() string {
	if len(e.errs) == 0 {
		return http.StatusText(e.status)
	}
	return e.errs[0].Path + ": " + e.errs[0].Message
}

func invalidAt(path, code, validation, msg string) *bodyError {
	return &bodyError{status: http.StatusBadRequest, errs: []validationError{{Code: code, Message: msg, Path: path, Validation: validation}}}
}

// readBody reads the request body under the handler's limit and returns
// it as UTF-8. PayNow's Java plugins build bodies with Apache's
// StringEntity(String), which encodes ISO-8859-1 under a
// "Content-Type: application/json" header: a body that is not valid
// UTF-8 is read as ISO-8859-1 (every byte is a code point), so "José"
// arrives as "José" either way.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	// Read into a buffer of the announced size (an acknowledgement is a
	// few kilobytes), not one grown from 512 bytes step by step; only up to
	// 64 KiB is trusted before it arrives.
	size := int64(512)
	if n := r.ContentLength; n > 0 && n <= limit {
		size = min(n, 64<<10)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	b := buf.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &bodyError{status: http.StatusRequestEntityTooLarge}
		}
		return nil, invalidAt("$", "invalid_body", "body", "the request body could not be read")
	}
	if !utf8.Valid(b) {
		runes := make([]rune, len(b))
		for i, c := range b {
			runes[i] = rune(c)
		}
		b = []byte(string(runes))
	}
	return b, nil
}

// decodeJSON decodes a body into v. An empty body leaves v as it is (the
// spec's request bodies are optional). A syntax error or a value of the
// wrong type is a 400 naming the path.
func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	// The common case, a well-formed body, in one pass without copying
	// it into a decoder (by hand for the flat bodies a server sends every
	// few seconds); a body that fails is decoded again below to name what
	// is wrong with it.
	if f, ok := v.(interface{ scanFlat([]byte) bool }); ok && f.scanFlat(b) {
		return nil
	}
	if json.Unmarshal(b, v) == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return invalidAt("$", "invalid_json", "json", "the body holds more than one JSON value")
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return invalidAt("$", "invalid_json", "json", "malformed JSON at byte "+strconv.FormatInt(syn.Offset, 10)+": "+syn.Error())
	case errors.As(err, &typ):
		path := "$"
		if typ.Field != "" {
			path += "." + typ.Field
		}
		want := typ.Type.String()
		switch {
		case strings.HasPrefix(want, "[]"):
			want = "array"
		case strings.Contains(want, "String"), want == "string":
			want = "string"
		case strings.HasPrefix(want, "gameapi."), strings.HasPrefix(want, "*gameapi."):
			want = "object"
		}
		return invalidAt(path, "invalid_type", "type", "expected "+want+", got "+typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidAt("$", "invalid_json", "json", "the JSON body ends too early")
	}
	return invalidAt("$", "invalid_json", "json", err.Error())
}
