package gameapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
)

// Options tune the handler. A nil *Options, and every zero field, means
// the default.
type Options struct {
	// Logger receives one line per request (request ID, method, path,
	// status, server ID, duration; never the token). Default
	// slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	// Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RateLimit is how many requests per second one token may make on
	// average, with bursts of RateBurst; more are refused with 429 and a
	// Retry-After. Default DefaultRateLimit and DefaultRateBurst; a
	// negative RateLimit turns the limit off.
	RateLimit float64
	RateBurst int
	// PollLimit caps the commands one queue read returns. Default
	// playerbase.DefaultPollLimit.
	PollLimit int
	// BanIndex, if set, answers ban checks from memory: pass a
	// playerbase.BanWatch's Index, which stays current by itself (see
	// playerbase.BanJoinParams.Index). Otherwise the store answers.
	BanIndex *bans.Index
	// StoreID is reported as the server's store_id, a number as PayNow's
	// plugins expect (the Rust plugin reads it into a 64-bit integer).
	StoreID int64
	// LatestPluginVersion, if set, is reported as latest_version, and a
	// plugin that links with another version is told an update is
	// available.
	LatestPluginVersion string
	// Now is the rate limiter's clock. Default time.Now.
	Now func() time.Time
}

// Defaults for Options.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultRateLimit    = 20
	DefaultRateBurst    = 40
)

type handler struct {
	pb      *playerbase.Client
	opts    Options
	log     *slog.Logger
	limiter *limiter
	mux     *http.ServeMux
	// idPrefix and idSeq make request IDs (newRequestID).
	idPrefix string
	idSeq    atomic.Uint64
}

// New returns the game-server API over pb as an http.Handler for the host
// to mount (at the root, or under a prefix with http.StripPrefix).
func New(pb *playerbase.Client, opts *Options) http.Handler {
	var prefix [6]byte
	_, _ = rand.Read(prefix[:])
	h := &handler{pb: pb, mux: http.NewServeMux(), idPrefix: hex.EncodeToString(prefix[:]) + "-"}
	if opts != nil {
		h.opts = *opts
	}
	o := &h.opts
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.PollLimit <= 0 {
		o.PollLimit = playerbase.DefaultPollLimit
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h.log = o.Logger
	if o.RateLimit > 0 {
		h.limiter = newLimiter(o.RateLimit, o.RateBurst, o.Now)
	}

	// PayNow's Java plugins spell the queue URL with a trailing slash
	// ("…/command-queue/"), so each queue route is served both ways.
	const queue = "/v1/delivery/command-queue"
	h.route("POST /v1/delivery/gameserver/link", h.link)
	for _, p := range []string{queue, queue + "/{$}"} {
		h.route("GET "+p, h.poll)
		h.route("POST "+p, h.poll)
		h.route("DELETE "+p, h.ackBulk)
	}
	h.route("POST "+queue+"/acknowledge", h.ackBulk)
	h.route("DELETE "+queue+"/{attemptId}", h.ackOne)
	h.route("POST /v1/delivery/events", h.events)
	// Extensions.
	h.route("POST "+queue+"/fail", h.fail)
	h.route("POST /v1/delivery/ban-check", h.banCheck)
	h.mux.HandleFunc("/", h.noRoute)
	return h
}

// noRoute answers a request no pattern matched: 405 with Allow when the
// path is served under other methods, else 404, both as PayNowError.
func (h *handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.writeError(w, r, http.StatusMethodNotAllowed, "method-not-allowed", r.Method+" is not allowed on "+r.URL.Path, nil)
		return
	}
	h.writeError(w, r, http.StatusNotFound, "not-found", "no route for "+r.Method+" "+r.URL.Path, nil)
}

// recorder remembers what the request's log line says: its ID, the
// status, the server the token named. It travels as the ResponseWriter the
// routes get, so a request costs no context values.
type recorder struct {
	http.ResponseWriter
	status int
	id     string
	server gameserver.ID
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP gives every request an ID (X-Request-Id, echoed or made) and
// logs it when it is done.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = h.newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	rec := &recorder{ResponseWriter: w, id: id}
	h.mux.ServeHTTP(rec, r)
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "gameapi request",
		slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.String("gameserver", string(rec.server)),
		slog.Duration("duration", time.Since(start)))
}

