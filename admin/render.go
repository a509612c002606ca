package admin

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

// Page is what every page's view holds: the layout's needs.
type Page struct {
	Title    string
	Prefix   string
	CSRF     string
	ReadOnly bool
	// Flash reports the change a redirect came from ("Ban created").
	Flash string
}

func (h *handler) page(r *http.Request, title string) Page {
	return Page{Title: title, Prefix: h.prefix, CSRF: csrf(r), ReadOnly: h.readOnly, Flash: flashes[r.URL.Query().Get("done")]}
}

// flashes are the messages a redirect after a change may show, by code, so
// a link cannot make the page say anything else.
var flashes = map[string]string{
	"edited":     "Customer saved.",
	"banned":     "Ban created.",
	"ban-saved":  "Ban saved.",
	"unbanned":   "Ban lifted.",
	"metadata":   "Metadata saved.",
	"revoked":    "Item revoked.",
	"assigned":   "Product assigned.",
	"discord":    "Discord link saved.",
	"resent":     "Command queued again.",
	"canceled":   "Command canceled.",
	"refunded":   "Refund recorded.",
	"chargeback": "Chargeback recorded.",
	"sub-cancel": "Subscription canceled.",
	"tok-revoke": "Token revoked.",
	"tok-all":    "Every token revoked.",
}

// Form is a posted form shown again: what the user typed, the error next
// to each field, and a message for the whole form (a conflict).
type Form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
}

