package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/textin"
)

// Defaults of Config.
const (
	// DefaultTimeout is within the 15–30 s the spec recommends: a receiver
	// has time to process, and a dead one holds its endpoint back no longer.
	DefaultTimeout = 15 * time.Second
	// DefaultBackoffBase and DefaultBackoffCap bound the wait before a
	// retry: attempt n waits a random time up to base·2ⁿ⁻¹, never more
	// than the cap, so a receiver down for an hour is tried a few times a
	// minute at most and catches up soon after it is back.
	DefaultBackoffBase = time.Second
	DefaultBackoffCap  = 10 * time.Minute
)

// CursorPrefix begins the name under which the relay saves each endpoint's
// position in the feed (playerbase's Client.EventCursor).
const CursorPrefix = "webhook:"

// CursorName returns the cursor name of the endpoint called name.
func CursorName(name string) string { return CursorPrefix + name }

// Endpoint is one of the host's receivers.
type Endpoint struct {
	// Name identifies the endpoint across restarts: its cursor is saved
	// as CursorName(Name). Renaming an endpoint starts it from the first
	// event kept.
	Name string
	// URL is where the events are POSTed, http or https.
	URL string
	// Secret signs the requests, "whsec_…" (NewSecret); the receiver
	// verifies with the same one.
	Secret string
	// Types are the event types the endpoint wants; none: every type.
	// Other events move its cursor on without a request.
	Types []events.Type
}

// Config configures a Relay. nil means no endpoints and every default.
type Config struct {
	Endpoints []Endpoint
	// Timeout bounds one request, response included. ≤ 0: DefaultTimeout.
	Timeout time.Duration
	// BackoffBase and BackoffCap shape the retries (exponential backoff,
	// full jitter). ≤ 0: DefaultBackoffBase, DefaultBackoffCap. A
	// Retry-After from the receiver is honoured up to BackoffCap.
	BackoffBase, BackoffCap time.Duration
	// PageSize is how many events an endpoint reads from the feed at once.
	// ≤ 0: playerbase.DefaultEventPage.
	PageSize int
	// HTTPClient sends the requests. nil: a client of the relay's own that
	// never follows redirects (the spec counts a 3xx as a failure: fix the
	// URL instead).
	HTTPClient *http.Client
	// OnError hears every failure: a *DeliveryError for a request that
	// did not get a 2xx, a *FeedError for the feed or the cursor (an
	// *events.BehindError among them: events were pruned before the
	// endpoint got them). The relay retries or goes on by itself; OnError
	// is for alerting. It is called from each endpoint's goroutine, so it
	// must be safe for concurrent use. nil: logged with slog.Default().
	OnError func(error)
	// Now is the clock of the webhook-timestamp header. nil: time.Now.
	Now func() time.Time
}

// DeliveryError says one attempt to deliver an event to an endpoint
// failed. The relay retries after RetryIn.
type DeliveryError struct {
	Endpoint string
	Event    events.ID
	Seq      events.Seq
	Attempt  int           // 1 for the first
	Status   int           // the response's status; 0 if there was none
	Err      error         // why there was no response; nil if there was one
	RetryIn  time.Duration // the wait before the next attempt
}

