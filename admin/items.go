package admin

import (
	"net/http"
	"strings"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
)

// ItemView is an item's page: its details, Discord link, and the command
// view.
type ItemView struct {
	Page
	Item     ItemRow
	Customer string
	Commands []CommandRow
	Form     *Form
	Message  string // a refused command action
	Confirm  bool   // the revoke confirmation
	Revoked  string // who revoked it, why and when
}

// CommandRow is one command queued for an item.
type CommandRow struct {
	ID, Server, Command, Stage, Status, Error, ResendOf string
	Attempts                                            int
	Created, Executed                                   Stamp
	CanResend, CanCancel                                bool
}

func (h *handler) itemView(r *http.Request, id inventory.ItemID, f *Form) (ItemView, error) {
	ctx := r.Context()
	it, err := h.pb.ItemGet(ctx, id)
	if err != nil {
		return ItemView{}, err
	}
	ps, err := h.products(ctx)
	if err != nil {
		return ItemView{}, err
	}
	cmds, err := h.pb.CommandList(ctx, id)
	if err != nil {
		return ItemView{}, err
	}
	row := itemRow(it, ps, h.now())
	v := ItemView{Page: h.page(r, row.Product), Item: row, Customer: string(it.Customer), Form: f}
	if it.RevokedAt != nil {
		v.Revoked = it.RevokedBy + ", " + stamp(*it.RevokedAt).Text()
		if it.RevokeReason != "" {
			v.Revoked += ": " + it.RevokeReason
		}
	}
	for i := len(cmds) - 1; i >= 0; i-- {
		c := cmds[i]
		v.Commands = append(v.Commands, CommandRow{
			ID: string(c.ID), Server: c.Server, Command: c.Command, Stage: string(c.Stage), Status: string(c.Status),
			Error: c.Error, ResendOf: string(c.ResendOf), Attempts: c.Attempts,
			Created: stamp(c.CreatedAt), Executed: stampPtr(c.ExecutedAt),
			CanResend: c.Status.Final(), CanCancel: c.Status == inventory.Pending,
		})
	}
	return v, nil
}

func (h *handler) itemID(w http.ResponseWriter, r *http.Request, s string) (inventory.ItemID, bool) {
	id, err := inventory.ParseItemID(s)
	if err != nil {
		h.fail(w, r, http.StatusNotFound, "No item has the ID "+s+".")
		return "", false
	}
	return id, true
}

func (h *handler) itemPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.itemID(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	v, err := h.itemView(r, id, nil)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "item.html", v)
}

func (h *handler) discord(w http.ResponseWriter, r *http.Request) {
	id, ok := h.itemID(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	f := newForm(r)
	var err error
	if d := strings.TrimSpace(f.V("discord_id")); d == "" || f.V("clear") != "" {
		_, err = h.pb.ItemClearDiscord(r.Context(), id)
	} else {
		_, err = h.pb.ItemSetDiscord(r.Context(), id, d)
	}
	if err == nil {
		h.redirect(w, r, "/items/"+string(id), "discord")
		return
	}
	h.itemRefused(w, r, id, f, err, only("discord_id"))
}

// itemRefused shows the item page again with a refused form.
func (h *handler) itemRefused(w http.ResponseWriter, r *http.Request, id inventory.ItemID, f *Form, err error, rename func(string) string) {
	status := f.refuse(err, rename)
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	v, verr := h.itemView(r, id, f)
	if verr != nil {
		h.failErr(w, r, verr)
		return
	}
	v.Message = f.Message
	h.render(w, status, "item.html", v)
}

func (h *handler) revokePage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.itemID(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	v, err := h.itemView(r, id, nil)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	v.Confirm = true
	h.render(w, http.StatusOK, "item.html", v)
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	id, ok := h.itemID(w, r, r.PathValue("id"))
	if !ok {
		return
	}
	f := newForm(r)
	it, err := h.pb.ItemRevoke(r.Context(), id, playerbase.ItemRevokeParams{Reason: f.V("reason")})
	if err == nil {
		h.redirect(w, r, "/customers/"+string(it.Customer)+"#inventory", "revoked")
		return
	}
	h.itemRefused(w, r, id, f, err, only("reason"))
}

func (h *handler) commandAction(w http.ResponseWriter, r *http.Request, do func(inventory.CommandID) (inventory.Command, error), done string) {
	f := newForm(r)
	item, ok := h.itemID(w, r, f.V("item"))
	if !ok {
		return
	}
	cid, err := inventory.ParseCommandID(r.PathValue("id"))
	if err == nil {
		_, err = do(cid)
	}
	if err == nil {
		h.redirect(w, r, "/items/"+string(item)+"#commands", done)
		return
	}
	h.itemRefused(w, r, item, f, err, only())
}

func (h *handler) commandResend(w http.ResponseWriter, r *http.Request) {
	h.commandAction(w, r, func(id inventory.CommandID) (inventory.Command, error) {
		return h.pb.CommandResend(r.Context(), id)
	}, "resent")
}

func (h *handler) commandCancel(w http.ResponseWriter, r *http.Request) {
	h.commandAction(w, r, func(id inventory.CommandID) (inventory.Command, error) {
		return h.pb.CommandCancel(r.Context(), id)
	}, "canceled")
}

// AssignView is the Assign Product form.
type AssignView struct {
	Page
	ID, Name string
	Products []Option
	Form     *Form
}

// Option is a choice of a select.
type Option struct{ Value, Label string }

func (h *handler) assignView(r *http.Request, id customer.ID, f *Form) (AssignView, error) {
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		return AssignView{}, err
	}
	ps, err := h.pb.ProductList(r.Context())
	if err != nil {
		return AssignView{}, err
	}
	v := AssignView{Page: h.page(r, "Assign a product to "+c.Name), ID: string(id), Name: c.Name, Form: f}
	for _, p := range ps {
		label := p.Name
		if p.Duration != nil {
			label += " (" + p.Duration.String() + ")"
		}
		v.Products = append(v.Products, Option{Value: string(p.ID), Label: label})
	}
	return v, nil
}

func (h *handler) assignPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	v, err := h.assignView(r, id, nil)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "assign.html", v)
}

func (h *handler) assign(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	pid, err := inventory.ParseProductID(f.V("product"))
	if err == nil {
		_, err = h.pb.ItemAssign(r.Context(), playerbase.ItemAssignParams{
			Customer: id, Product: pid, DiscordID: strings.TrimSpace(f.V("discord_id")),
		})
	}
	if err == nil {
		h.redirect(w, r, "/customers/"+string(id)+"#inventory", "assigned")
		return
	}
	status := f.refuse(err, func(field string) string {
		switch field {
		case "discord_id":
			return field
		case "product", "product_id":
			return "product"
		}
		return ""
	})
	if status == 0 {
		h.failErr(w, r, err)
		return
	}
	v, verr := h.assignView(r, id, f)
	if verr != nil {
		h.failErr(w, r, verr)
		return
	}
	h.render(w, status, "assign.html", v)
}