// newRequestID returns an ID no other request of this handler had: a
// random prefix drawn once per handler (so two handlers' logs do not
// collide) and a counter. It needs to be unique, not unguessable, so it
// costs no read from crypto/rand per request.
func (h *handler) newRequestID() string {
	var b [40]byte
	n := copy(b[:], h.idPrefix)
	return string(strconv.AppendUint(b[:n], h.idSeq.Add(1), 16))
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

// requestID is the ID ServeHTTP gave the request w answers.
func requestID(w http.ResponseWriter) string {
	if rec, ok := w.(*recorder); ok {
		return rec.id
	}
	return ""
}

// route mounts an authenticated endpoint: the token is checked (401, 403)
// and rate-limited (429) before fn runs, so a refused request changes
// nothing. fn runs as the actor "gameserver:<name>".
func (h *handler) route(pattern string, fn func(http.ResponseWriter, *http.Request, gameserver.Server)) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		secret, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			h.writeError(w, r, http.StatusUnauthorized, "unauthorized", `send "Authorization: Gameserver <token>"`, nil)
			return
		}
		s, err := h.pb.GameServerAuthenticate(r.Context(), secret)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		if rec, ok := w.(*recorder); ok {
			rec.server = s.ID
		}
		if h.limiter != nil {
			if wait, ok := h.limiter.allow(string(s.ID)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
				h.writeError(w, r, http.StatusTooManyRequests, "too-many-requests", "rate limit exceeded; retry later", nil)
				return
			}
		}
		// Every change the request makes (acks, failure reports, joins) is
		// the game server's in the events.
		fn(w, r.WithContext(playerbase.WithActor(r.Context(), "gameserver:"+s.Name)), s)
	})
}

// bearer returns the token of an "Authorization: Gameserver <token>"
// header; the scheme is matched case-insensitively (RFC 9110 §11.1).
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Gameserver") || token == "" {
		return "", false
	}
	return token, true
}

func (h *handler) writeJSON(w http.ResponseWriter, status int, v any) {
	// Encoded whole first, so the response has a Content-Length and goes
	// out in one write rather than in chunks.
	var b []byte
	var err error
	if f, ok := v.(queuedCommands); ok {
		b, ok = f.appendFlat(make([]byte, 0, 256*len(f)+3))
		if !ok {
			b, err = json.Marshal([]queuedCommand(f))
		}
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		h.log.LogAttrs(context.Background(), slog.LevelError, "gameapi response not encoded", slog.String("error", err.Error()))
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (h *handler) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string, verrs []validationError) {
	h.writeJSON(w, status, payNowError{Status: status, Code: code, Message: msg, TraceID: requestID(w), Errors: verrs})
}

// renderError renders err: a refused body, a refused token, a domain error by
// its kind, anything else as a 500 that says nothing more.
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var be *bodyError
	var inv *errs.InvalidError
	switch {
	case errors.As(err, &be):
		if be.status == http.StatusRequestEntityTooLarge {
			h.writeError(w, r, be.status, "payload-too-large", "the request body is larger than "+strconv.FormatInt(h.opts.MaxBodyBytes, 10)+" bytes", nil)
			return
		}
		h.writeError(w, r, be.status, "bad-request", be.Error(), be.errs)
	case errors.Is(err, gameserver.ErrBadToken):
		h.writeError(w, r, http.StatusUnauthorized, "unauthorized", "the token is malformed, unknown or revoked", nil)
	case errors.As(err, &inv):
		h.writeError(w, r, http.StatusBadRequest, "bad-request", inv.Error(),
			[]validationError{{Code: "invalid_value", Message: inv.Reason, Path: "$." + inv.Field, Validation: "value"}})
	case errors.Is(err, errs.ErrForbidden):
		h.writeError(w, r, http.StatusForbidden, "forbidden", err.Error(), nil)
	case errors.Is(err, errs.ErrNotFound):
		h.writeError(w, r, http.StatusNotFound, "not-found", err.Error(), nil)
	case errors.Is(err, errs.ErrConflict):
		h.writeError(w, r, http.StatusConflict, "conflict", err.Error(), nil)
	default:
		h.log.LogAttrs(r.Context(), slog.LevelError, "gameapi request failed",
			slog.String("request_id", requestID(w)), slog.String("error", err.Error()))
		h.writeError(w, r, http.StatusInternalServerError, "internal-server-error", "the server could not complete the request", nil)
	}
}

func (h *handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := readBody(w, r, h.opts.MaxBodyBytes)
	if err == nil {
		err = decodeJSON(b, v)
	}
	if err != nil {
		h.renderError(w, r, err)
		return false
	}
	return true
}

