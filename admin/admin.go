package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/playerbase/playerbase"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure the handler. A nil *Options, and every zero field, means
// the default.
type Options struct {
	// Prefix is the path the host mounts the handler under, such as
	// "/admin", without a trailing slash; "" for the root. Links and form
	// actions start with it, and the handler serves only paths under it.
	Prefix string
	// Actor names the staff member behind a request (the host's login
	// knows them), recorded as the actor of every change: "admin:alice".
	// Default: "admin" for every request. A request for which it returns
	// "" may look but not change anything.
	Actor func(*http.Request) string
	// ReadOnly shows every page without its forms and refuses every post.
	ReadOnly bool
	// Now is the clock that decides, for display, whether an item may be
	// revoked; give it the Client's clock. Default time.Now.
	Now func() time.Time
	// Logger receives internal errors (a storage failure); the page shows
	// only that something went wrong. Default slog.Default().
	Logger *slog.Logger
}

// How many rendered list rows, and details-page sections (some kB each),
// each cache keeps.
const (
	maxRows     = 20000
	maxSections = 1000
)

// csrfCookie holds the token every form posts back. It complements
// http.CrossOriginProtection for browsers that send neither Origin nor
// Sec-Fetch-Site.
const csrfCookie = "playerbase_admin_csrf"

// maxForm bounds a posted form; the largest, metadata, is 50 rows of at
// most 540 bytes.
const maxForm = 256 << 10

// csp allows only the handler's own stylesheet and script: no inline code,
// no other origin, no framing.
const csp = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type handler struct {
	pb       *playerbase.Client
	prefix   string
	actor    func(*http.Request) string
	readOnly bool
	now      func() time.Time
	log      *slog.Logger
	pages    map[string]*template.Template
	rows     *template.Template

	// The details page's rows and sections, rendered once per data.
	items         *fragments[ItemRow]
	orders        *fragments[OrderRow]
	subs          *fragments[SubRow]
	heads         *fragments[HeadData]
	invSections   *fragments[InventoryData]
	orderSections *fragments[OrdersData]
	subSections   *fragments[SubscriptionsData]
	metaSections  *fragments[MetadataData]
	tops, bottoms *fragments[Page] // the layout around the details page
	orderRows     memo[orderRowKey, OrderRow]
	itemRows      memo[itemRowKey, ItemRow]
}

// New returns the admin UI over pb as an http.Handler. The host mounts it
// under opts.Prefix behind its own login:
//
//	mux.Handle("/admin/", admin.New(pb, &admin.Options{Prefix: "/admin", Actor: staffName}))
//
// Every state change is a POST that http.CrossOriginProtection and a
// per-browser token guard; a GET never changes anything.
func New(pb *playerbase.Client, opts *Options) http.Handler {
	_, hh := newHandler(pb, opts)
	return hh
}

func newHandler(pb *playerbase.Client, opts *Options) (*handler, http.Handler) {
	h := &handler{pb: pb, actor: func(*http.Request) string { return "admin" }, now: time.Now, log: slog.Default()}
	if opts != nil {
		h.prefix = strings.TrimRight(opts.Prefix, "/")
		if opts.Actor != nil {
			h.actor = opts.Actor
		}
		h.readOnly = opts.ReadOnly
		if opts.Now != nil {
			h.now = opts.Now
		}
		if opts.Logger != nil {
			h.log = opts.Logger
		}
	}
	h.pages, h.rows = parsePages()
	h.items = newFragments[ItemRow](h.rows, "item-row", maxRows)
	h.orders = newFragments[OrderRow](h.rows, "order-row", maxRows)
	h.subs = newFragments[SubRow](h.rows, "sub-row", maxRows)
	cp := h.pages["customer.html"]
	h.heads = newFragments[HeadData](cp, "customer-head", maxSections)
	h.invSections = newFragments[InventoryData](cp, "inventory", maxSections)
	h.orderSections = newFragments[OrdersData](cp, "orders", maxSections)
	h.subSections = newFragments[SubscriptionsData](cp, "subscriptions", maxSections)
	h.metaSections = newFragments[MetadataData](cp, "metadata", maxSections)
	h.tops = newFragments[Page](cp, "page-top", maxSections)
	h.bottoms = newFragments[Page](cp, "page-bottom", maxSections)

	mux := http.NewServeMux()
	p := h.prefix
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+p+"/static/", http.StripPrefix(p+"/static/", cacheStatic(http.FileServerFS(static))))
	if p != "" {
		mux.Handle("GET "+p, http.RedirectHandler(p+"/", http.StatusFound))
	}
	mux.HandleFunc("GET "+p+"/{$}", h.search)
	mux.HandleFunc("GET "+p+"/customers/{id}", h.customerPage)
	mux.HandleFunc("GET "+p+"/customers/{id}/history", h.historyPage)
	mux.HandleFunc("GET "+p+"/customers/{id}/edit", h.editPage)
	mux.HandleFunc("POST "+p+"/customers/{id}/edit", h.edit)
	mux.HandleFunc("GET "+p+"/customers/{id}/ban", h.banNewPage)
	mux.HandleFunc("POST "+p+"/customers/{id}/ban", h.banCreate)
	mux.HandleFunc("POST "+p+"/customers/{id}/metadata", h.metadataReplace)
	mux.HandleFunc("GET "+p+"/customers/{id}/tokens", h.tokensPage)
	mux.HandleFunc("POST "+p+"/customers/{id}/tokens", h.tokenIssue)
	mux.HandleFunc("POST "+p+"/customers/{id}/tokens/{token}/revoke", h.tokenRevoke)
	mux.HandleFunc("GET "+p+"/customers/{id}/tokens/revoke-all", h.tokenRevokeAllPage)
	mux.HandleFunc("POST "+p+"/customers/{id}/tokens/revoke-all", h.tokenRevokeAll)
	mux.HandleFunc("GET "+p+"/customers/{id}/assign", h.assignPage)
	mux.HandleFunc("POST "+p+"/customers/{id}/assign", h.assign)
	mux.HandleFunc("GET "+p+"/bans/{id}", h.banPage)
	mux.HandleFunc("GET "+p+"/bans/{id}/edit", h.banEditPage)
	mux.HandleFunc("POST "+p+"/bans/{id}/edit", h.banUpdate)
	mux.HandleFunc("GET "+p+"/bans/{id}/unban", h.unbanPage)
	mux.HandleFunc("POST "+p+"/bans/{id}/unban", h.unban)
	mux.HandleFunc("GET "+p+"/items/{id}", h.itemPage)
	mux.HandleFunc("POST "+p+"/items/{id}/discord", h.discord)
	mux.HandleFunc("GET "+p+"/items/{id}/revoke", h.revokePage)
	mux.HandleFunc("POST "+p+"/items/{id}/revoke", h.revoke)
	mux.HandleFunc("POST "+p+"/commands/{id}/resend", h.commandResend)
	mux.HandleFunc("POST "+p+"/commands/{id}/cancel", h.commandCancel)
	mux.HandleFunc("GET "+p+"/orders/{id}", h.orderPage)
	mux.HandleFunc("POST "+p+"/orders/{id}/refund", h.refund)
	mux.HandleFunc("POST "+p+"/orders/{id}/chargeback", h.chargeback)
	mux.HandleFunc("GET "+p+"/subscriptions/{id}", h.subscriptionPage)
	mux.HandleFunc("POST "+p+"/subscriptions/{id}/cancel", h.subscriptionCancel)
	mux.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "There is no such page.")
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, "Cross-site request refused: post forms from this page only.")
	}))
	return h, h.secure(cop.Handler(h.guard(mux)))
}