// V returns the value typed into field name.
func (f *Form) V(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Err returns the error shown next to field name, or "".
func (f *Form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Msg returns the message above the form, or "".
func (f *Form) Msg() string {
	if f == nil {
		return ""
	}
	return f.Message
}

// Has reports whether the multi-value field name holds v (a checked box).
func (f *Form) Has(name, v string) bool {
	if f == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == v {
			return true
		}
	}
	return false
}

// newForm keeps what r posted.
func newForm(r *http.Request) *Form {
	return &Form{Values: r.PostForm, Errors: map[string]string{}}
}

// refuse translates a client error into what the form shows and the status
// to send: an *errs.InvalidError next to the field rename maps its Field to
// (or above the form if rename gives ""), a conflict above the form. Other
// errors are not the user's: refuse returns 0 and the caller fails the
// request.
func (f *Form) refuse(err error, rename func(field string) string) int {
	var inv *errs.InvalidError
	switch {
	case errors.As(err, &inv):
		if name := rename(inv.Field); name != "" {
			f.Errors[name] = inv.Reason
		} else {
			f.Message = inv.Error()
		}
		return http.StatusUnprocessableEntity
	case errors.Is(err, errs.ErrInvalid):
		f.Message = err.Error()
		return http.StatusUnprocessableEntity
	case errors.Is(err, errs.ErrConflict):
		f.Message = conflictMessage(err)
		return http.StatusConflict
	case errors.Is(err, errs.ErrForbidden):
		f.Message = err.Error()
		return http.StatusForbidden
	case errors.Is(err, errs.ErrNotFound):
		f.Message = err.Error()
		return http.StatusNotFound
	}
	return 0
}

func conflictMessage(err error) string {
	var c *errs.ConflictError
	if errors.As(err, &c) && strings.HasPrefix(c.Reason, "stale version") {
		return "Someone else changed this " + c.Entity + " since you loaded the form; nothing was saved. Reload the page to see their change."
	}
	if errors.As(err, &c) && strings.Contains(c.Reason, "since the form was loaded") {
		return "Someone else changed this " + c.Entity + " since you loaded the form; nothing was saved. Reload the page to see their change."
	}
	return "Not done: " + err.Error()
}

// only maps the listed fields to themselves and the rest above the form.
func only(names ...string) func(string) string {
	return func(field string) string {
		for _, n := range names {
			if field == n {
				return n
			}
		}
		return ""
	}
}

// buffers hold pages while they render, so a page that fails to render
// sends an error page instead of half of itself.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes the page name with view, or an error page if it fails.
func (h *handler) render(w http.ResponseWriter, status int, name string, view any) {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	if err := h.pages[name].ExecuteTemplate(buf, "layout", view); err != nil {
		h.log.Error("admin: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w, len(buf.Bytes()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderCustomer writes the details page: the layout's top and bottom,
// cached per Page, around the view's sections.
func (h *handler) renderCustomer(w http.ResponseWriter, status int, v CustomerView) {
	top, err := h.tops.render(h.prefix, h.readOnly, v.Page)
	if err == nil {
		var bottom template.HTML
		if bottom, err = h.bottoms.render(h.prefix, h.readOnly, v.Page); err == nil {
			sendParts(w, status, top, v.Head, v.Inventory, v.Orders, v.Subscriptions, v.Metadata, bottom)
			return
		}
	}
	h.log.Error("admin: render", "page", "customer.html", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// sendParts writes a page made of parts, each a whole fragment in HTML's
// text context, so their concatenation is as safe as each. One write: a
// ResponseWriter that buffers grows once.
func sendParts(w http.ResponseWriter, status int, parts ...template.HTML) {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	for _, p := range parts {
		buf.WriteString(string(p))
	}
	setPageHeaders(w, buf.Len())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func setPageHeaders(w http.ResponseWriter, n int) {
	hd := w.Header()
	hd["Content-Type"] = textHTML
	hd["Cache-Control"] = noStore
	hd["Content-Length"] = []string{strconv.Itoa(n)}
}

// ErrorView is the view of an error page.
type ErrorView struct {
	Page
	Message string
}

// fail shows an error page with status.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, status, "error.html", ErrorView{Page: h.page(r, http.StatusText(status)), Message: msg})
}

// failErr shows the error page for an error a page could not recover from.
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errStop):
	case errors.Is(err, errs.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, errs.ErrInvalid):
		h.fail(w, r, http.StatusBadRequest, err.Error())
	case errors.Is(err, errs.ErrConflict):
		h.fail(w, r, http.StatusConflict, conflictMessage(err))
	case errors.Is(err, errs.ErrForbidden):
		h.fail(w, r, http.StatusForbidden, err.Error())
	default:
		h.log.Error("admin: request failed", "path", r.URL.Path, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "Something went wrong; the error is in the server's log.")
	}
}

// redirect sends the browser to path (under the prefix) after a change,
// with the change's flash code.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, path, done string) {
	u, frag, _ := strings.Cut(h.prefix+path, "#")
	if done != "" {
		if strings.Contains(u, "?") {
			u += "&done=" + done
		} else {
			u += "?done=" + done
		}
	}
	if frag != "" {
		u += "#" + frag
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// Stamp is a time as the page shows it: UTC text a script turns into the
// viewer's zone, with the UTC value kept on hover. It holds the instant in
// UTC without a monotonic reading, one representation per instant, so a
// fragment's data that holds it is a cache key, and it is formatted only
// when a fragment renders.
type Stamp struct{ t time.Time }

// ISO is the time in RFC 3339, for the <time> element; "" for none.
func (s Stamp) ISO() string {
	if s.t.IsZero() {
		return ""
	}
	return s.t.Format(time.RFC3339)
}

// Text is the time for people: "2026-11-25 12:00 UTC"; "" for none.
func (s Stamp) Text() string {
	if s.t.IsZero() {
		return ""
	}
	return s.t.Format("2006-01-02 15:04 UTC")
}

func stamp(t time.Time) Stamp {
	if t.IsZero() {
		return Stamp{}
	}
	return Stamp{t.UTC()}
}

func stampPtr(t *time.Time) Stamp {
	if t == nil {
		return Stamp{}
	}
	return stamp(*t)
}

// amounts formats one amount per currency: "12.00 EUR, 3.50 USD", or "—".
func amounts(as money.Amounts) string {
	if len(as) == 0 {
		return "—"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = amountText(a)
	}
	return strings.Join(s, ", ")
}

// amount formats an amount, or "—" for the zero Amount.
func amount(a money.Amount) string {
	if a.Currency.IsZero() {
		return "—"
	}
	return amountText(a)
}

// pow10 are the powers of ten an int64 holds.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// amountText is a.String() (the value rounded to the currency's minor
// unit, and the code) without big-number arithmetic for the amounts a
// store has: a value with at most as many decimals as the currency and
// few digits is its coefficient, scaled, with a decimal point. Others go
// through a.String(). The details page shows dozens of amounts; String
// costs as much as the rest of a row.
func amountText(a money.Amount) string {
	v, places := a.Value, a.Currency.MinorUnits()
	shift := v.Exponent() + places // the coefficient's scale to minor units
	if shift < 0 || places < 0 || int(places) >= len(pow10) || v.NumDigits()+int(shift) > 17 {
		return a.String()
	}
	c := v.CoefficientInt64() * pow10[shift]
	var b [48]byte
	out := b[:0]
	if c < 0 {
		out = append(out, '-')
		c = -c
	}
	out = strconv.AppendInt(out, c/pow10[places], 10)
	if places > 0 {
		out = append(out, '.')
		frac := strconv.AppendInt(b[len(b)-20:len(b)-20], c%pow10[places]+pow10[places], 10)
		out = append(out, frac[1:]...) // the leading 1 keeps the zeros
	}
	out = append(out, ' ')
	out = append(out, a.Currency.Code()...)
	return string(out)
}

// identityLabel names a ban identity type for people.
func identityLabel(t string) string {
	switch t {
	case "customer":
		return "Customer ID"
	case "name":
		return "Name"
	case "steam":
		return "SteamID64"
	case "minecraft_uuid":
		return "Minecraft UUID"
	case "ip":
		return "IP"
	case "ip_range":
		return "IP range"
	case "email":
		return "Email"
	}
	return t
}

// parsePages parses every page with the layout, and the list rows
// (rows.html) on their own.
func parsePages() (map[string]*template.Template, *template.Template) {
	funcs := template.FuncMap{"idlabel": identityLabel}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, e := range names {
		if e.Name() == "layout.html" || e.Name() == "rows.html" {
			continue
		}
		pages[e.Name()] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+e.Name()))
	}
	rows := template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/rows.html"))
	return pages, rows
}
