package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
)

// whyUnchanged explains an optimistic UPDATE … WHERE id = $1 AND version = $2
// that changed no row: no such row (errs.NotFound) or a stale version
// (errs.Conflict). It returns nil if the version matches, so the caller can
// name its own extra condition.
func (t *tx) whyUnchanged(ctx context.Context, table, entity, id string, version int64) error {
	var stored int64
	err := t.scanRow(ctx, `select version from `+table+` where id = $1`, []any{id}, &stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errs.NotFound(entity, id)
	case err != nil:
		return wrap(err)
	case stored != version:
		return errs.Conflict(entity, id, staleVersion(version, stored))
	}
	return nil
}

type productsTx struct{ *tx }

// templateJSON is a command template as the products.commands column holds
// it; the tags keep the stored form independent of Go field names.
type templateJSON struct {
	Stage      inventory.Stage `json:"stage"`
	Server     string          `json:"server"`
	Template   string          `json:"template"`
	OnlineOnly bool            `json:"online_only"`
}

func templatesJSON(ts []inventory.CommandTemplate) []templateJSON {
	out := make([]templateJSON, len(ts))
	for i, c := range ts {
		out[i] = templateJSON{c.Stage, c.Server, c.Template, c.OnlineOnly}
	}
	return out
}

// priceJSON is a price as the products.prices column holds it: the amount
// as a decimal string, so no precision is lost to JSON numbers.
type priceJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// pricesJSON is the prices column's value: a JSON array, never null.
func pricesJSON(ps []money.Amount) []priceJSON {
	out := make([]priceJSON, len(ps))
	for i, a := range ps {
		out[i] = priceJSON{a.Value.String(), a.Currency.Code()}
	}
	return out
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

func scanProduct(row pgx.Row) (inventory.Product, error) {
	var p inventory.Product
	var count *int
	var unit *string
	var cmds []templateJSON
	var prices []priceJSON
	err := row.Scan(&p.ID, &p.Name, &count, &unit, &p.OnExpiry, &cmds, &p.Stacking, &p.Created, &p.Updated, &p.Version, &prices)
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
	p.Created, p.Updated = p.Created.UTC(), p.Updated.UTC()
	return p, nil
}

func scanProducts(r pgx.Rows) (inventory.Product, error) { return scanProduct(r) }

func duration(p inventory.Product) (*int, *string) {
	if p.Duration == nil {
		return nil, nil
	}
	u := string(p.Duration.Unit)
	return &p.Duration.Count, &u
}

func (t productsTx) Create(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	count, unit := duration(p)
	tag, err := t.exec(ctx, `insert into products (`+productColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (id) do nothing`,
		p.ID, p.Name, count, unit, p.OnExpiry, templatesJSON(p.Commands), p.Stacking, p.Created.UTC(), p.Updated.UTC(), p.Version,
		pricesJSON(p.Prices))
	if err != nil {
		return translate(err, "product", string(p.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("product", string(p.ID), "ID already exists")
	}
	return nil
}

func (t productsTx) Get(ctx context.Context, id inventory.ProductID) (inventory.Product, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Product{}, err
	}
	p, err := scanProduct(t.queryRow(ctx, `select `+productColumns+` from products where id = $1`, id))
	t.note(err)
	if err != nil {
		return inventory.Product{}, translate(err, "product", string(id))
	}
	return p, nil
}

func (t productsTx) Update(ctx context.Context, p inventory.Product) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	count, unit := duration(p)
	tag, err := t.exec(ctx, `update products
		set name = $3, duration_count = $4, duration_unit = $5, on_expiry = $6, commands = $7, stacking = $8,
		    created = $9, updated = $10, prices = $11, version = version + 1
		where id = $1 and version = $2`,
		p.ID, p.Version, p.Name, count, unit, p.OnExpiry, templatesJSON(p.Commands), p.Stacking, p.Created.UTC(), p.Updated.UTC(),
		pricesJSON(p.Prices))
	if err != nil {
		return translate(err, "product", string(p.ID))
	}
	if tag.RowsAffected() == 1 {
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
	out, err := collect(ctx, t.tx, `select `+productColumns+` from products order by id`, nil, scanProducts)
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

func scanItem(row pgx.Row) (inventory.Item, error) {
	var it inventory.Item
	err := row.Scan(&it.ID, &it.Customer, &it.ProductID, &it.Source.Kind, &it.Source.OrderID, &it.Source.SubscriptionID,
		&it.Source.Actor, &it.GrantedAt, &it.ExpiresAt, &it.State, &it.RevokedAt, &it.RevokeReason, &it.RevokedBy,
		&it.DiscordUserID, &it.Version)
	if err != nil {
		return inventory.Item{}, err
	}
	it.GrantedAt = it.GrantedAt.UTC()
	it.ExpiresAt, it.RevokedAt = utcPtr(it.ExpiresAt), utcPtr(it.RevokedAt)
	return it, nil
}

func scanItems(r pgx.Rows) (inventory.Item, error) { return scanItem(r) }

func (t itemsTx) Create(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into items (`+itemColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) on conflict (id) do nothing`,
		it.ID, it.Customer, it.ProductID, it.Source.Kind, it.Source.OrderID, it.Source.SubscriptionID, it.Source.Actor,
		it.GrantedAt.UTC(), utcPtr(it.ExpiresAt), it.State, utcPtr(it.RevokedAt), it.RevokeReason, it.RevokedBy,
		it.DiscordUserID, it.Version)
	if err != nil {
		return translate(err, "item", string(it.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("item", string(it.ID), "ID already exists")
	}
	return nil
}

func (t itemsTx) Get(ctx context.Context, id inventory.ItemID) (inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, err
	}
	it, err := scanItem(t.queryRow(ctx, `select `+itemColumns+` from items where id = $1`, id))
	t.note(err)
	if err != nil {
		return inventory.Item{}, translate(err, "item", string(id))
	}
	return it, nil
}

func (t itemsTx) Update(ctx context.Context, it inventory.Item) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update items
		set source_kind = $5, source_order_id = $6, source_subscription_id = $7, source_actor = $8,
		    granted_at = $9, expires_at = $10, state = $11, revoked_at = $12, revoke_reason = $13,
		    revoked_by = $14, discord_user_id = $15, version = version + 1
		where id = $1 and version = $2 and customer_id = $3 and product_id = $4`,
		it.ID, it.Version, it.Customer, it.ProductID, it.Source.Kind, it.Source.OrderID, it.Source.SubscriptionID,
		it.Source.Actor, it.GrantedAt.UTC(), utcPtr(it.ExpiresAt), it.State, utcPtr(it.RevokedAt), it.RevokeReason,
		it.RevokedBy, it.DiscordUserID)
	if err != nil {
		return translate(err, "item", string(it.ID))
	}
	if tag.RowsAffected() == 1 {
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
	sql := `select ` + itemColumns + ` from items where customer_id = ` + a.add(q.Customer)
	// The SQL form of Item.StateAt: an item recorded active reads expired
	// from its expiry instant on.
	switch q.State {
	case "":
	case inventory.Active:
		sql += ` and state = 'active' and (expires_at is null or expires_at > ` + a.add(q.Now.UTC()) + `)`
	case inventory.Expired:
		sql += ` and (state = 'expired' or state = 'active' and expires_at <= ` + a.add(q.Now.UTC()) + `)`
	default:
		sql += ` and state = ` + a.add(q.State)
	}
	if q.Before != "" {
		sql += ` and id < ` + a.add(q.Before)
	}
	sql += ` order by id desc limit ` + a.add(max(q.Limit, 1))
	return collect(ctx, t.tx, sql, a, scanItems)
}

// Lapsed and Extendable read items_stack_idx (migration 0009); their
// predicates repeat its own so the planner can use it.
func (t itemsTx) Lapsed(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	return collect(ctx, t.tx, `select `+itemColumns+` from items
		where customer_id = $1 and product_id = $2 and state = 'active' and expires_at is not null
		  and expires_at <= $3
		order by id`, []any{c, p, now.UTC()}, scanItems)
}

func (t itemsTx) Extendable(ctx context.Context, c customer.ID, p inventory.ProductID, now time.Time) (inventory.Item, bool, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Item{}, false, err
	}
	it, err := scanItem(t.queryRow(ctx, `select `+itemColumns+` from items
		where customer_id = $1 and product_id = $2 and state = 'active' and expires_at is not null
		  and expires_at > $3 and source_kind <> 'subscription'
		order by expires_at desc, id
		limit 1`, c, p, now.UTC()))
	t.note(err)
	if errors.Is(err, pgx.ErrNoRows) {
		return inventory.Item{}, false, nil
	}
	if err != nil {
		return inventory.Item{}, false, wrap(err)
	}
	return it, true, nil
}