func (h *handler) link(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	var req linkRequest
	if !h.decode(w, r, &req) {
		return
	}
	s, prev, err := h.pb.GameServerLink(r.Context(), s.ID, playerbase.GameServerLinkParams{
		IP: req.IP, Hostname: req.Hostname, Platform: req.Platform, Version: req.Version,
	})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	resp := linkResponse{GameServer: minimalServer{
		ID: s.ID.Flake(), StoreID: strconv.FormatInt(h.opts.StoreID, 10), Name: s.Name, Enabled: s.Enabled, PlayerbaseID: string(s.ID),
	}}
	if v := h.opts.LatestPluginVersion; v != "" {
		resp.LatestVersion = &v
		resp.UpdateAvailable = s.LastLink.Version != v
		resp.UpdateAvaliable = resp.UpdateAvailable
	}
	if prev != nil {
		resp.PreviouslyLinked = &previousLink{IP: prev.IP, HostName: prev.Hostname, LastLinkedAt: prev.At}
	}
	h.writeJSON(w, http.StatusOK, resp)
}

func (h *handler) poll(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	var req pollRequest
	if r.Method == http.MethodPost && !h.decode(w, r, &req) {
		return
	}
	// The results the request carries are recorded first, so none of
	// their commands is handed out again by this read.
	results, err := deliveryResults(req.Executed, req.Failed, "$.failed")
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if !h.record(w, r, s, results) {
		return
	}
	if n := len(req.Executed) + len(req.Failed); n > 0 {
		w.Header().Set(resultsRecorded, strconv.Itoa(n))
	}
	players := make([]string, 0, len(req.SteamIDs)+len(req.MinecraftUUIDs)+len(req.CustomerNames))
	for _, p := range req.SteamIDs {
		players = append(players, string(p))
	}
	players = append(append(players, req.MinecraftUUIDs...), req.CustomerNames...)
	ds, err := h.pb.DeliveryPoll(r.Context(), playerbase.DeliveryPollParams{Server: s.Name, OnlinePlayers: players, Limit: h.opts.PollLimit})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	// A batch is mostly runs of one customer's commands: each run's
	// customer is asked for once.
	var ids []customer.ID
	for i, d := range ds {
		if i == 0 || d.Customer != ds[i-1].Customer {
			ids = append(ids, d.Customer)
		}
	}
	names, err := h.pb.CustomerNames(r.Context(), ids)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	out := make(queuedCommands, len(ds))
	// A batch is mostly runs of one player's commands: a command's player
	// fields and name are the previous command's when its player and
	// customer are (the pointers are shared, the answer is only encoded).
	var prev *queuedCommand
	var prevPlayer string
	var prevCustomer customer.ID
	for i, d := range ds {
		q := &out[i]
		*q = queuedCommand{AttemptID: d.Key, Command: d.Command, OnlineOnly: d.OnlineOnly, QueuedAt: d.QueuedAt}
		if prev != nil && d.Player == prevPlayer {
			q.SteamID, q.MinecraftUUID = prev.SteamID, prev.MinecraftUUID
		} else {
			q.SteamID, q.MinecraftUUID = playerFields(d.Player)
		}
		if prev != nil && d.Customer == prevCustomer {
			q.CustomerName = prev.CustomerName
		} else if n, ok := names[d.Customer]; ok {
			q.CustomerName = &n
		}
		prev, prevPlayer, prevCustomer = q, d.Player, d.Customer
	}
	h.writeJSON(w, http.StatusOK, out)
}

// playerFields splits a delivery's canonical player ID into the DTO's
// steam_id or minecraft_uuid; a Bedrock XUID goes out as its Floodgate
// UUID, the UUID the server knows the player by.
func playerFields(player string) (steam string, uuid *string) {
	// Only 32 or 36 characters can be a UUID: a Steam ID, the usual
	// player, skips a parse that fails by building an error.
	if n := len(player); n != 32 && n != 36 {
	} else if _, err := customer.ParseUUID(player); err == nil {
		return "", &player
	}
	if n, err := strconv.ParseUint(player, 10, 64); err == nil {
		if id, err := customer.ParseSteamID(player); err == nil && len(player) == 17 {
			return strconv.FormatUint(id, 10), nil
		}
		u := customer.FloodgateUUID(n)
		return "", &u
	}
	return "", nil
}

// deliveryResults turns acknowledgements and failure reports into
// results. A failure report without its error is refused, at
// failedPath[i].error, before anything is recorded.
func deliveryResults(executed attemptRefs, failed []failedAttempt, failedPath string) ([]playerbase.DeliveryResult, error) {
	results := make([]playerbase.DeliveryResult, 0, len(executed)+len(failed))
	for _, a := range executed {
		if a.AttemptID != "" {
			results = append(results, playerbase.DeliveryResult{Key: string(a.AttemptID)})
		}
	}
	for i, a := range failed {
		if strings.TrimSpace(a.Error) == "" {
			return nil, invalidAt(failedPath+"["+strconv.Itoa(i)+"].error", "required", "required", "say why the command failed")
		}
		if a.AttemptID != "" {
			results = append(results, playerbase.DeliveryResult{Key: string(a.AttemptID), Error: a.Error})
		}
	}
	return results, nil
}

