package admin

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// CustomerView is the Customer Details Page: its sections, each rendered
// on its own from data that is also its cache key (see fragments), so a
// section that has not changed since the page was last shown is not
// rendered again.
type CustomerView struct {
	Page
	Head, Inventory, Orders, Subscriptions, Metadata template.HTML
}

// HeadData is the top of the details page: the name, the action buttons,
// the tabs, the ban banner, the profile and the stats.
type HeadData struct {
	ID         string
	Name       string
	Platform   string
	PlatformID string
	pid        customer.PlatformID
	Offline    bool // a Minecraft offline-mode UUID
	ProfileURL string
	FirstSeen  Stamp
	KnownIPs   list
	Emails     list
	Banner     list // active ban IDs

	NetSpent, GrossSpent, MRR      string
	Payments, Refunds, Chargebacks int
	ActiveSubscriptions            int
}

// AltIDs are the platform ID's other forms (STEAM_0:…, [U:1:…]).
func (d HeadData) AltIDs() []string { return altIDs(d.pid) }

// shown is the rows a details-page list shows: at most listRows, in a
// comparable array so a section's data can hold them.
type shown[R comparable] struct {
	Rows [listRows]R
	N    int
}

func shownOf[R comparable](rows []R) (s shown[R]) {
	s.N = copy(s.Rows[:], rows)
	return s
}

// html renders the rows with c.
func (s shown[R]) html(c *fragments[R], prefix string, readOnly bool) func() ([]template.HTML, error) {
	return func() ([]template.HTML, error) {
		out := make([]template.HTML, s.N)
		return out, c.renderEach(prefix, readOnly, s.Rows[:s.N], out)
	}
}

// InventoryData is the Inventory section. It holds its rows' memo keys
// (see memo): a row's data is a function of its key, so the keys stand
// for the rows, and a section that is cached needs no row looked up.
type InventoryData struct {
	ID    string
	Items shown[itemRowKey]
	Next  string // the cursor of "More items"
}

// OrdersData is the Orders section with its status filter; it holds its
// rows' memo keys, as InventoryData does.
type OrdersData struct {
	ID     string
	Status string // the filter, "" for all
	Orders shown[orderRowKey]
	Next   string
}

// Statuses are the filter's options.
func (d OrdersData) Statuses() []Choice { return choices(orders.Statuses, d.Status) }

// SubscriptionsData is the Subscriptions section with its status filter.
type SubscriptionsData struct {
	ID            string
	Status        string
	Subscriptions shown[SubRow]
	Next          string
}

// Statuses are the filter's options.
func (d SubscriptionsData) Statuses() []Choice { return choices(subscriptions.Statuses, d.Status) }

// MetadataData is the metadata form.
type MetadataData struct {
	ID, CSRF, Version string
	Msg               string // above the form: a conflict
	// Fields holds each row's key, value, key error and value error, in
	// turn.
	Fields list
}

// Rows returns the form's rows.
func (d MetadataData) Rows() []MetaRow {
	f := d.Fields.Items()
	rows := make([]MetaRow, 0, len(f)/4)
	for i := 0; i+3 < len(f); i += 4 {
		rows = append(rows, MetaRow{Key: f[i], Value: f[i+1], KeyErr: f[i+2], ValueErr: f[i+3]})
	}
	return rows
}

func metaFields(rows []MetaRow) list {
	f := make([]string, 0, 4*len(rows))
	for _, r := range rows {
		f = append(f, r.Key, r.Value, r.KeyErr, r.ValueErr)
	}
	return listOf(f)
}

// ItemRow is an inventory line.
type ItemRow struct {
	ID      string
	Product string
	State   string
	Granted Stamp
	Expires Stamp
	Source  string
	// SourceRef is the order or subscription that granted the item.
	SourceRef  string
	sourceKind inventory.SourceKind
	Discord    string
	CanRevoke  bool
	// NoRevoke says why Revoke is not offered.
	NoRevoke string
}

