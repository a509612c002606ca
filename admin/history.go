package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
)

// historyRows is how many events a History page shows; "Older" continues.
const historyRows = 25

// HistoryView is the History tab of the Customer Details Page.
type HistoryView struct {
	Page
	ID, Name string
	Events   []EventRow
	// Older is the cursor of the next page, "" on the last; Paged says
	// this is not the newest page.
	Older string
	Paged bool
}

// EventRow is one change in a customer's history.
type EventRow struct {
	Time  Stamp
	Actor string
	// What says what happened, in words; Type is the event's type name.
	What, Type string
	// Subject is the ID of the record changed, SubjectPath its page under
	// the prefix ("" when it has none).
	Subject, SubjectPath string
	Changes              []ChangeRow
}

// ChangeRow is one changed field, its values as text. Before is absent
// (Created) for a record created, After (Removed) for one removed.
type ChangeRow struct {
	Field, Before, After string
	Created, Removed     bool
}

// eventLabels say what an event type means to the person reading the
// history. An unknown type (one added after this page) shows its name.
var eventLabels = map[events.Type]string{
	events.CustomerCreated:       "Customer created",
	events.CustomerUpdated:       "Customer edited",
	events.TokenIssued:           "Token issued",
	events.TokenRevoked:          "Token revoked",
	events.MetadataChanged:       "Metadata changed",
	events.OrderCreated:          "Order created",
	events.OrderCompleted:        "Order completed",
	events.OrderRefunded:         "Order refunded",
	events.OrderChargedBack:      "Order charged back",
	events.OrderCanceled:         "Order canceled",
	events.SubscriptionCreated:   "Subscription created",
	events.SubscriptionActivated: "Subscription activated",
	events.SubscriptionRenewed:   "Subscription renewed",
	events.SubscriptionCanceled:  "Subscription canceled",
	events.ItemGranted:           "Item granted",
	events.ItemExtended:          "Item extended",
	events.ItemRevoked:           "Item revoked",
	events.ItemExpired:           "Item expired",
	events.DiscordLinked:         "Discord linked",
	events.DiscordCleared:        "Discord link cleared",
	events.CommandQueued:         "Command queued",
	events.CommandExecuted:       "Command executed",
	events.CommandFailed:         "Command failed",
	events.CommandCanceled:       "Command canceled",
	events.CommandResent:         "Command resent",
	events.BanCreated:            "Ban created",
	events.BanUpdated:            "Ban edited",
	events.BanRemoved:            "Ban lifted",
	events.ProductCreated:        "Product created",
	events.ProductUpdated:        "Product updated",
}

func eventLabel(t events.Type) string {
	if l, ok := eventLabels[t]; ok {
		return l
	}
	return string(t)
}

// subjectPath is the page of the record an event changed, by its ID's
// prefix; "" for a record without a page of its own (a command, a
// product).
func subjectPath(subject string, cust customer.ID) string {
	kind, _, ok := strings.Cut(subject, "_")
	if !ok {
		return ""
	}
	switch kind {
	case "ban":
		return "/bans/" + subject + "?customer=" + string(cust)
	case "ord":
		return "/orders/" + subject
	case "sub":
		return "/subscriptions/" + subject
	case "inv":
		return "/items/" + subject
	case "tok":
		return "/customers/" + string(cust) + "/tokens"
	case "cus":
		return "/customers/" + subject
	}
	return ""
}

// valueText shows a field's JSON value as text: a string without its
// quotes, null as "—", anything else (a number, a list) as compact JSON.
func valueText(raw json.RawMessage) string {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "—"
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s == "" {
				return `""`
			}
			return s
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// empty reports whether a JSON value is null, "", [] or {}.
func empty(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", `""`, "[]", "{}":
		return true
	}
	return false
}

func eventRow(e events.Event, cust customer.ID) EventRow {
	row := EventRow{
		Time: stamp(e.Time), Actor: e.Actor, What: eventLabel(e.Type), Type: string(e.Type),
		Subject: e.Subject, SubjectPath: subjectPath(e.Subject, cust),
	}
	for _, f := range e.Changes.Fields() {
		ch := e.Changes[f]
		if len(ch.Before) == 0 && empty(ch.After) || len(ch.After) == 0 && empty(ch.Before) {
			continue // a field a created (removed) record leaves (left) unset says nothing
		}
		row.Changes = append(row.Changes, ChangeRow{
			Field: f, Before: valueText(ch.Before), After: valueText(ch.After),
			Created: len(ch.Before) == 0, Removed: len(ch.After) == 0,
		})
	}
	return row
}

func (h *handler) historyPage(w http.ResponseWriter, r *http.Request) {
	id, ok := h.customerID(w, r)
	if !ok {
		return
	}
	p := playerbase.CustomerHistoryParams{Limit: historyRows}
	if s := r.URL.Query().Get("before"); s != "" {
		before, err := events.ParseSeq(s)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		p.Before = before
	}
	c, err := h.pb.CustomerGet(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	page, err := h.pb.CustomerHistory(r.Context(), id, p)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	v := HistoryView{Page: h.page(r, "History of "+c.Name), ID: string(id), Name: c.Name, Paged: p.Before > 0}
	for _, e := range page.Events {
		v.Events = append(v.Events, eventRow(e, id))
	}
	if page.NextCursor > 0 {
		v.Older = strconv.FormatInt(int64(page.NextCursor), 10)
	}
	h.render(w, http.StatusOK, "history.html", v)
}