func (e *DeliveryError) Error() string {
	why := "status " + strconv.Itoa(e.Status)
	if e.Err != nil {
		why = e.Err.Error()
	}
	return fmt.Sprintf("webhook %s: event %s (seq %d), attempt %d: %s; retrying in %s", e.Endpoint, e.Event, e.Seq, e.Attempt, why, e.RetryIn.Round(time.Millisecond))
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// FeedError says an endpoint could not read the feed or its cursor.
// Unwrap gives the cause; for an *events.BehindError the endpoint has gone
// on from the error's Horizon, having lost the events pruned before it got
// them; otherwise it tries again after a backoff.
type FeedError struct {
	Endpoint string
	Err      error
}

func (e *FeedError) Error() string { return fmt.Sprintf("webhook %s: %v", e.Endpoint, e.Err) }

func (e *FeedError) Unwrap() error { return e.Err }

// ErrRunning is Run's error when the relay is already running: two runs
// would deliver every event twice.
var ErrRunning = errors.New("webhook: relay already running")

// Relay delivers the feed to the host's endpoints. Make one with New and
// call Run.
type Relay struct {
	pb        *playerbase.Client
	endpoints []endpoint
	client    *http.Client
	ownClient bool
	timeout   time.Duration
	base, cap time.Duration
	pageSize  int
	onError   func(error)
	now       func() time.Time
	running   atomic.Bool
}

type endpoint struct {
	Endpoint
	cursor string
	secret Secret
	types  map[events.Type]bool // nil: every type
}

func (ep *endpoint) wants(t events.Type) bool { return ep.types == nil || ep.types[t] }

// New checks cfg and returns a relay reading pb's feed. A bad endpoint is
// an *errs.InvalidError naming its field ("endpoints[1].url"); the
// secret's value is never repeated.
func New(pb *playerbase.Client, cfg *Config) (*Relay, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	r := &Relay{
		pb: pb, client: cfg.HTTPClient,
		timeout: positive(cfg.Timeout, DefaultTimeout),
		base:    positive(cfg.BackoffBase, DefaultBackoffBase),
		cap:     positive(cfg.BackoffCap, DefaultBackoffCap),
		onError: cfg.OnError, now: cfg.Now, pageSize: cfg.PageSize,
	}
	r.cap = max(r.cap, r.base)
	if r.pageSize <= 0 {
		r.pageSize = playerbase.DefaultEventPage
	}
	r.pageSize = min(r.pageSize, playerbase.MaxEventPage)
	if r.now == nil {
		r.now = time.Now
	}
	if r.onError == nil {
		r.onError = func(err error) { slog.Default().Warn("webhook relay", "err", err) }
	}
	if r.client == nil {
		r.ownClient = true
		r.client = &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	seen := map[string]bool{}
	for i, e := range cfg.Endpoints {
		ep, err := checkEndpoint(fmt.Sprintf("endpoints[%d].", i), e)
		if err != nil {
			return nil, err
		}
		if seen[ep.Name] {
			return nil, errs.Invalid(fmt.Sprintf("endpoints[%d].name", i), ep.Name, "two endpoints have this name, and so one cursor")
		}
		seen[ep.Name] = true
		r.endpoints = append(r.endpoints, ep)
	}
	return r, nil
}

func checkEndpoint(field string, e Endpoint) (endpoint, error) {
	ep := endpoint{Endpoint: e, cursor: CursorName(e.Name)}
	if e.Name == "" {
		return ep, errs.Invalid(field+"name", "", "required")
	}
	if err := textin.CheckLine(field+"name", e.Name); err != nil {
		return ep, err
	}
	if n := len([]rune(ep.cursor)); n > playerbase.MaxEventCursorName {
		return ep, errs.Invalid(field+"name", e.Name, fmt.Sprintf("at most %d characters", playerbase.MaxEventCursorName-len(CursorPrefix)))
	}
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ep, errs.Invalid(field+"url", e.URL, "want an absolute http or https URL")
	}
	s, err := ParseSecret(e.Secret)
	if err != nil {
		return ep, renamed(err, field+"secret")
	}
	ep.secret = s
	if len(e.Types) > 0 {
		ep.types = map[events.Type]bool{}
		for i, t := range e.Types {
			t, err := events.ParseType(string(t))
			if err != nil {
				return ep, renamed(err, fmt.Sprintf("%stypes[%d]", field, i))
			}
			ep.types[t] = true
		}
	}
	return ep, nil
}

// renamed gives an *errs.InvalidError the field's path in Config.
func renamed(err error, field string) error {
	if inv, ok := errors.AsType[*errs.InvalidError](err); ok {
		inv.Field = field
	}
	return err
}

func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run delivers the feed to every endpoint until ctx ends, then returns
// ctx's error once every request has stopped. Each endpoint has its own
// goroutine, so one that is down or slow holds back no other. An endpoint
// gets its events one at a time in feed order: the next only after the
// previous got a 2xx, retried until it does. Its cursor is saved after
// each page of the feed, at least every second while it catches up, and
// when Run stops, so a new Run, in this process or another, resumes
// there; a process that dies without stopping Run delivers again, with
// the same webhook-ids, what it delivered since the last save.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)
	var wg sync.WaitGroup
	for i := range r.endpoints {
		wg.Go(func() { r.follow(ctx, &r.endpoints[i]) })
	}
	wg.Wait()
	<-ctx.Done()
	if r.ownClient {
		r.client.CloseIdleConnections()
	}
	return ctx.Err()
}

