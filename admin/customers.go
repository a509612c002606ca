package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
)

// SearchView is the Customers page.
type SearchView struct {
	Page
	Query    string
	Matched  string
	Error    string
	Results  []SearchRow
	Next     string
	Searched bool
}

// SearchRow is one customer found.
type SearchRow struct {
	ID, Name, Platform, PlatformID string
	FirstSeen                      Stamp
	Bans                           []string
}

func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := SearchView{Page: h.page(r, "Customers"), Query: q.Get("q")}
	if strings.TrimSpace(v.Query) != "" {
		v.Searched = true
		page, err := h.pb.CustomerSearch(r.Context(), playerbase.CustomerSearchParams{
			Query: v.Query, Cursor: customer.ID(q.Get("after")),
		})
		f := &Form{Errors: map[string]string{}}
		if err != nil {
			if f.refuse(err, only()) == 0 {
				h.failErr(w, r, err)
				return
			}
			v.Error = f.Message
			h.render(w, http.StatusUnprocessableEntity, "search.html", v)
			return
		}
		v.Matched, v.Next = page.Matched, string(page.NextCursor)
		for _, res := range page.Results {
			row := SearchRow{
				ID: string(res.Customer.ID), Name: res.Customer.Name,
				Platform: platformName(res.Customer.PlatformID.Platform), PlatformID: res.Customer.PlatformID.Value,
				FirstSeen: stamp(res.Customer.FirstSeen),
			}
			for _, b := range res.Bans {
				row.Bans = append(row.Bans, string(b))
			}
			v.Results = append(v.Results, row)
		}
	}
	h.render(w, http.StatusOK, "search.html", v)
}

func (h *handler) customerID(w http.ResponseWriter, r *http.Request) (customer.ID, bool) {
	id, err := customer.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, http.StatusNotFound, "No customer has the ID "+r.PathValue("id")+".")
		return "", false
	}
	return id, true
}

func (h *handler) customerPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	v, err := h.customerView(r.Context(), r, id, nil)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderCustomer(w, http.StatusOK, v)
}

// EditView is the Edit Customer form.
type EditView struct {
	Page
	ID, Name, Platform, PlatformID string
	Version                        int64
	Form                           *Form
}

func (h *handler) editView(r *http.Request, c customer.Customer, f *Form) EditView {
	v := EditView{
		Page: h.page(r, "Edit "+c.Name), ID: string(c.ID), Name: c.Name,
		Platform: platformName(c.PlatformID.Platform), PlatformID: c.PlatformID.Value, Version: c.Version, Form: f,
	}
	if f != nil {
		v.Name, v.PlatformID = f.V("name"), f.V("platform_id")
		v.Version, _ = strconv.ParseInt(f.V("version"), 10, 64)
	}
	return v
}

func (h *handler) editPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "edit.html", h.editView(r, c, nil))
}

func (h *handler) edit(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	version, err := strconv.ParseInt(f.V("version"), 10, 64)
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "The form is missing the customer's version; reload it.")
		return
	}
	_, err = h.pb.CustomerUpdate(r.Context(), id, playerbase.CustomerUpdateParams{Version: version, Name: f.V("name"), PlatformID: f.V("platform_id")})
	if err == nil {
		h.redirect(w, r, "/customers/"+string(id), "edited")
		return
	}
	status := f.refuse(err, func(field string) string {
		switch field {
		case "name":
			return field
		case "platform_id", "steam_id", "uuid", "xuid":
			return "platform_id"
		}
		return ""
	})
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	c, cerr := h.pb.CustomerGet(r.Context(), id)
	if cerr != nil {
		h.failErr(w, r, cerr)
		return
	}
	h.render(w, status, "edit.html", h.editView(r, c, f))
}

