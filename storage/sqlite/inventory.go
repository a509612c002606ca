package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
)

type productsTx struct{ *tx }

// templateJSON is a command template as the products.commands column holds
// it; the tags keep the stored form independent of Go field names.
type templateJSON struct {
	Stage      inventory.Stage `json:"stage"`
	Server     string          `json:"server"`
	Template   string          `json:"template"`
	OnlineOnly bool            `json:"online_only"`
}

func templatesJSON(ts []inventory.CommandTemplate) string {
	out := make([]templateJSON, len(ts))
	for i, c := range ts {
		out[i] = templateJSON{c.Stage, c.Server, c.Template, c.OnlineOnly}
	}
	return jsonText(out)
}

// priceJSON is a price as the products.prices column holds it: the amount
// as a decimal string, so no precision is lost to JSON numbers.
type priceJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func pricesJSON(ps []money.Amount) string {
	out := make([]priceJSON, len(ps))
	for i, a := range ps {
		out[i] = priceJSON{a.Value.String(), a.Currency.Code()}
	}
	return jsonText(out)
}

func pricesOf(js []priceJSON) ([]money.Amount, error) {
	if len(js) == 0 {
		return nil, nil
	}
	out := make([]money.Amount, len(js))
	for i, j := range js {
		v, err := decimal.NewFromString(j.Amount)
		if err != nil {
			return nil, err
		}
		c, err := money.ParseCurrency(j.Currency)
		if err != nil {
			return nil, err
		}
		out[i] = money.Amount{Value: v, Currency: c}
	}
	return out, nil
}

const productColumns = `id, name, duration_count, duration_unit, on_expiry, commands, stacking, created, updated, version, prices`

func scanProduct(row scanner) (inventory.Product, error) {
	var p inventory.Product
	var count *int
	var unit *string
	var cmds []templateJSON
	var prices []priceJSON
	err := row.Scan(&p.ID, &p.Name, &count, &unit, &p.OnExpiry, jsonCol{&cmds}, &p.Stacking, timeCol{&p.Created},
		timeCol{&p.Updated}, &p.Version, jsonCol{&prices})
	if err != nil {
		return inventory.Product{}, err
	}
	if p.Prices, err = pricesOf(prices); err != nil {
		return inventory.Product{}, err
	}
	if count != nil && unit != nil {
		p.Duration = period.For(*count, period.Unit(*unit))
	}
	if len(cmds) > 0 {
		p.Commands = make([]inventory.CommandTemplate, len(cmds))
		for i, c := range cmds {
			p.Commands[i] = inventory.CommandTemplate{Stage: c.Stage, Server: c.Server, Template: c.Template, OnlineOnly: c.OnlineOnly}
		}
	}
	return p, nil
}

func duration(p inventory.Product) (count, unit any) {
	if p.Duration == nil {
		return nil, nil
	}
	return p.Duration.Count, string(p.Duration.Unit)
}

func (t productsTx) Create(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	count, unit := duration(p)
	_, err := t.exec(ctx, `insert into products (`+productColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
		p.ID, p.Name, count, unit, p.OnExpiry, templatesJSON(p.Commands), p.Stacking, ts(p.Created), ts(p.Updated), p.Version,
		pricesJSON(p.Prices))
	return t.translate(ctx, err, "product", string(p.ID))
}

func (t productsTx) Get(ctx context.Context, id inventory.ProductID) (inventory.Product, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Product{}, err
	}
	p, err := scanProduct(t.queryRow(ctx, `select `+productColumns+` from products where id = ?1`, id))
	if err != nil {
		return inventory.Product{}, t.translate(ctx, err, "product", string(id))
	}
	return p, nil
}

func (t productsTx) Update(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	count, unit := duration(p)
	n, err := t.exec(ctx, `update products
		set name = ?3, duration_count = ?4, duration_unit = ?5, on_expiry = ?6, commands = ?7, stacking = ?8,
		    created = ?9, updated = ?10, prices = ?11, version = version + 1
		where id = ?1 and version = ?2`,
		p.ID, p.Version, p.Name, count, unit, p.OnExpiry, templatesJSON(p.Commands), p.Stacking, ts(p.Created), ts(p.Updated),
		pricesJSON(p.Prices))
	if err != nil {
		return t.translate(ctx, err, "product", string(p.ID))
	}
	if n == 1 {
		return nil
	}
	if err := t.whyUnchanged(ctx, "products", "product", string(p.ID), p.Version); err != nil {
		return err
	}
	return errs.Conflict("product", string(p.ID), "changed concurrently")
}

func (t productsTx) List(ctx context.Context) ([]inventory.Product, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+productColumns+` from products order by id`, nil, scanProduct)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Product{}
	}
	return out, nil
}

