package admin

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// CustomerView is the Customer Details Page.
type CustomerView struct {
	Page
	ID         string
	Name       string
	Platform   string
	PlatformID string
	// AltIDs are the platform ID's other forms (STEAM_0:…, [U:1:…]).
	AltIDs     []string
	Offline    bool // a Minecraft offline-mode UUID
	ProfileURL string
	FirstSeen  Stamp
	KnownIPs   []string
	Emails     []string
	Banner     []string // active ban IDs

	NetSpent, GrossSpent, MRR      string
	Payments, Refunds, Chargebacks int
	ActiveSubscriptions            int

	// The lists' rows, as the rows.html templates render them.
	ItemRows, OrderRows, SubRows []template.HTML

	ItemsNext     string
	OrdersNext    string
	OrderStatus   string
	OrderStatuses []Choice
	SubsNext      string
	SubStatus     string
	SubStatuses   []Choice

	Metadata        []MetaRow
	MetadataVersion string
	MetaForm        *Form
}

// ItemRow is an inventory line.
type ItemRow struct {
	ID      string
	Product string
	State   string
	Granted Stamp
	Expires Stamp
	Source  string
	// SourceRef is the order or subscription that granted the item, and
	// SourcePath its page under the prefix ("/orders/ord_…").
	SourceRef, SourcePath string
	Discord               string
	CanRevoke             bool
	// NoRevoke says why Revoke is not offered.
	NoRevoke string
}

// OrderRow is an order line.
type OrderRow struct {
	ID      string
	Created Stamp
	Status  string
	Total   string
	Net     string
}

// SubRow is a subscription line.
type SubRow struct {
	ID        string
	Product   string
	Status    string
	Amount    string
	Period    string
	PeriodEnd Stamp
	AtEnd     bool
}

// Choice is an option of a filter.
type Choice struct {
	Value, Label string
	Selected     bool
}

// choices lists statuses as a filter's options, the one chosen selected.
func choices[S ~string](statuses []S, chosen string) []Choice {
	out := make([]Choice, len(statuses))
	for i, s := range statuses {
		v := string(s)
		out[i] = Choice{Value: v, Label: strings.ToUpper(v[:1]) + v[1:], Selected: v == chosen}
	}
	return out
}

// MetaRow is one metadata row of the form, with its errors.
type MetaRow struct {
	Key, Value       string
	KeyErr, ValueErr string
}

type products map[inventory.ProductID]inventory.Product

func (h *handler) products(ctx context.Context) (products, error) {
	ps, err := h.pb.ProductList(ctx)
	if err != nil {
		return nil, err
	}
	m := make(products, len(ps))
	for _, p := range ps {
		m[p.ID] = p
	}
	return m, nil
}

// productName names a product by its ID, in any of the string types
// records hold it in; an unknown product shows its ID.
func productName[ID ~string](ps products, id ID) string {
	if p, ok := ps[inventory.ProductID(id)]; ok {
		return p.Name
	}
	return string(id)
}

