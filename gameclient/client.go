package gameclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase/internal/textin"
)

// Config configures a Client.
type Config struct {
	// BaseURL is where the host mounts the game-server API, e.g.
	// "https://store.example.com" (paths start with /v1/delivery).
	BaseURL string
	// Token is the secret the store owner was shown when the game server
	// was created.
	Token string
	// HTTPClient sends the requests. Default: one client of
	// NewHTTPClient's that every Client without its own shares, as
	// net/http's own clients share http.DefaultTransport (and with it
	// their idle connections).
	HTTPClient *http.Client
	// Journal remembers which commands ran, across restarts. Default: a
	// MemoryJournal, which protects only within one process; a plugin
	// should pass a FileJournal.
	Journal Journal
}

// Client talks to a playerbase (or PayNow-compatible) game-server API. It
// is safe for concurrent use, but Deliver should run in one loop per
// server.
type Client struct {
	base    string
	auth    string
	http    *http.Client
	journal Journal
}

// New returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" || cfg.Token == "" {
		return nil, errors.New("gameclient: BaseURL and Token are required")
	}
	c := &Client{base: strings.TrimRight(cfg.BaseURL, "/"), auth: "Gameserver " + cfg.Token, http: cfg.HTTPClient, journal: cfg.Journal}
	if c.http == nil {
		c.http = sharedHTTPClient()
	}
	if c.journal == nil {
		c.journal = NewMemoryJournal()
	}
	return c, nil
}

// NewHTTPClient returns the HTTP client a Client uses unless Config says
// otherwise: http.DefaultTransport's settings (proxy from the environment,
// keep-alive, timeouts) with a 30-second limit on a whole request, and
// buffers that hold a poll reporting a full batch and the batch it gets
// back. With net/http's 4 KiB ones such a poll leaves in two writes (the
// server wakes for the first and waits for the second) and its answer is
// read in two or more reads. A plugin that needs a proxy or TLS settings
// of its own can change the client this returns.
func NewHTTPClient() *http.Client {
	var t *http.Transport
	if d, ok := http.DefaultTransport.(*http.Transport); ok {
		t = d.Clone()
	} else {
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, MaxIdleConns: 100,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	}
	t.WriteBufferSize, t.ReadBufferSize = transportBuffer, transportBuffer
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}

// sharedHTTPClient is the client of every Client made without one.
var sharedHTTPClient = sync.OnceValue(NewHTTPClient)

// transportBuffer is the size of the transport's buffers: a poll reporting
// 100 executed commands takes some 4.3 KB, an answer of 100 commands some
// 23 KB.
const transportBuffer = 64 << 10