type itemsTx struct{ *tx }

const itemColumns = `id, customer_id, product_id, source_kind, source_order_id, source_subscription_id, source_actor,
	granted_at, expires_at, state, revoked_at, revoke_reason, revoked_by, discord_user_id, version`

func scanItem(row scanner) (inventory.Item, error) {
	var it inventory.Item
	err := row.Scan(&it.ID, &it.Customer, &it.ProductID, &it.Source.Kind, &it.Source.OrderID, &it.Source.SubscriptionID,
		&it.Source.Actor, timeCol{&it.GrantedAt}, timePtrCol{&it.ExpiresAt}, &it.State, timePtrCol{&it.RevokedAt},
		&it.RevokeReason, &it.RevokedBy, &it.DiscordUserID, &it.Version)
	if err != nil {
		return inventory.Item{}, err
	}
	return it, nil
}

func (t itemsTx) Create(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into items (`+itemColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)`,
		it.ID, it.Customer, it.ProductID, it.Source.Kind, it.Source.OrderID, it.Source.SubscriptionID, it.Source.Actor,
		ts(it.GrantedAt), tsPtr(it.ExpiresAt), it.State, tsPtr(it.RevokedAt), it.RevokeReason, it.RevokedBy,
		it.DiscordUserID, it.Version)
	return t.translate(ctx, err, "item", string(it.ID),
		parent{"customer", "customers", string(it.Customer)}, parent{"product", "products", string(it.ProductID)})
}

func (t itemsTx) Get(ctx context.Context, id inventory.ItemID) (inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, err
	}
	it, err := scanItem(t.queryRow(ctx, `select `+itemColumns+` from items where id = ?1`, id))
	if err != nil {
		return inventory.Item{}, t.translate(ctx, err, "item", string(id))
	}
	return it, nil
}

func (t itemsTx) Update(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, `update items
		set source_kind = ?5, source_order_id = ?6, source_subscription_id = ?7, source_actor = ?8,
		    granted_at = ?9, expires_at = ?10, state = ?11, revoked_at = ?12, revoke_reason = ?13,
		    revoked_by = ?14, discord_user_id = ?15, version = version + 1
		where id = ?1 and version = ?2 and customer_id = ?3 and product_id = ?4`,
		it.ID, it.Version, it.Customer, it.ProductID, it.Source.Kind, it.Source.OrderID, it.Source.SubscriptionID,
		it.Source.Actor, ts(it.GrantedAt), tsPtr(it.ExpiresAt), it.State, tsPtr(it.RevokedAt), it.RevokeReason,
		it.RevokedBy, it.DiscordUserID)
	if err != nil {
		return t.translate(ctx, err, "item", string(it.ID))
	}
	if n == 1 {
		return nil
	}
	if err := t.whyUnchanged(ctx, "items", "item", string(it.ID), it.Version); err != nil {
		return err
	}
	return errs.Invalid("item", string(it.ID), "customer and product never change")
}

func (t itemsTx) ListByCustomer(ctx context.Context, q inventory.ItemQuery) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	query := `select ` + itemColumns + ` from items where customer_id = ` + a.add(q.Customer)
	// The SQL form of Item.StateAt: an item recorded active reads expired
	// from its expiry instant on.
	switch q.State {
	case "":
	case inventory.Active:
		query += ` and state = 'active' and (expires_at is null or expires_at > ` + a.add(ts(q.Now)) + `)`
	case inventory.Expired:
		query += ` and (state = 'expired' or state = 'active' and expires_at <= ` + a.add(ts(q.Now)) + `)`
	default:
		query += ` and state = ` + a.add(q.State)
	}
	if q.Before != "" {
		query += ` and id < ` + a.add(q.Before)
	}
	query += ` order by id desc limit ` + a.add(max(q.Limit, 1))
	return collect(ctx, t.tx, query, a, scanItem)
}

// Lapsed and Extendable read items_stack_idx; their predicates repeat its
// own so the planner can use it.
func (t itemsTx) Lapsed(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	return collect(ctx, t.tx, `select `+itemColumns+` from items
		where customer_id = ?1 and product_id = ?2 and state = 'active' and expires_at is not null
		  and expires_at <= ?3
		order by id`, []any{c, p, ts(now)}, scanItem)
}