// record records results and reports whether it did; otherwise it has
// answered with the error. An unknown, malformed or foreign attempt ID
// changes nothing and fails nothing else (PayNow's plugins resend acks
// they are unsure of).
func (h *handler) record(w http.ResponseWriter, r *http.Request, s gameserver.Server, results []playerbase.DeliveryResult) bool {
	if len(results) == 0 {
		return true
	}
	outs, err := h.pb.DeliveryAck(r.Context(), s.Name, results)
	if err != nil {
		h.renderError(w, r, err)
		return false
	}
	for _, o := range outs {
		if o.Err != nil {
			h.log.LogAttrs(r.Context(), slog.LevelDebug, "gameapi result ignored",
				slog.String("request_id", requestID(w)), slog.String("attempt_id", o.Key), slog.String("error", o.Err.Error()))
		}
	}
	return true
}

// acknowledge records results and answers 204.
func (h *handler) acknowledge(w http.ResponseWriter, r *http.Request, s gameserver.Server, executed attemptRefs, failed []failedAttempt) {
	results, err := deliveryResults(executed, failed, "$")
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if h.record(w, r, s, results) {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *handler) ackBulk(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	var req attemptRefs
	if h.decode(w, r, &req) {
		h.acknowledge(w, r, s, req, nil)
	}
}

func (h *handler) ackOne(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	h.acknowledge(w, r, s, attemptRefs{{AttemptID: lenientString(r.PathValue("attemptId"))}}, nil)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	var req []failedAttempt
	if h.decode(w, r, &req) {
		h.acknowledge(w, r, s, nil, req)
	}
}

func (h *handler) events(w http.ResponseWriter, r *http.Request, s gameserver.Server) {
	var req []event
	if !h.decode(w, r, &req) {
		return
	}
	// Every entry is checked before any is recorded: a refused request
	// changes nothing.
	var joins []playerbase.CustomerRecordJoinParams
	for i, e := range req {
		if e.Event != "player_join" || e.PlayerJoin == nil {
			continue // "invalid" and event types this server does not know
		}
		at := "$[" + strconv.Itoa(i) + "].player_join."
		p := playerbase.CustomerRecordJoinParams{IP: e.PlayerJoin.IPAddress, SteamID: string(e.PlayerJoin.SteamID), MinecraftUUID: e.PlayerJoin.MinecraftUUID}
		if _, err := customer.ParseIP(p.IP); err != nil {
			h.renderError(w, r, invalidAt(at+"ip_address", "invalid_ip", "format", "want an IPv4 or IPv6 address"))
			return
		}
		if p.SteamID != "" {
			if _, err := customer.ParseSteamID(p.SteamID); err != nil {
				h.renderError(w, r, invalidAt(at+"steam_id", "invalid_steam_id", "format", "want a SteamID64"))
				return
			}
		}
		if p.MinecraftUUID != "" {
			if _, err := customer.ParseUUID(p.MinecraftUUID); err != nil {
				h.renderError(w, r, invalidAt(at+"minecraft_uuid", "invalid_uuid", "format", "want a UUID"))
				return
			}
		}
		joins = append(joins, p)
	}
	for _, p := range joins {
		if _, _, err := h.pb.CustomerRecordJoin(r.Context(), p); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) banCheck(w http.ResponseWriter, r *http.Request, _ gameserver.Server) {
	var req banCheckRequest
	if !h.decode(w, r, &req) {
		return
	}
	var ids []bans.Identity
	add := func(t bans.IdentityType, v string) {
		if v = strings.TrimSpace(v); v != "" {
			ids = append(ids, bans.Identity{Type: t, Value: v})
		}
	}
	add(bans.Steam, string(req.SteamID))
	add(bans.MinecraftUUID, req.MinecraftUUID)
	add(bans.Name, req.Name)
	add(bans.IP, req.IPAddress)
	if len(ids) == 0 {
		h.renderError(w, r, invalidAt("$", "required", "required", "name at least one of steam_id, minecraft_uuid, name, ip_address"))
		return
	}
	res, err := h.pb.BanJoinCheck(r.Context(), playerbase.BanJoinParams{Identities: ids, Index: h.opts.BanIndex})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	out := banCheckResponse{Banned: res.Banned, BanIDs: make([]string, len(res.BanIDs)), ExpiresAt: res.ExpiresAt}
	for i, id := range res.BanIDs {
		out.BanIDs[i] = string(id)
	}
	h.writeJSON(w, http.StatusOK, out)
}