// SourcePath is the page of the item's order or subscription under the
// prefix ("/orders/ord_…"), "" for none.
func (r ItemRow) SourcePath() string {
	switch {
	case r.SourceRef == "":
		return ""
	case r.sourceKind == inventory.FromOrder:
		return "/orders/" + r.SourceRef
	case r.sourceKind == inventory.FromSubscription:
		return "/subscriptions/" + r.SourceRef
	}
	return ""
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
	v := CustomerView{Page: h.page(r, c.Name)}
	head := HeadData{
		ID: string(c.ID), Name: c.Name,
		Platform: platformName(c.PlatformID.Platform), PlatformID: c.PlatformID.Value,
		pid: c.PlatformID, Offline: c.PlatformID.Offline(),
		ProfileURL: d.ProfileURL, FirstSeen: stamp(c.FirstSeen),
		Emails: listOf(c.KnownEmails), Banner: listOf(d.Banner),
		NetSpent: amounts(d.Stats.NetSpent), GrossSpent: amounts(d.Stats.GrossSpent), MRR: amounts(d.Stats.MRR),
		Payments: d.Stats.TotalPayments, Refunds: d.Stats.Refunds, Chargebacks: d.Stats.Chargebacks,
		ActiveSubscriptions: d.Stats.ActiveSubscriptions,
	}
	if len(c.KnownIPs) > 0 {
		ips := make([]string, len(c.KnownIPs))
		for i, ip := range c.KnownIPs {
			ips[i] = ip.String()
		}
		head.KnownIPs = listOf(ips)
	}
	if v.Head, err = h.heads.render(h.prefix, h.readOnly, head); err != nil {
		return CustomerView{}, err
	}

	inv := d.Inventory
	if cur := q.Get("items_after"); cur != "" {
		if inv, err = h.pb.ItemList(ctx, id, playerbase.ItemListParams{Cursor: inventory.ItemID(cur), Limit: listRows}); err != nil {
			return CustomerView{}, err
		}
	}
	now := h.now()
	items, next := firstRows(inv.Items, inv.NextCursor, func(it inventory.Item) inventory.ItemID { return it.ID })
	invData := InventoryData{ID: head.ID, Next: string(next)}
	for i, it := range items {
		p, found := ps[it.ProductID]
		invData.Items.Rows[i] = itemRowKey{
			ID: it.ID, Version: it.Version, State: it.State, StateAt: it.StateAt(now),
			Product: it.ProductID, ProductVersion: p.Version, ProductFound: found,
		}
	}
	invData.Items.N = len(items)
	itemsHTML := func() ([]template.HTML, error) {
		rows := make([]ItemRow, len(items))
		for i, it := range items {
			rows[i] = h.itemRows.get(invData.Items.Rows[i], func() ItemRow { return itemRow(it, ps, now) })
		}
		out := make([]template.HTML, len(rows))
		return out, h.items.renderEach(h.prefix, h.readOnly, rows, out)
	}
	if v.Inventory, err = h.invSections.renderWithRows(h.prefix, h.readOnly, invData, itemsHTML); err != nil {
		return CustomerView{}, err
	}

	op := d.Orders
	ordData := OrdersData{ID: head.ID, Status: q.Get("order_status")}
	if ordData.Status != "" || q.Get("orders_after") != "" {
		p := playerbase.OrderListParams{Cursor: orders.ID(q.Get("orders_after")), Limit: listRows}
		if ordData.Status != "" {
			st, err := orders.ParseStatus(ordData.Status)
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
	for i, o := range ords {
		ordData.Orders.Rows[i] = orderRowKey{ID: o.ID, Version: o.Version, Status: o.Status, Updated: o.UpdatedAt.UTC()}
	}
	ordData.Orders.N, ordData.Next = len(ords), string(onext)
	ordersHTML := func() ([]template.HTML, error) {
		rows := make([]OrderRow, len(ords))
		for i, o := range ords {
			rows[i] = h.orderRows.get(ordData.Orders.Rows[i], func() OrderRow { return orderRowOf(o) })
		}
		out := make([]template.HTML, len(rows))
		return out, h.orders.renderEach(h.prefix, h.readOnly, rows, out)
	}
	if v.Orders, err = h.orderSections.renderWithRows(h.prefix, h.readOnly, ordData, ordersHTML); err != nil {
		return CustomerView{}, err
	}

	sp := d.Subscriptions
	subData := SubscriptionsData{ID: head.ID, Status: q.Get("sub_status")}
	if subData.Status != "" || q.Get("subs_after") != "" {
		p := playerbase.SubscriptionListParams{Cursor: subscriptions.ID(q.Get("subs_after")), Limit: listRows}
		if subData.Status != "" {
			st, err := subscriptions.ParseStatus(subData.Status)
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
	subData.Subscriptions, subData.Next = shownOf(subRows), string(snext)
	if v.Subscriptions, err = h.subSections.renderWithRows(h.prefix, h.readOnly, subData, subData.Subscriptions.html(h.subs, h.prefix, h.readOnly)); err != nil {
		return CustomerView{}, err
	}

	md := MetadataData{ID: head.ID, CSRF: v.CSRF, Version: string(d.MetadataVersion)}
	var rows []MetaRow
	if meta != nil {
		rows = metaRows(meta)
		md.Version, md.Msg = meta.V("version"), meta.Msg()
	} else {
		for _, k := range sortedKeys(d.Metadata) {
			rows = append(rows, MetaRow{Key: k, Value: d.Metadata[k]})
		}
		rows = append(rows, MetaRow{})
	}
	md.Fields = metaFields(rows)
	if v.Metadata, err = h.metaSections.render(h.prefix, h.readOnly, md); err != nil {
		return CustomerView{}, err
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

// orderRowKey is what identifies a stored order's content: its Version
// moves on every stored change (Store.Update refuses a stale one); status
// and update time are checked too.
type orderRowKey struct {
	ID      orders.ID
	Version int64
	Status  orders.Status
	Updated time.Time
}

func orderRowOf(o orders.Order) OrderRow {
	return OrderRow{
		ID: string(o.ID), Created: stamp(o.CreatedAt), Status: string(o.Status),
		Total: amount(o.Total), Net: netOf(o),
	}
}

// itemRowKey is what an item's row depends on: the stored item (its
// Version moves on every stored change), its state as the Client read it
// and at the page's now, and its product's stored version, if it has one.
type itemRowKey struct {
	ID             inventory.ItemID
	Version        int64
	State, StateAt inventory.State
	Product        inventory.ProductID
	ProductVersion int64
	ProductFound   bool
}

// memo keeps a view row per key of the record it shows, so a page does not
// rebuild the row of a record that has not changed (an order's net is
// decimal arithmetic; an item's revocability a rule and an error) on every
// load.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (c *memo[K, V]) get(key K, build func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok {
		return v
	}
	v := build()
	if c.m == nil || len(c.m) >= maxRows {
		c.m = map[K]V{}
	}
	c.m[key] = v
	return v
}

func (c *memo[K, V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

func netOf(o orders.Order) string {
	if !o.Paid() {
		return "—"
	}
	return amountText(o.Net())
}

func itemRow(it inventory.Item, ps products, now time.Time) ItemRow {
	row := ItemRow{
		ID: string(it.ID), Product: productName(ps, it.ProductID), State: string(it.State),
		Granted: stamp(it.GrantedAt), Expires: stampPtr(it.ExpiresAt), Source: sourceText(it.Source),
		Discord: it.DiscordUserID,
	}
	switch it.Source.Kind {
	case inventory.FromOrder:
		row.SourceRef, row.sourceKind = it.Source.OrderID, it.Source.Kind
	case inventory.FromSubscription:
		row.SourceRef, row.sourceKind = it.Source.SubscriptionID, it.Source.Kind
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