// APIError is a refused request, as the API's error body says.
type APIError struct {
	Status  int               `json:"status"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	TraceID string            `json:"trace_id,omitempty"`
	Errors  []ValidationError `json:"errors,omitempty"`
	// RetryAfter is the server's Retry-After on a 429, else 0.
	RetryAfter time.Duration `json:"-"`
}

// ValidationError names the part of a request body at fault.
type ValidationError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Path       string `json:"path"`
	Validation string `json:"validation"`
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("gameclient: HTTP %d %s: %s", e.Status, e.Code, e.Message)
	if e.TraceID != "" {
		msg += " (request " + e.TraceID + ")"
	}
	return msg
}

// do sends a JSON request, decodes a JSON answer into out (nil: none
// expected) and returns the answer's header.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	var body io.Reader
	if b, ok := in.(rawJSON); ok {
		body = bytes.NewReader(b)
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Status: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		if json.Unmarshal(b, e) != nil || e.Code == "" {
			e.Status, e.Code, e.Message = resp.StatusCode, "http-"+strconv.Itoa(resp.StatusCode), strings.TrimSpace(string(b))
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, e
	}
	if out == nil {
		// Read to the end, so the connection is reused rather than
		// closed.
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Header, nil
	}
	// Read whole (to the end, so the connection is reused) into a buffer
	// of the announced size, with the room ReadFrom wants free to see the
	// end without growing it, and decoded in one pass: a json.Decoder on
	// the body grows its buffer step by step, a cost of every poll.
	buf := bytes.NewBuffer(make([]byte, 0, max(512, min(resp.ContentLength+bytes.MinRead, maxResponse))))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponse)); err != nil {
		return nil, err
	}
	if cmds, ok := out.(*[]Command); ok {
		*cmds, err = decodeCommands(buf.Bytes())
		return resp.Header, err
	}
	return resp.Header, json.Unmarshal(buf.Bytes(), out)
}

// maxResponse bounds the answer the client reads: far above any batch of
// commands, it keeps a broken server from exhausting the plugin's memory.
const maxResponse = 64 << 20

// pollBatch is the batch a poll gets by default (the server's
// playerbase.DefaultPollLimit): the client makes room for it up front.
const pollBatch = 100

// LinkParams is what a plugin reports about where it runs.
type LinkParams struct {
	IP       string `json:"ip"`
	Hostname string `json:"hostname"`
	Platform string `json:"platform"`
	Version  string `json:"version"`
}

// LinkResult is the API's answer to a link.
type LinkResult struct {
	UpdateAvailable bool    `json:"update_available"`
	LatestVersion   *string `json:"latest_version"`
	// PreviouslyLinked is set when the token was last linked from another
	// host: warn the operator, one token in two places splits the queue.
	PreviouslyLinked *PreviousLink `json:"previously_linked"`
	GameServer       struct {
		ID      string `json:"id"` // a decimal, as PayNow's
		StoreID string `json:"store_id"`
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
		// PlayerbaseID is the record's own ID (gsv_…), "" from PayNow.
		PlayerbaseID string `json:"playerbase_id"`
	} `json:"gameserver"`
}

// PreviousLink is where the token was linked from before.
type PreviousLink struct {
	IP           string    `json:"ip"`
	HostName     string    `json:"host_name"`
	LastLinkedAt time.Time `json:"last_linked_at"`
}

// Link tells the API where this server runs.
func (c *Client) Link(ctx context.Context, p LinkParams) (LinkResult, error) {
	var r LinkResult
	_, err := c.do(ctx, http.MethodPost, "/v1/delivery/gameserver/link", p, &r)
	return r, err
}

// Players are the players online on the server, so the API also hands out
// commands that need their player online.
type Players struct {
	SteamIDs       []string `json:"steam_ids,omitempty"`
	MinecraftUUIDs []string `json:"minecraft_uuids,omitempty"`
	CustomerNames  []string `json:"customer_names,omitempty"`
}

// Command is one queued command, leased to this server until it is
// acknowledged or the lease runs out.
type Command struct {
	// AttemptID is the delivery key: the same when the command is handed
	// out again after a lease ran out.
	AttemptID     string    `json:"attempt_id"`
	SteamID       string    `json:"steam_id,omitempty"`
	MinecraftUUID *string   `json:"minecraft_uuid"`
	CustomerName  *string   `json:"customer_name"`
	Command       string    `json:"command"`
	OnlineOnly    bool      `json:"online_only"`
	QueuedAt      time.Time `json:"queued_at"`
}

// Poll leases the commands due on this server.
func (c *Client) Poll(ctx context.Context, online Players) ([]Command, error) {
	return c.PollReporting(ctx, online, Results{})
}

// Results are what a plugin ran since its last poll.
type Results struct {
	Executed []string  // attempt IDs of the commands that ran
	Failed   []Failure // the commands that ran and failed, with why
}

func (r Results) len() int { return len(r.Executed) + len(r.Failed) }

// PollReporting reports done and leases the commands due on this server,
// in one round trip: the API records the results before it reads the
// queue (a playerbase extension of the poll), so a plugin working through
// a backlog makes one request per batch rather than a poll and an
// acknowledgement. A server without the extension leases the commands and
// leaves the results out, which its answer shows (no
// Playerbase-Results-Recorded header): PollReporting then sends them
// with Ack and Fail, so they arrive either way.
func (c *Client) PollReporting(ctx context.Context, online Players, done Results) ([]Command, error) {
	var cmds []Command // decodeCommands makes it, as large as the answer
	h, err := c.do(ctx, http.MethodPost, "/v1/delivery/command-queue", encodePoll(online, done), &cmds)
	if err != nil || done.len() == 0 || h.Get(resultsRecorded) == strconv.Itoa(done.len()) {
		return cmds, err
	}
	if err := c.Ack(ctx, done.Executed...); err != nil {
		return cmds, err
	}
	return cmds, c.Fail(ctx, done.Failed...)
}

// resultsRecorded is the answer's header that says the poll recorded the
// results it carried (how many).
const resultsRecorded = "Playerbase-Results-Recorded"

type attemptRef struct {
	AttemptID string `json:"attempt_id"`
}

// rawJSON is a request body encoded already.
type rawJSON []byte

// Ack reports commands as executed. Unknown IDs are ignored by the API.
func (c *Client) Ack(ctx context.Context, attemptIDs ...string) error {
	if len(attemptIDs) == 0 {
		return nil
	}
	_, err := c.do(ctx, http.MethodDelete, "/v1/delivery/command-queue", encodeAcks(attemptIDs), nil)
	return err
}

// Failure is a command that ran and failed, with why.
type Failure struct {
	AttemptID string `json:"attempt_id"`
	Error     string `json:"error"`
}

// Fail reports commands that ran and failed (a playerbase extension: the
// store shows them failed, with the error, instead of pending).
func (c *Client) Fail(ctx context.Context, failures ...Failure) error {
	if len(failures) == 0 {
		return nil
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/delivery/command-queue/fail", failures, nil)
	return err
}

// Join is a player who joined the server.
type Join struct {
	IPAddress     string
	SteamID       string
	MinecraftUUID string
	MinecraftName string
	At            time.Time
}

type joinEvent struct {
	Event      string    `json:"event"`
	Timestamp  time.Time `json:"timestamp"`
	PlayerJoin joinData  `json:"player_join"`
}

type joinData struct {
	IPAddress     string `json:"ip_address"`
	SteamID       string `json:"steam_id,omitempty"`
	MinecraftUUID string `json:"minecraft_uuid,omitempty"`
	MinecraftName string `json:"minecraft_name,omitempty"`
}

// ReportJoins reports player joins, so the store records the IPs they
// joined from.
func (c *Client) ReportJoins(ctx context.Context, joins ...Join) error {
	if len(joins) == 0 {
		return nil
	}
	evs := make([]joinEvent, len(joins))
	for i, j := range joins {
		at := j.At
		if at.IsZero() {
			at = time.Now()
		}
		evs[i] = joinEvent{Event: "player_join", Timestamp: at.UTC(), PlayerJoin: joinData{j.IPAddress, j.SteamID, j.MinecraftUUID, j.MinecraftName}}
	}
	_, err := c.do(ctx, http.MethodPost, "/v1/delivery/events", evs, nil)
	return err
}

// BanQuery is what a join knows about the player; set any.
type BanQuery struct {
	SteamID       string `json:"steam_id,omitempty"`
	MinecraftUUID string `json:"minecraft_uuid,omitempty"`
	Name          string `json:"name,omitempty"`
	IPAddress     string `json:"ip_address,omitempty"`
}

// BanStatus answers a ban check.
type BanStatus struct {
	Banned bool     `json:"banned"`
	BanIDs []string `json:"ban_ids"`
	// ExpiresAt is when the ban ends; nil when it is permanent.
	ExpiresAt *time.Time `json:"expires_at"`
}

// CheckBan asks whether a joining player is banned (a playerbase
// extension), in one round trip.
func (c *Client) CheckBan(ctx context.Context, q BanQuery) (BanStatus, error) {
	var s BanStatus
	_, err := c.do(ctx, http.MethodPost, "/v1/delivery/ban-check", q, &s)
	return s, err
}

// Report says what a Deliver did.
type Report struct {
	Received int // commands the polls handed out
	Ran      int // commands run now
	Executed int // reported executed (run now or before a crash)
	Failed   int // reported failed
}

// MaxErrorLen is the longest error text a store keeps for a failed command
// (inventory.MaxErrorLen); Deliver cuts longer ones before it journals and
// reports them.
const MaxErrorLen = 2000

// Interrupted is the error reported for a command the journal says was
// started but never finished: the plugin stopped while running it, so it
// may have run. It is not run again (at most once).
const Interrupted = "interrupted: the game server stopped while running this command; not run again"

// MaxRounds bounds the polls of one Deliver: with the API's batches of
// 100, 10,000 commands, after which Deliver reports what ran and returns,
// so a plugin gets to update who is online.
const MaxRounds = 100

// Deliver works through the queue: it polls, runs each command through run
// unless the journal says it ran already, and reports the results with the
// next poll (PollReporting), until a poll hands out nothing or MaxRounds
// polls have. A plugin calls it every few seconds; a queue of a few
// commands takes two requests, a backlog one per batch and one more.
//
// The journal records a command before it runs and its result after, so a
// crash anywhere never runs a command twice: a command handed out again
// after a crash is reported from the journal. Keys are forgotten once the
// API has their results; the first poll carries the results a Lister
// journal still holds (a crash or a failed request kept them from the API).
func (c *Client) Deliver(ctx context.Context, online Players, run func(context.Context, Command) error) (Report, error) {
	var r Report
	done, err := c.unreported()
	if err != nil {
		return r, err
	}
	for round := 1; ; round++ {
		cmds, err := c.PollReporting(ctx, online, done)
		if err != nil {
			return r, err
		}
		if err := c.reported(&r, done); err != nil {
			return r, err
		}
		if len(cmds) == 0 {
			return r, nil
		}
		r.Received += len(cmds)
		if done, err = c.runAll(ctx, cmds, run, &r); err != nil {
			return r, err
		}
		if round == MaxRounds {
			if err := c.Ack(ctx, done.Executed...); err != nil {
				return r, err
			}
			if err := c.reported(&r, Results{Executed: done.Executed}); err != nil {
				return r, err
			}
			if err := c.Fail(ctx, done.Failed...); err != nil {
				return r, err
			}
			return r, c.reported(&r, Results{Failed: done.Failed})
		}
	}
}

// unreported returns the finished results the journal holds: results it
// still holds were not reported, or their report's answer was lost. A
// journal that is not a Lister has them reported when their commands come
// back; so has a command the journal shows started but not finished,
// which is reported Interrupted then.
func (c *Client) unreported() (Results, error) {
	l, ok := c.journal.(Lister)
	if !ok {
		return Results{}, nil
	}
	es, err := l.Entries()
	if err != nil {
		return Results{}, err
	}
	var done Results
	for _, e := range es {
		switch {
		case !e.Done:
		case e.Error == "":
			done.Executed = append(done.Executed, e.Key)
		default:
			done.Failed = append(done.Failed, Failure{AttemptID: e.Key, Error: e.Error})
		}
	}
	return done, nil
}

// runAll runs cmds through run, each at most once by the journal, and
// returns their results.
func (c *Client) runAll(ctx context.Context, cmds []Command, run func(context.Context, Command) error, r *Report) (Results, error) {
	var done Results
	for _, cmd := range cmds {
		e, seen, err := c.journal.Get(cmd.AttemptID)
		if err != nil {
			return done, err
		}
		if !seen {
			if err := c.journal.Begin(cmd.AttemptID); err != nil {
				return done, err
			}
			e = Entry{Key: cmd.AttemptID, Done: true}
			if err := run(ctx, cmd); err != nil {
				// Cleaned and cut as the store would: the journal and the
				// report carry what the store keeps, so a console that
				// prints megabytes neither bloats the journal nor makes
				// the report too large for the API.
				if e.Error = textin.Clean(err.Error(), MaxErrorLen); e.Error == "" {
					e.Error = "failed"
				}
			}
			r.Ran++
			if err := c.journal.Finish(cmd.AttemptID, e.Error); err != nil {
				return done, err
			}
		} else if !e.Done {
			e.Error = Interrupted
			if err := c.journal.Finish(cmd.AttemptID, e.Error); err != nil {
				return done, err
			}
		}
		if e.Error == "" {
			done.Executed = append(done.Executed, cmd.AttemptID)
		} else {
			done.Failed = append(done.Failed, Failure{AttemptID: cmd.AttemptID, Error: e.Error})
		}
	}
	return done, nil
}

// reported counts results the API has and forgets their keys.
func (c *Client) reported(r *Report, done Results) error {
	if done.len() == 0 {
		return nil
	}
	r.Executed += len(done.Executed)
	r.Failed += len(done.Failed)
	keys := append(make([]string, 0, done.len()), done.Executed...)
	for _, f := range done.Failed {
		keys = append(keys, f.AttemptID)
	}
	return c.journal.Forget(keys...)
}