// follow is one endpoint's loop; it returns when ctx ends.
func (r *Relay) follow(ctx context.Context, ep *endpoint) {
	var cursor events.Seq
	for failures := 0; ; failures++ {
		c, err := r.pb.EventCursor(ctx, ep.cursor)
		if err == nil {
			cursor = c
			break
		}
		if !r.retryFeed(ctx, ep, err, failures) {
			return
		}
	}
	saved, savedAt := cursor, time.Now()
	// The last save outlives ctx (see save): a Run stopped on purpose
	// resends nothing.
	defer func() { r.save(ctx, ep, cursor, saved) }()
	for failures := 0; ctx.Err() == nil; {
		page, err := r.pb.EventWait(ctx, playerbase.EventListParams{After: cursor, Limit: r.pageSize})
		if behind := (*events.BehindError)(nil); errors.As(err, &behind) {
			r.onError(&FeedError{Endpoint: ep.Name, Err: err})
			cursor = max(cursor, behind.Horizon)
			saved = r.save(ctx, ep, cursor, saved)
			continue
		}
		if err != nil {
			if !r.retryFeed(ctx, ep, err, failures) {
				return
			}
			failures++
			continue
		}
		failures = 0
		for _, ev := range page.Events {
			if ep.wants(ev.Type) && r.deliver(ctx, ep, ev) != nil {
				return
			}
			// Unwanted events move the cursor too.
			cursor = ev.Seq
			if time.Since(savedAt) >= saveEvery {
				saved, savedAt = r.save(ctx, ep, cursor, saved), time.Now()
			}
		}
		saved, savedAt = r.save(ctx, ep, cursor, saved), time.Now()
	}
}

// retryFeed reports a failure to read the feed or the cursor and waits
// before the next try. It returns false once ctx has ended.
func (r *Relay) retryFeed(ctx context.Context, ep *endpoint, err error, failures int) bool {
	if ctx.Err() != nil {
		return false
	}
	r.onError(&FeedError{Endpoint: ep.Name, Err: err})
	return sleep(ctx, r.backoff(failures)) == nil
}

// saveTimeout bounds a cursor's save once Run's ctx has ended.
const saveTimeout = 10 * time.Second

// saveEvery bounds, in time, what a crash makes the relay resend while it
// catches up a page at a time: a save per delivery would be a write
// transaction per event, the relay's main cost on PostgreSQL.
const saveEvery = time.Second

// save stores cursor if it moved past saved, and returns what is saved
// now. It outlives ctx, by saveTimeout at most: an event delivered just
// before a shutdown is then not sent again by the next run. A failure is
// reported, not retried: the next save overwrites, and at worst a restart
// resends.
func (r *Relay) save(ctx context.Context, ep *endpoint, cursor, saved events.Seq) events.Seq {
	if cursor == saved {
		return saved
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := r.pb.EventCursorSet(ctx, ep.cursor, cursor); err != nil {
		r.onError(&FeedError{Endpoint: ep.Name, Err: err})
		return saved
	}
	return cursor
}

// deliver sends ev until the endpoint answers 2xx; it fails only when ctx
// ends.
func (r *Relay) deliver(ctx context.Context, ep *endpoint, ev events.Event) error {
	for attempt := 1; ; attempt++ {
		status, retryAfter, err := r.post(ctx, ep, ev)
		if err == nil && status >= 200 && status < 300 {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := r.retryWait(attempt, retryAfter)
		r.onError(&DeliveryError{Endpoint: ep.Name, Event: ev.ID, Seq: ev.Seq, Attempt: attempt, Status: status, Err: err, RetryIn: wait})
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// post makes one request, signed afresh: the timestamp is the attempt's,
// the id the event's. A response of any status is no error.
func (r *Relay) post(ctx context.Context, ep *endpoint, ev events.Event) (status int, retryAfter time.Duration, err error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	now := r.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "playerbase-webhook")
	req.Header.Set(HeaderID, string(ev.ID))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, ep.secret.Sign(string(ev.ID), now, body))
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	// Read a little of the body so the connection can serve the next
	// request; a receiver has nothing to tell the relay in it.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), now), nil
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date; 0
// if absent, malformed or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 || s > int64(365*24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryWait returns the wait after attempt failed: the backoff, or the
// receiver's Retry-After if that is longer, up to the cap (the host's
// bound on how stale an endpoint may fall).
func (r *Relay) retryWait(attempt int, retryAfter time.Duration) time.Duration {
	return max(r.backoff(attempt-1), min(retryAfter, r.cap))
}

// backoff returns the wait after failures failed tries in a row: full
// jitter, a random time up to base·2^failures capped at cap, so endpoints
// that failed together do not retry together.
func (r *Relay) backoff(failures int) time.Duration {
	ceiling := r.cap
	if failures < 62 {
		if d := r.base << failures; d > 0 && d < r.cap && d>>failures == r.base {
			ceiling = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
