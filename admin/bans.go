package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

func invalidExpiry(s string) error {
	return errs.Invalid("expires_at", s, "want a date and time such as 2026-12-31T23:59 (UTC)")
}

// BanNewView is the Ban form of a customer.
type BanNewView struct {
	Page
	ID, Name string
	// Identities are what the customer is known by, to tick.
	Identities []IdentityRow
	Types      []string
	Form       *Form
}

func (h *handler) banNewView(r *http.Request, c customer.Customer, f *Form) BanNewView {
	v := BanNewView{Page: h.page(r, "Ban "+c.Name), ID: string(c.ID), Name: c.Name, Types: identityTypes(), Form: f}
	for _, id := range bans.IdentitiesOf(c) {
		v.Identities = append(v.Identities, IdentityRow{Key: id.String(), Type: string(id.Type), Value: id.Value})
	}
	return v
}

func (h *handler) banNewPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	// The customer's own identities start ticked, the IPs and emails
	// not: a shared address bans more than the customer.
	f := &Form{Values: map[string][]string{"extra_type": {string(bans.IP)}}, Errors: map[string]string{}}
	for _, ident := range bans.IdentitiesOf(c) {
		if ident.Type != bans.IP && ident.Type != bans.Email {
			f.Values.Add("identity", ident.String())
		}
	}
	h.render(w, http.StatusOK, "ban_new.html", h.banNewView(r, c, f))
}

func (h *handler) banCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	f := newForm(r)
	var ids []bans.Identity
	for _, k := range f.Values["identity"] {
		ids = append(ids, parseIdentityKey(k))
	}
	ticked := len(ids)
	if v := strings.TrimSpace(f.V("extra_value")); v != "" {
		ids = append(ids, bans.Identity{Type: bans.IdentityType(f.V("extra_type")), Value: v})
	}
	_, err = func() (bans.Ban, error) {
		exp, err := parseExpiry(f.V("expires_at"))
		if err != nil {
			return bans.Ban{}, err
		}
		return h.pb.BanCreate(r.Context(), playerbase.BanCreateParams{Reason: f.V("reason"), ExpiresAt: exp, Identities: ids})
	}()
	if err == nil {
		h.redirect(w, r, "/customers/"+string(id), "banned")
		return
	}
	status := f.refuse(err, func(field string) string {
		switch {
		case field == "reason" || field == "expires_at":
			return field
		case field == "identities":
			return "identity"
		case strings.HasPrefix(field, "identities["):
			n, _, _ := strings.Cut(strings.TrimPrefix(field, "identities["), "]")
			if i, err := strconv.Atoi(n); err == nil && i >= ticked {
				return "extra_value"
			}
			return "identity"
		}
		return ""
	})
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	h.render(w, status, "ban_new.html", h.banNewView(r, c, f))
}

func (h *handler) ban(w http.ResponseWriter, r *http.Request) (bans.Ban, bool) {
	id, err := bans.ParseID(r.PathValue("id"))
	if err == nil {
		var b bans.Ban
		if b, err = h.pb.BanGet(r.Context(), id); err == nil {
			return b, true
		}
	}
	h.failErr(w, r, err)
	return bans.Ban{}, false
}

func (h *handler) banPage(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.ban(w, r); ok {
		h.render(w, http.StatusOK, "ban.html", h.banView(r, b, nil))
	}
}

func (h *handler) banEditPage(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.ban(w, r); ok {
		h.render(w, http.StatusOK, "ban_edit.html", h.banView(r, b, nil))
	}
}

func (h *handler) banUpdate(w http.ResponseWriter, r *http.Request) {
	b, ok := h.ban(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	reason := f.V("reason")
	ch := playerbase.BanUpdateParams{Reason: &reason}
	loaded, err := time.Parse(time.RFC3339Nano, f.V("loaded"))
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, "The form is missing the ban's version; reload it.")
		return
	}
	ch.Loaded = &loaded
	for _, k := range f.Values["remove"] {
		ch.Remove = append(ch.Remove, parseIdentityKey(k))
	}
	if v := strings.TrimSpace(f.V("add_value")); v != "" {
		ch.Add = []bans.Identity{{Type: bans.IdentityType(f.V("add_type")), Value: v}}
	}
	_, err = func() (bans.Ban, error) {
		if f.V("permanent") != "" {
			ch.SetExpiry = true
		} else if exp, err := parseExpiry(f.V("expires_at")); err != nil {
			return bans.Ban{}, err
		} else if exp != nil && (b.ExpiresAt == nil || !exp.Equal(b.ExpiresAt.Truncate(time.Minute))) {
			ch.SetExpiry, ch.ExpiresAt = true, exp
		}
		return h.pb.BanUpdate(r.Context(), b.ID, ch)
	}()
	if err == nil {
		h.redirect(w, r, "/bans/"+string(b.ID)+backQuery(f.V("customer")), "ban-saved")
		return
	}
	status := f.refuse(err, func(field string) string {
		switch {
		case field == "reason" || field == "expires_at":
			return field
		case strings.HasPrefix(field, "add"):
			return "add_value"
		case strings.HasPrefix(field, "remove"):
			return "remove"
		}
		return ""
	})
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	v := h.banView(r, b, f)
	v.Back = f.V("customer")
	h.render(w, status, "ban_edit.html", v)
}

// backQuery keeps the customer a ban page was opened from, for its links.
func backQuery(id string) string {
	if _, err := customer.ParseID(id); err != nil {
		return ""
	}
	return "?customer=" + id
}

func (h *handler) unbanPage(w http.ResponseWriter, r *http.Request) {
	if b, ok := h.ban(w, r); ok {
		v := h.banView(r, b, nil)
		v.Confirm = true
		h.render(w, http.StatusOK, "ban.html", v)
	}
}

func (h *handler) unban(w http.ResponseWriter, r *http.Request) {
	b, ok := h.ban(w, r)
	if !ok {
		return
	}
	if _, err := h.pb.BanRemove(r.Context(), b.ID, playerbase.BanRemoveParams{}); err != nil {
		h.failErr(w, r, err)
		return
	}
	if back := r.PostFormValue("customer"); backQuery(back) != "" {
		h.redirect(w, r, "/customers/"+back, "unbanned")
		return
	}
	h.redirect(w, r, "/bans/"+string(b.ID), "unbanned")
}