func (t itemsTx) Extendable(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) (inventory.Item, bool, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, false, err
	}
	it, err := scanItem(t.queryRow(ctx, `select `+itemColumns+` from items
		where customer_id = ?1 and product_id = ?2 and state = 'active' and expires_at is not null
		  and expires_at > ?3 and source_kind <> 'subscription'
		order by expires_at desc, id
		limit 1`, c, p, ts(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return inventory.Item{}, false, nil
	}
	if err != nil {
		return inventory.Item{}, false, t.b.wrap(err)
	}
	return it, true, nil
}

func (t itemsTx) DueForExpiry(ctx context.Context, now time.Time, limit int) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+itemColumns+` from items
		where state = 'active' and expires_at is not null and expires_at <= ?1
		order by expires_at, id limit ?2`, []any{ts(now), max(limit, 1)}, scanItem)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Item{}
	}
	return out, nil
}

// ListBySource reads one of the partial indexes on the source columns: an
// order's or a subscription's items by ID.
func (t itemsTx) ListBySource(ctx context.Context, src inventory.Source) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	ref, ok := src.Ref()
	if !ok {
		return nil, errs.Invalid("source", string(src.Kind), "name an order or a subscription")
	}
	column := "source_order_id"
	if src.Kind == inventory.FromSubscription {
		column = "source_subscription_id"
	}
	out, err := collect(ctx, t.tx, `select `+itemColumns+` from items
		where `+column+` = ?1 and `+column+` <> '' and source_kind = ?2 order by id`, []any{ref, src.Kind}, scanItem)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Item{}
	}
	return out, nil
}

type commandsTx struct{ *tx }

const commandColumns = `id, item_id, customer_id, server, command, stage, online_only, player, status, attempts,
	created_at, executed_at, error, lease_id, lease_expires_at, resend_of, version`

func scanCommand(row scanner) (inventory.Command, error) {
	var c inventory.Command
	err := row.Scan(&c.ID, &c.ItemID, &c.Customer, &c.Server, &c.Command, &c.Stage, &c.OnlineOnly, &c.Player, &c.Status,
		&c.Attempts, timeCol{&c.CreatedAt}, timePtrCol{&c.ExecutedAt}, &c.Error, &c.LeaseID, timePtrCol{&c.LeaseExpiresAt},
		&c.ResendOf, &c.Version)
	if err != nil {
		return inventory.Command{}, err
	}
	return c, nil
}

func (t commandsTx) Create(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into commands (`+commandColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)`,
		c.ID, c.ItemID, c.Customer, c.Server, c.Command, c.Stage, c.OnlineOnly, c.Player, c.Status, c.Attempts,
		ts(c.CreatedAt), tsPtr(c.ExecutedAt), c.Error, c.LeaseID, tsPtr(c.LeaseExpiresAt), c.ResendOf, c.Version)
	return t.translate(ctx, err, "command", string(c.ID),
		parent{"item", "items", string(c.ItemID)}, parent{"customer", "customers", string(c.Customer)})
}

func (t commandsTx) Get(ctx context.Context, id inventory.CommandID) (inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Command{}, err
	}
	c, err := scanCommand(t.queryRow(ctx, `select `+commandColumns+` from commands where id = ?1`, id))
	if err != nil {
		return inventory.Command{}, t.translate(ctx, err, "command", string(id))
	}
	return c, nil
}

// updateCommand is the statement Update and UpdateMany write one command
// with, guarded by its version and item.
const updateCommand = `update commands
	set customer_id = ?4, server = ?5, command = ?6, stage = ?7, online_only = ?8, player = ?9, status = ?10,
	    attempts = ?11, created_at = ?12, executed_at = ?13, error = ?14, lease_id = ?15,
	    lease_expires_at = ?16, resend_of = ?17, version = version + 1
	where id = ?1 and version = ?2 and item_id = ?3`

func updateCommandArgs(c inventory.Command) []any {
	return []any{c.ID, c.Version, c.ItemID, c.Customer, c.Server, c.Command, c.Stage, c.OnlineOnly, c.Player, c.Status,
		c.Attempts, ts(c.CreatedAt), tsPtr(c.ExecutedAt), c.Error, c.LeaseID, tsPtr(c.LeaseExpiresAt), c.ResendOf}
}

func (t commandsTx) Update(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, updateCommand, updateCommandArgs(c)...)
	if err != nil {
		return t.translate(ctx, err, "command", string(c.ID), parent{"customer", "customers", string(c.Customer)})
	}
	if n == 1 {
		return nil
	}
	if err := t.whyUnchanged(ctx, "commands", "command", string(c.ID), c.Version); err != nil {
		return err
	}
	return errs.Invalid("command", string(c.ID), "the item never changes")
}

func (t commandsTx) ListByItem(ctx context.Context, item inventory.ItemID) ([]inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+commandColumns+` from commands where item_id = ?1 order by id`,
		[]any{item}, scanCommand)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Command{}
	}
	return out, nil
}