// strs turns a list of IDs of a string type into strings.
func strs[ID ~string](ids []ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// customerView reads the details page. q holds the list filters and
// cursors; meta, if set, is a metadata form posted back with its errors.
func (h *handler) customerView(ctx context.Context, r *http.Request, id customer.ID, meta *Form) (CustomerView, error) {
	d, err := h.pb.CustomerDetails(ctx, id)
	if err != nil {
		return CustomerView{}, err
	}
	ps, err := h.products(ctx)
	if err != nil {
		return CustomerView{}, err
	}
	q := r.URL.Query()
	c := d.Customer
	v := CustomerView{
		Page: h.page(r, c.Name), ID: string(c.ID), Name: c.Name,
		Platform: platformName(c.PlatformID.Platform), PlatformID: c.PlatformID.Value,
		AltIDs: altIDs(c.PlatformID), Offline: c.PlatformID.Offline(),
		ProfileURL: d.ProfileURL, FirstSeen: stamp(c.FirstSeen),
		Emails:   c.KnownEmails,
		NetSpent: amounts(d.Stats.NetSpent), GrossSpent: amounts(d.Stats.GrossSpent), MRR: amounts(d.Stats.MRR),
		Payments: d.Stats.TotalPayments, Refunds: d.Stats.Refunds, Chargebacks: d.Stats.Chargebacks,
		ActiveSubscriptions: d.Stats.ActiveSubscriptions,
		MetadataVersion:     string(d.MetadataVersion),
		MetaForm:            meta,
	}
	for _, ip := range c.KnownIPs {
		v.KnownIPs = append(v.KnownIPs, ip.String())
	}
	for _, b := range d.Banner {
		v.Banner = append(v.Banner, string(b))
	}

	inv := d.Inventory
	if cur := q.Get("items_after"); cur != "" {
		if inv, err = h.pb.ItemList(ctx, id, playerbase.ItemListParams{Cursor: inventory.ItemID(cur), Limit: listRows}); err != nil {
			return CustomerView{}, err
		}
	}
	now := h.now()
	items, next := firstRows(inv.Items, inv.NextCursor, func(it inventory.Item) inventory.ItemID { return it.ID })
	itemRows := make([]ItemRow, len(items))
	for i, it := range items {
		itemRows[i] = itemRow(it, ps, now)
	}
	if v.ItemRows, err = h.items.render(h.rows, h.prefix, h.readOnly, itemRows); err != nil {
		return CustomerView{}, err
	}
	v.ItemsNext = string(next)

	op := d.Orders
	v.OrderStatus = q.Get("order_status")
	v.OrderStatuses = choices(orders.Statuses, v.OrderStatus)
	if v.OrderStatus != "" || q.Get("orders_after") != "" {
		p := playerbase.OrderListParams{Cursor: orders.ID(q.Get("orders_after")), Limit: listRows}
		if v.OrderStatus != "" {
			st, err := orders.ParseStatus(v.OrderStatus)
			if err != nil {
				return CustomerView{}, err
			}
			p.Statuses = []orders.Status{st}
		}
		if op, err = h.pb.OrderList(ctx, id, p); err != nil {
			return CustomerView{}, err
		}
	}
	ords, onext := firstRows(op.Orders, op.NextCursor, func(o orders.Order) orders.ID { return o.ID })
	orderRows := make([]OrderRow, len(ords))
	for i, o := range ords {
		orderRows[i] = OrderRow{
			ID: string(o.ID), Created: stamp(o.CreatedAt), Status: string(o.Status),
			Total: amount(o.Total), Net: netOf(o),
		}
	}
	if v.OrderRows, err = h.orders.render(h.rows, h.prefix, h.readOnly, orderRows); err != nil {
		return CustomerView{}, err
	}
	v.OrdersNext = string(onext)

	sp := d.Subscriptions
	v.SubStatus = q.Get("sub_status")
	v.SubStatuses = choices(subscriptions.Statuses, v.SubStatus)
	if v.SubStatus != "" || q.Get("subs_after") != "" {
		p := playerbase.SubscriptionListParams{Cursor: subscriptions.ID(q.Get("subs_after")), Limit: listRows}
		if v.SubStatus != "" {
			st, err := subscriptions.ParseStatus(v.SubStatus)
			if err != nil {
				return CustomerView{}, err
			}
			p.Statuses = []subscriptions.Status{st}
		}
		if sp, err = h.pb.SubscriptionList(ctx, id, p); err != nil {
			return CustomerView{}, err
		}
	}
	subs, snext := firstRows(sp.Subscriptions, sp.NextCursor, func(s subscriptions.Subscription) subscriptions.ID { return s.ID })
	subRows := make([]SubRow, len(subs))
	for i, s := range subs {
		subRows[i] = subRow(s, ps)
	}
	if v.SubRows, err = h.subs.render(h.rows, h.prefix, h.readOnly, subRows); err != nil {
		return CustomerView{}, err
	}
	v.SubsNext = string(snext)

	if meta != nil {
		v.Metadata = metaRows(meta)
		v.MetadataVersion = meta.V("version")
	} else {
		for _, k := range sortedKeys(d.Metadata) {
			v.Metadata = append(v.Metadata, MetaRow{Key: k, Value: d.Metadata[k]})
		}
		v.Metadata = append(v.Metadata, MetaRow{})
	}
	return v, nil
}

// listRows is how many rows of each list the details page shows; "More"
// continues from the last one shown.
const listRows = 10

// firstRows cuts a list page to the rows the details page shows and gives
// the cursor of the rest: the last shown row's ID (a list's cursor is the
// last ID of the previous page).
func firstRows[T any, ID ~string](rows []T, next ID, id func(T) ID) ([]T, ID) {
	if len(rows) <= listRows {
		return rows, next
	}
	rows = rows[:listRows]
	return rows, id(rows[listRows-1])
}

func netOf(o orders.Order) string {
	if !o.Paid() {
		return "—"
	}
	return o.Net().String()
}

func itemRow(it inventory.Item, ps products, now time.Time) ItemRow {
	row := ItemRow{
		ID: string(it.ID), Product: productName(ps, it.ProductID), State: string(it.State),
		Granted: stamp(it.GrantedAt), Expires: stampPtr(it.ExpiresAt), Source: sourceText(it.Source),
		Discord: it.DiscordUserID,
	}
	switch it.Source.Kind {
	case inventory.FromOrder:
		row.SourceRef, row.SourcePath = it.Source.OrderID, "/orders/"+it.Source.OrderID
	case inventory.FromSubscription:
		row.SourceRef, row.SourcePath = it.Source.SubscriptionID, "/subscriptions/"+it.Source.SubscriptionID
	}
	p, ok := ps[it.ProductID]
	if !ok {
		row.NoRevoke = "its product is gone"
		return row
	}
	var re *inventory.RevokeError
	switch err := inventory.CheckRevocable(it, p, now); {
	case err == nil:
		row.CanRevoke = true
	case errors.As(err, &re):
		row.NoRevoke = string(re.Why)
	default:
		row.NoRevoke = err.Error()
	}
	return row
}

func subRow(s subscriptions.Subscription, ps products) SubRow {
	return SubRow{
		ID: string(s.ID), Product: productName(ps, s.ProductID), Status: string(s.Status),
		Amount: amount(s.Amount), Period: s.Period.String(), PeriodEnd: stampPtr(s.CurrentPeriodEnd),
		AtEnd: s.CancelAtPeriodEnd,
	}
}

func sourceText(s inventory.Source) string {
	switch s.Kind {
	case inventory.FromOrder:
		return "order"
	case inventory.FromSubscription:
		return "subscription"
	case inventory.FromManual:
		return "assigned by " + s.Actor
	}
	return string(s.Kind)
}

func platformName(p customer.Platform) string {
	switch p {
	case customer.Steam:
		return "Steam"
	case customer.MinecraftJava:
		return "Minecraft Java"
	case customer.MinecraftBedrock:
		return "Minecraft Bedrock"
	}
	return string(p)
}

func altIDs(pid customer.PlatformID) []string {
	if pid.Platform != customer.Steam {
		return nil
	}
	id, err := strconv.ParseUint(pid.Value, 10, 64)
	if err != nil {
		return nil
	}
	return []string{customer.SteamID2(id), customer.SteamID3(id)}
}

func metaRows(f *Form) []MetaRow {
	keys, vals := f.Values["key"], f.Values["value"]
	rows := make([]MetaRow, 0, len(keys)+1)
	for i, k := range keys {
		row := MetaRow{Key: k}
		if i < len(vals) {
			row.Value = vals[i]
		}
		row.KeyErr = f.Err("metadata.rows[" + strconv.Itoa(i) + "].key")
		row.ValueErr = f.Err("metadata.rows[" + strconv.Itoa(i) + "].value")
		rows = append(rows, row)
	}
	if f.V("add") != "" || len(rows) == 0 {
		rows = append(rows, MetaRow{})
	}
	return rows
}

func sortedKeys(m metadata.Metadata) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// BanView is a ban's page, and its edit form.
type BanView struct {
	Page
	ID         string
	Active     bool
	Status     string
	Reason     string
	Expires    Stamp
	Identities []IdentityRow
	CreatedBy  string
	Created    Stamp
	UpdatedBy  string
	Updated    Stamp
	RemovedBy  string
	Removed    Stamp
	// Loaded is the UpdatedAt the edit form sends back.
	Loaded  string
	Form    *Form
	Types   []string
	Back    string // the customer the ban was opened from, if any
	Expiry  string // the expiry as the form's datetime-local value, UTC
	Confirm bool   // the unban confirmation
}

// IdentityRow is one identity of a ban.
type IdentityRow struct {
	Key   string // type:value, as the remove box posts it
	Type  string
	Value string
}

// identityTypes lists the identity types for a select, the addresses
// first: what a ban form adds most.
func identityTypes() []string {
	out := []string{string(bans.IP), string(bans.IPRange)}
	for _, t := range bans.IdentityTypes {
		if t != bans.IP && t != bans.IPRange {
			out = append(out, string(t))
		}
	}
	return out
}

func (h *handler) banView(r *http.Request, b bans.Ban, f *Form) BanView {
	now := h.now()
	v := BanView{
		Page: h.page(r, "Ban "+string(b.ID)), ID: string(b.ID), Active: b.Active(now), Reason: b.Reason,
		Expires: stampPtr(b.ExpiresAt), CreatedBy: b.CreatedBy, Created: stamp(b.CreatedAt),
		UpdatedBy: b.UpdatedBy, Updated: stamp(b.UpdatedAt), RemovedBy: b.RemovedBy, Removed: stampPtr(b.RemovedAt),
		Loaded: b.UpdatedAt.UTC().Format(time.RFC3339Nano), Form: f, Types: identityTypes(),
		Back: r.URL.Query().Get("customer"),
	}
	if _, err := customer.ParseID(v.Back); err != nil {
		v.Back = ""
	}
	switch {
	case b.Removed():
		v.Status = "lifted"
	case v.Active:
		v.Status = "active"
	default:
		v.Status = "expired"
	}
	if b.ExpiresAt != nil {
		v.Expiry = b.ExpiresAt.UTC().Format("2006-01-02T15:04")
	}
	for _, id := range b.Identities {
		v.Identities = append(v.Identities, IdentityRow{Key: id.String(), Type: string(id.Type), Value: id.Value})
	}
	return v
}

// parseIdentityKey reads "type:value" as IdentityRow.Key writes it.
func parseIdentityKey(s string) bans.Identity {
	t, v, _ := strings.Cut(s, ":")
	return bans.Identity{Type: bans.IdentityType(t), Value: v}
}