func (h *handler) metadataReplace(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	keys, vals := f.Values["key"], f.Values["value"]
	if len(keys) != len(vals) {
		h.fail(w, r, http.StatusBadRequest, "The metadata form is malformed; reload it.")
		return
	}
	status := http.StatusOK
	if f.V("add") == "" {
		rows := make([]metadata.Field, len(keys))
		for i := range keys {
			rows[i] = metadata.Field{Key: keys[i], Value: vals[i]}
		}
		_, err := h.pb.MetadataReplace(r.Context(), id, rows, metadata.Version(f.V("version")))
		if err == nil {
			h.redirect(w, r, "/customers/"+string(id)+"#metadata", "metadata")
			return
		}
		if status = f.refuse(err, metaField); status == 0 {
			h.failErr(w, r, err)
			return
		}
	}
	// Add Field without a script, or a refused form: the page again with
	// what was typed.
	v, err := h.customerView(r.Context(), r, id, f)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderCustomer(w, status, v)
}

// metaField puts an error about a row next to the row and any other (too
// many keys, a malformed version) above the form, where it shows.
func metaField(field string) string {
	if strings.HasPrefix(field, "metadata.rows[") {
		return field
	}
	return ""
}

// TokensView is the Manage Tokens page.
type TokensView struct {
	Page
	ID, Name string
	Tokens   []TokenRow
	// Secret is the token just issued, shown on this response only.
	Secret  string
	Issued  string
	Form    *Form
	Confirm bool // the revoke-all confirmation
	Live    int
}

// TokenRow is one token, without its secret or hash.
type TokenRow struct {
	ID, Label, Status string
	Created, Expires  Stamp
	Live              bool
}

func (h *handler) tokensView(r *http.Request, id customer.ID) (TokensView, error) {
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		return TokensView{}, err
	}
	toks, err := h.pb.TokenList(r.Context(), id)
	if err != nil {
		return TokensView{}, err
	}
	v := TokensView{Page: h.page(r, "Tokens of "+c.Name), ID: string(id), Name: c.Name}
	now := h.now()
	for _, t := range toks {
		row := TokenRow{ID: string(t.ID), Label: t.Label, Created: stamp(t.Created), Expires: stampPtr(t.ExpiresAt), Live: t.Usable(now)}
		switch {
		case t.RevokedAt != nil:
			row.Status = "revoked"
		case !row.Live:
			row.Status = "expired"
		default:
			row.Status = "live"
			v.Live++
		}
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

func (h *handler) tokensPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	v, err := h.tokensView(r, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "tokens.html", v)
}

func (h *handler) tokenIssue(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	p := playerbase.TokenIssueParams{Label: f.V("label")}
	status := http.StatusOK
	var secret, issued string
	exp, err := parseExpiry(f.V("expires_at"))
	if err == nil {
		p.ExpiresAt = exp
		var tok customer.Token
		tok, secret, err = h.pb.TokenIssue(r.Context(), id, p)
		issued = string(tok.ID)
	}
	if err != nil {
		if status = f.refuse(err, only("label", "expires_at")); status == 0 {
			h.failErr(w, r, err)
			return
		}
	}
	v, verr := h.tokensView(r, id)
	if verr != nil {
		h.failErr(w, r, verr)
		return
	}
	v.Secret, v.Issued = secret, issued
	if err != nil {
		v.Form = f
	}
	h.render(w, status, "tokens.html", v)
}

func (h *handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	tid := customer.TokenID(r.PathValue("token"))
	v, err := h.tokensView(r, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	owned := false
	for _, t := range v.Tokens {
		owned = owned || t.ID == string(tid)
	}
	if !owned {
		h.fail(w, r, http.StatusNotFound, "This customer has no token "+string(tid)+".")
		return
	}
	if err := h.pb.TokenRevoke(r.Context(), tid); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.redirect(w, r, "/customers/"+string(id)+"/tokens", "tok-revoke")
}

func (h *handler) tokenRevokeAllPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	v, err := h.tokensView(r, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	v.Confirm = true
	h.render(w, http.StatusOK, "tokens.html", v)
}

func (h *handler) tokenRevokeAll(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	if _, err := h.pb.TokenRevokeAll(r.Context(), id); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.redirect(w, r, "/customers/"+string(id)+"/tokens", "tok-all")
}

// parseExpiry reads a datetime-local field, in UTC, as the forms label it;
// "" is no expiry.
func parseExpiry(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			if t.Year() > 9999 {
				break
			}
			return &t, nil
		}
	}
	return nil, invalidExpiry(s)
}