func (t itemsTx) DueForExpiry(ctx context.Context, now time.Time, limit int) ([]inventory.Item, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+itemColumns+` from items
		where state = 'active' and expires_at is not null and expires_at <= $1
		order by expires_at, id limit $2`, []any{now.UTC(), max(limit, 1)}, scanItems)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Item{}
	}
	return out, nil
}

// ListBySource reads one of the partial indexes of migration 0006: an
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
	// The column <> '' spelled out lets the generic plan use the partial
	// index rather than scan the table.
	out, err := collect(ctx, t.tx, `select `+itemColumns+` from items
		where `+column+` = $1 and `+column+` <> '' and source_kind = $2 order by id`, []any{ref, src.Kind}, scanItems)
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

func scanCommand(row pgx.Row) (inventory.Command, error) {
	var c inventory.Command
	err := row.Scan(&c.ID, &c.ItemID, &c.Customer, &c.Server, &c.Command, &c.Stage, &c.OnlineOnly, &c.Player, &c.Status,
		&c.Attempts, &c.CreatedAt, &c.ExecutedAt, &c.Error, &c.LeaseID, &c.LeaseExpiresAt, &c.ResendOf, &c.Version)
	if err != nil {
		return inventory.Command{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.ExecutedAt, c.LeaseExpiresAt = utcPtr(c.ExecutedAt), utcPtr(c.LeaseExpiresAt)
	return c, nil
}

func scanCommands(r pgx.Rows) (inventory.Command, error) { return scanCommand(r) }

func (t commandsTx) Create(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into commands (`+commandColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) on conflict (id) do nothing`,
		c.ID, c.ItemID, c.Customer, c.Server, c.Command, c.Stage, c.OnlineOnly, c.Player, c.Status, c.Attempts,
		c.CreatedAt.UTC(), utcPtr(c.ExecutedAt), c.Error, c.LeaseID, utcPtr(c.LeaseExpiresAt), c.ResendOf, c.Version)
	if err != nil {
		return translate(err, "command", string(c.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("command", string(c.ID), "ID already exists")
	}
	return nil
}

func (t commandsTx) Get(ctx context.Context, id inventory.CommandID) (inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return inventory.Command{}, err
	}
	c, err := scanCommand(t.queryRow(ctx, `select `+commandColumns+` from commands where id = $1`, id))
	t.note(err)
	if err != nil {
		return inventory.Command{}, translate(err, "command", string(id))
	}
	return c, nil
}

func (t commandsTx) Update(ctx context.Context, c inventory.Command) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update commands
		set customer_id = $4, server = $5, command = $6, stage = $7, online_only = $8, player = $9, status = $10,
		    attempts = $11, created_at = $12, executed_at = $13, error = $14, lease_id = $15,
		    lease_expires_at = $16, resend_of = $17, version = version + 1
		where id = $1 and version = $2 and item_id = $3`,
		c.ID, c.Version, c.ItemID, c.Customer, c.Server, c.Command, c.Stage, c.OnlineOnly, c.Player, c.Status,
		c.Attempts, c.CreatedAt.UTC(), utcPtr(c.ExecutedAt), c.Error, c.LeaseID, utcPtr(c.LeaseExpiresAt), c.ResendOf)
	if err != nil {
		return translate(err, "command", string(c.ID))
	}
	if tag.RowsAffected() == 1 {
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
	out, err := collect(ctx, t.tx, `select `+commandColumns+` from commands where item_id = $1 order by id`,
		[]any{item}, scanCommands)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Command{}
	}
	return out, nil
}