// resetFragments forgets every rendered row and section.
func (h *handler) resetFragments() {
	h.items.reset()
	h.orders.reset()
	h.subs.reset()
	h.heads.reset()
	h.invSections.reset()
	h.orderSections.reset()
	h.subSections.reset()
	h.metaSections.reset()
	h.tops.reset()
	h.bottoms.reset()
	h.orderRows.reset()
	h.itemRows.reset()
}

// The values of the headers every response carries, shared by all
// responses rather than allocated for each: a header set again gets a new
// slice, and one added to grows a copy, as each has no spare capacity.
var (
	cspValue   = []string{csp}
	nosniff    = []string{"nosniff"}
	deny       = []string{"DENY"}
	sameOrigin = []string{"same-origin"}
	textHTML   = []string{"text/html; charset=utf-8"}
	noStore    = []string{"no-store"}
)

// secure sets the headers every response carries.
func (h *handler) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd["Content-Security-Policy"] = cspValue
		hd["X-Content-Type-Options"] = nosniff
		hd["X-Frame-Options"] = deny
		hd["Referrer-Policy"] = sameOrigin
		next.ServeHTTP(w, r)
	})
}

// guard names the request's actor in its context (playerbase.WithActor),
// once, so every change a handler makes carries the staff member without
// each call repeating it; it gives every browser a form token and checks
// it, the read-only mode and the actor on every post, before any handler
// parses the form.
func (h *handler) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := h.actor(r)
		r = r.WithContext(playerbase.WithActor(r.Context(), actor))
		if r.Method != http.MethodPost {
			if c, err := r.Cookie(csrfCookie); err != nil || len(c.Value) != tokenLen {
				tok := newToken()
				http.SetCookie(w, &http.Cookie{
					Name: csrfCookie, Value: tok, Path: h.prefix + "/",
					HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
				})
				r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok))
			}
			next.ServeHTTP(w, r)
			return
		}
		if h.readOnly {
			h.fail(w, r, http.StatusForbidden, "This admin page is read-only.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		c, err := r.Cookie(csrfCookie)
		if err != nil || len(c.Value) != tokenLen ||
			subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
			h.fail(w, r, http.StatusForbidden, "Cross-site request refused: the form's token is missing or stale. Reload the page and try again.")
			return
		}
		if strings.TrimSpace(actor) == "" {
			h.fail(w, r, http.StatusForbidden, "You may look but not change anything: no staff member is signed in.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type tokenKey struct{}

const tokenLen = 43 // 32 random bytes, base64url without padding

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// csrf returns the form token of the browser behind r: the cookie it sent,
// or the one set on this response.
func csrf(r *http.Request) string {
	if tok, ok := r.Context().Value(tokenKey{}).(string); ok {
		return tok
	}
	if c, err := r.Cookie(csrfCookie); err == nil {
		return c.Value
	}
	return ""
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// errStop is returned by a view builder that has already written a
// response.
var errStop = errors.New("admin: response written")
