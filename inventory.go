package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
)

// ProductCreate validates and stores a new product (inventory.CheckProduct:
// an unknown template variable is refused here, not at delivery). ID,
// Created, Updated and Version are set by the Client.
func (c *Client) ProductCreate(ctx context.Context, p inventory.Product) (inventory.Product, error) {
	now := c.clock()
	p, err := inventory.CheckProduct(p)
	if err != nil {
		return inventory.Product{}, err
	}
	p.ID, p.Created, p.Updated, p.Version = inventory.NewProductID(now), now, now, 0
	err = c.update(ctx, func(tx storage.Tx) error {
		if err := tx.Products().Create(ctx, p); err != nil {
			return err
		}
		return record(ctx, tx, now, events.ProductCreated, "", string(p.ID), nil, p)
	})
	if err != nil {
		return inventory.Product{}, err
	}
	return p, nil
}

// ProductUpdate replaces the product p.ID with p. p.Version is the version
// the editor read; if the product changed since, ProductUpdate fails with a
// conflict. Items already granted keep their expiry and commands already
// queued keep their text: a change applies to what happens next.
func (c *Client) ProductUpdate(ctx context.Context, p inventory.Product) (inventory.Product, error) {
	now := c.clock()
	p, err := inventory.CheckProduct(p)
	if err != nil {
		return inventory.Product{}, err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		old, err := tx.Products().Get(ctx, p.ID)
		if err != nil {
			return err
		}
		p.Created, p.Updated = old.Created, now
		if err := tx.Products().Update(ctx, p); err != nil {
			return err
		}
		saved := p
		saved.Version++
		return record(ctx, tx, now, events.ProductUpdated, "", string(p.ID), old, saved)
	})
	if err != nil {
		return inventory.Product{}, err
	}
	p.Version++
	return p, nil
}

// Product returns one product.
func (c *Client) ProductGet(ctx context.Context, id inventory.ProductID) (p inventory.Product, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		p, err = tx.Products().Get(ctx, id)
		return err
	})
	return p, err
}

// Products lists every product, oldest first.
func (c *Client) ProductList(ctx context.Context) (ps []inventory.Product, err error) {
	defer func() { ps = nonNil(ps) }()
	err = c.view(ctx, func(tx storage.Tx) error {
		ps, err = tx.Products().List(ctx)
		return err
	})
	return ps, err
}

// ItemAssignParams describe a manual assignment of a product to a customer.
type ItemAssignParams struct {
	Customer customer.ID
	Product  inventory.ProductID
	Actor    string // who assigns, e.g. "admin:alice"; "": ctx's (WithActor)
	// DiscordID optionally links the item to a Discord user (a snowflake).
	DiscordID string
}

// ItemAssign grants a product to a customer by hand, as the Customer
// Details Page's "Assign" does. Stacking applies as for a purchase: a
// re-assignment of a timed product may extend the active item instead of
// adding one. It queues on_purchase commands for a new item, on_renew for
// an extended one, and returns the item.
func (c *Client) ItemAssign(ctx context.Context, p ItemAssignParams) (it inventory.Item, err error) {
	ctx = withActor(ctx, p.Actor)
	now := c.clock()
	vars := inventory.Vars{}
	if p.DiscordID != "" {
		sf, err := inventory.ParseSnowflake(p.DiscordID, now)
		if err != nil {
			return inventory.Item{}, err
		}
		vars[inventory.VarDiscordID] = sf.String()
	}
	src, err := inventory.CheckSource(inventory.Source{Kind: inventory.FromManual, Actor: ActorOf(ctx)})
	if err != nil {
		return inventory.Item{}, err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err := tx.Customers().Get(ctx, p.Customer)
		if err != nil {
			return err
		}
		prod, err := tx.Products().Get(ctx, p.Product)
		if err != nil {
			return err
		}
		it, err = grantItem(ctx, tx, cust, prod, src, vars, now)
		return err
	})
	if err != nil {
		return inventory.Item{}, err
	}
	return it, nil
}

// grantItem grants p to cust from src at now, inside the caller's
// transaction (the order-completed and subscription workflows call it): it
// applies inventory.Grant's stacking, stores the new or extended item, and
// queues the product's on_purchase commands for a new item or on_renew for
// an extended one, rendered once with the customer's variables, the item's,
// src's order or subscription ID and vars (which win). A discord_id in vars
// (any snowflake form ParseSnowflake accepts) links a new item, or an
// extended one that has no link yet.
//
// The customer's items of p that have lapsed but are not swept yet are
// recorded expired first, with their on_expire commands: queued after the
// new item's on_purchase, a sweep's "remove" would undo the grant in game.
func grantItem(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, src inventory.Source, vars inventory.Vars, now time.Time) (inventory.Item, error) {
	return grantItemUntil(ctx, tx, cust, p, src, vars, nil, now)
}

// grantItemUntil is grantItem with the new or extended item's expiry set to
// until when until is not nil: a subscription's item lasts exactly its
// billing period, whatever the product's Duration.
func grantItemUntil(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, src inventory.Source, vars inventory.Vars, until *time.Time, now time.Time) (inventory.Item, error) {
	var st stack
	return st.grant(ctx, tx, cust, p, src, vars, until, now)
}

// stack is what successive grants of one product to one customer in one
// transaction, at one now, read (an order's units): reading it once per
// product keeps an order of N units O(N), whatever the customer holds.
// The first grant records the lapsed items expired, and no later one can
// find more (every grant's item expires after now). For a product whose
// grants extend (inventory.Extends), the item the last grant returned is
// the one the next extends: it was extended past every other, or, new, it
// is the only one left unexpired.
type stack struct {
	swept  bool
	target *inventory.Item // the item the next grant extends, once known
}

func (st *stack) grant(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, src inventory.Source, vars inventory.Vars, until *time.Time, now time.Time) (inventory.Item, error) {
	var discord string
	if d := vars[inventory.VarDiscordID]; d != "" {
		sf, err := inventory.ParseSnowflake(d, now)
		if err != nil {
			return inventory.Item{}, err
		}
		discord = sf.String()
	}
	src, err := inventory.CheckSource(src)
	if err != nil {
		return inventory.Item{}, err
	}
	if !st.swept {
		lapsed, err := tx.Items().Lapsed(ctx, cust.ID, p.ID, now)
		if err != nil {
			return inventory.Item{}, err
		}
		// Time ended them, not this grant: their events are the sweep's.
		expiry := WithActor(ctx, events.ActorExpiry)
		for _, a := range lapsed {
			if _, err := expireItem(expiry, tx, cust, p, a, now); err != nil {
				return inventory.Item{}, err
			}
		}
		st.swept = true
	}
	var candidates []inventory.Item
	switch extends := inventory.Extends(p, src); {
	case src.Kind == inventory.FromSubscription:
		if candidates, err = tx.Items().ListBySource(ctx, src); err != nil {
			return inventory.Item{}, err
		}
	case extends && st.target != nil:
		candidates = []inventory.Item{*st.target}
	case extends:
		target, ok, err := tx.Items().Extendable(ctx, cust.ID, p.ID, now)
		if err != nil {
			return inventory.Item{}, err
		}
		if ok {
			candidates = []inventory.Item{target}
		}
	}
	it, extended, err := inventory.Grant(candidates, p, cust.ID, src, now)
	if err != nil {
		return inventory.Item{}, err
	}
	if until != nil {
		it.ExpiresAt = new(until.UTC())
	}
	if discord != "" && it.DiscordUserID == "" {
		it.DiscordUserID = discord
	}
	stage := inventory.OnPurchase
	if extended {
		stage = inventory.OnRenew
		if err := tx.Items().Update(ctx, it); err != nil {
			return inventory.Item{}, err
		}
		it.Version++
		var was inventory.Item
		for _, c := range candidates {
			if c.ID == it.ID {
				was = c
			}
		}
		if err := record(ctx, tx, now, events.ItemExtended, it.Customer, string(it.ID), was, it); err != nil {
			return inventory.Item{}, err
		}
	} else {
		if err := tx.Items().Create(ctx, it); err != nil {
			return inventory.Item{}, err
		}
		if err := record(ctx, tx, now, events.ItemGranted, it.Customer, string(it.ID), nil, it); err != nil {
			return inventory.Item{}, err
		}
	}
	if inventory.Extends(p, src) && until == nil {
		st.target = new(it.Clone())
	}
	grantVars := inventory.Vars{inventory.VarOrderID: src.OrderID, inventory.VarSubscriptionID: src.SubscriptionID}
	all := inventory.Merge(grantVars, vars)
	delete(all, inventory.VarDiscordID) // the item's link, set above, renders
	if _, err := queueCommands(ctx, tx, cust, p, it, stage, all, now); err != nil {
		return inventory.Item{}, err
	}
	return it, nil
}

// queueStage queues the commands of it's product for stage (on_refund and
// on_chargeback from the order workflows), rendered with the customer's
// and the item's variables and vars (which win), and returns them.
func queueStage(ctx context.Context, tx storage.Tx, it inventory.Item, stage inventory.Stage, vars inventory.Vars, now time.Time) ([]inventory.Command, error) {
	cust, err := tx.Customers().Get(ctx, it.Customer)
	if err != nil {
		return nil, err
	}
	p, err := tx.Products().Get(ctx, it.ProductID)
	if err != nil {
		return nil, err
	}
	return queueCommands(ctx, tx, cust, p, it, stage, vars, now)
}

func queueCommands(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, it inventory.Item, stage inventory.Stage, vars inventory.Vars, now time.Time) ([]inventory.Command, error) {
	ts := p.CommandsFor(stage)
	if len(ts) == 0 {
		return nil, nil
	}
	all := inventory.Merge(inventory.CustomerVars(cust), inventory.ItemVars(it, p), vars)
	out := make([]inventory.Command, 0, len(ts))
	for _, t := range ts {
		cmd := inventory.NewCommand(it, cust.PlatformID.Value, t, all, now)
		if err := tx.Commands().Create(ctx, cmd); err != nil {
			return nil, err
		}
		if err := record(ctx, tx, now, events.CommandQueued, cmd.Customer, string(cmd.ID), nil, cmd); err != nil {
			return nil, err
		}
		out = append(out, cmd)
	}
	return out, nil
}

// revokeItem revokes an item inside the caller's transaction (ItemRevoke,
// and the refund and chargeback workflows by store policy) and queues its
// product's on_expire commands when the product has an on-expiry action.
// actor is the item's RevokedBy; the event's actor is ctx's, the one who
// made the call (for a refund, the payment webhook; the item's revoked_by
// says "payment:refund").
func revokeItem(ctx context.Context, tx storage.Tx, id inventory.ItemID, reason, actor string, now time.Time) (inventory.Item, error) {
	was, err := tx.Items().Get(ctx, id)
	if err != nil {
		return inventory.Item{}, err
	}
	p, err := tx.Products().Get(ctx, was.ProductID)
	if err != nil {
		return inventory.Item{}, err
	}
	it, err := inventory.Revoke(was, p, reason, actor, now)
	if err != nil {
		return inventory.Item{}, err
	}
	if err := tx.Items().Update(ctx, it); err != nil {
		return inventory.Item{}, err
	}
	it.Version++
	if err := record(ctx, tx, now, events.ItemRevoked, it.Customer, string(it.ID), was, it); err != nil {
		return inventory.Item{}, err
	}
	if p.HasExpiryAction() {
		cust, err := tx.Customers().Get(ctx, it.Customer)
		if err != nil {
			return inventory.Item{}, err
		}
		if _, err := queueCommands(ctx, tx, cust, p, it, inventory.OnExpire, nil, now); err != nil {
			return inventory.Item{}, err
		}
	}
	return it, nil
}

// ItemRevokeParams say why an item is revoked and who revokes it.
type ItemRevokeParams struct {
	Reason string // shown on the item, e.g. "chargeback"
	Actor  string // who revokes, e.g. "admin:alice"; "": ctx's (WithActor)
}

// ItemRevoke revokes an item (inventory.Revoke's rule: only an active item,
// and only if it expires or its product has an on-expiry action; otherwise
// an *inventory.RevokeError says why) and queues the on-expiry commands.
func (c *Client) ItemRevoke(ctx context.Context, id inventory.ItemID, p ItemRevokeParams) (it inventory.Item, err error) {
	ctx = withActor(ctx, p.Actor)
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		it, err = revokeItem(ctx, tx, id, p.Reason, ActorOf(ctx), now)
		return err
	})
	if err != nil {
		return inventory.Item{}, err
	}
	return it, nil
}

// Item returns one item with its State as of now: an item past its expiry
// reads expired before a sweep records it.
func (c *Client) ItemGet(ctx context.Context, id inventory.ItemID) (it inventory.Item, err error) {
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		it, err = tx.Items().Get(ctx, id)
		return err
	})
	if err != nil {
		return inventory.Item{}, err
	}
	it.State = it.StateAt(now)
	return it, nil
}

// ItemListParams select a page of a customer's items.
type ItemListParams struct {
	State  inventory.State  // "" (all), active, expired or revoked, judged now
	Cursor inventory.ItemID // the NextCursor of the previous page
	Limit  int              // ≤ 0: DefaultInventoryPage; at most MaxInventoryPage
}

// Page sizes for Inventory.
const (
	DefaultInventoryPage = 50
	MaxInventoryPage     = 500
)

// ItemPage is one page of items, newest first. NextCursor is "" on the
// last page.
type ItemPage struct {
	Items      []inventory.Item `json:"items"`
	NextCursor inventory.ItemID `json:"next_cursor"`
}

// Inventory lists a customer's items newest first, a page at a time, with
// each State as of now.
func (c *Client) ItemList(ctx context.Context, id customer.ID, p ItemListParams) (page ItemPage, err error) {
	if err := p.check(); err != nil {
		return ItemPage{}, err
	}
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		page, err = inventoryPage(ctx, tx, id, p, now)
		return err
	})
	return page, err
}

func (p ItemListParams) check() error {
	if p.State != "" {
		if _, err := inventory.ParseState(string(p.State)); err != nil {
			return err
		}
	}
	if p.Cursor != "" {
		if _, err := inventory.ParseItemID(string(p.Cursor)); err != nil {
			return err
		}
	}
	return nil
}

// inventoryPage reads one page of a customer's items in tx (Inventory and
// CustomerDetails); p has passed check.
func inventoryPage(ctx context.Context, tx storage.Tx, id customer.ID, p ItemListParams, now time.Time) (ItemPage, error) {
	want := pageSize(p.Limit, DefaultInventoryPage, MaxInventoryPage)
	q := inventory.ItemQuery{Customer: id, State: p.State, Now: now, Before: p.Cursor, Limit: want + 1}
	items, err := tx.Items().ListByCustomer(ctx, q)
	if err != nil {
		return ItemPage{}, err
	}
	var page ItemPage
	page.Items, page.NextCursor = cutPage(items, want, func(it inventory.Item) inventory.ItemID { return it.ID })
	for i := range page.Items {
		page.Items[i].State = page.Items[i].StateAt(now)
	}
	return page, nil
}

// sweepBatch is how many items one sweep transaction expires.
const sweepBatch = 100

// ItemSweepExpired records every item whose expiry has passed as expired and
// queues its product's on_expire commands, each item in the same
// transaction as its commands, so a second sweep finds nothing and the
// commands are queued exactly once. It returns how many items it expired.
// Its events are by events.ActorExpiry, whoever calls it: time ended the
// items.
func (c *Client) ItemSweepExpired(ctx context.Context) (int, error) {
	ctx = WithActor(ctx, events.ActorExpiry)
	now := c.clock()
	total := 0
	for {
		var n int
		// Another sweeper (another node) may record the same items first;
		// the retry finds them no longer due.
		err := retryOnConflict(func() error {
			return c.update(ctx, func(tx storage.Tx) (err error) {
				n, err = sweepExpired(ctx, tx, now, sweepBatch)
				return err
			})
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < sweepBatch {
			return total, nil
		}
	}
}

func sweepExpired(ctx context.Context, tx storage.Tx, now time.Time, limit int) (int, error) {
	due, err := tx.Items().DueForExpiry(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	products := map[inventory.ProductID]inventory.Product{}
	customers := map[customer.ID]customer.Customer{}
	for _, it := range due {
		p, ok := products[it.ProductID]
		if !ok {
			if p, err = tx.Products().Get(ctx, it.ProductID); err != nil {
				return 0, err
			}
			products[p.ID] = p
		}
		cust, ok := customers[it.Customer]
		if !ok {
			if cust, err = tx.Customers().Get(ctx, it.Customer); err != nil {
				return 0, err
			}
			customers[cust.ID] = cust
		}
		if _, err := expireItem(ctx, tx, cust, p, it, now); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// expireItem records it, whose expiry has passed at now, as expired and
// queues the on_expire commands of its product p when p has an on-expiry
// action: the sweep, a grant over a lapsed item and a subscription canceled
// now all end an item this one way, so its commands are queued once.
func expireItem(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, it inventory.Item, now time.Time) (inventory.Item, error) {
	return expireItemFrom(ctx, tx, cust, p, it, it, now)
}

// expireItemFrom is expireItem for it, a change of was that ends it (a
// subscription canceled now moves the expiry to now): the event shows
// the change from was.
func expireItemFrom(ctx context.Context, tx storage.Tx, cust customer.Customer, p inventory.Product, was, it inventory.Item, now time.Time) (inventory.Item, error) {
	it, err := inventory.Expire(it, now)
	if err != nil {
		return inventory.Item{}, err
	}
	if err := tx.Items().Update(ctx, it); err != nil {
		return inventory.Item{}, err
	}
	it.Version++
	if err := record(ctx, tx, now, events.ItemExpired, it.Customer, string(it.ID), was, it); err != nil {
		return inventory.Item{}, err
	}
	if p.HasExpiryAction() {
		if _, err := queueCommands(ctx, tx, cust, p, it, inventory.OnExpire, nil, now); err != nil {
			return inventory.Item{}, err
		}
	}
	return it, nil
}

// ItemSetDiscord links an item to a Discord user (a snowflake, see
// inventory.ParseSnowflake), replacing any link.
func (c *Client) ItemSetDiscord(ctx context.Context, id inventory.ItemID, discordID string) (inventory.Item, error) {
	now := c.clock()
	sf, err := inventory.ParseSnowflake(discordID, now)
	if err != nil {
		return inventory.Item{}, err
	}
	return c.setDiscord(ctx, id, sf.String(), now)
}

// ItemClearDiscord removes an item's Discord link.
func (c *Client) ItemClearDiscord(ctx context.Context, id inventory.ItemID) (inventory.Item, error) {
	return c.setDiscord(ctx, id, "", c.clock())
}

func (c *Client) setDiscord(ctx context.Context, id inventory.ItemID, discord string, now time.Time) (it inventory.Item, err error) {
	err = c.update(ctx, func(tx storage.Tx) error {
		if it, err = tx.Items().Get(ctx, id); err != nil {
			return err
		}
		if it.DiscordUserID == discord {
			return nil
		}
		was := it.Clone()
		it.DiscordUserID = discord
		if err := tx.Items().Update(ctx, it); err != nil {
			return err
		}
		it.Version++
		typ := events.DiscordLinked
		if discord == "" {
			typ = events.DiscordCleared
		}
		return record(ctx, tx, now, typ, it.Customer, string(it.ID), was, it)
	})
	if err != nil {
		return inventory.Item{}, err
	}
	it.State = it.StateAt(now)
	return it, nil
}

// CommandList lists an item's commands in the order they were queued,
// with server, exact command text, stage, status as of now (a command
// whose lease ran out reads pending: the next poll may hand it out again),
// attempts, times and error text. A resend is a command of its own whose
// ResendOf names the attempt it repeats, so the list is the whole history.
func (c *Client) CommandList(ctx context.Context, id inventory.ItemID) (cmds []inventory.Command, err error) {
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Items().Get(ctx, id); err != nil {
			return err
		}
		cmds, err = tx.Commands().ListByItem(ctx, id)
		return err
	})
	for i, cmd := range cmds {
		cmds[i] = commandAt(cmd, now)
	}
	if cmds == nil && err == nil {
		cmds = []inventory.Command{} // JSON: [], not null
	}
	return cmds, err
}

// CommandGet returns one command by its ID, which is also the Key a game
// server got it under (Delivery.Key, DeliveryResult.Key), so a plugin's or
// a support ticket's key leads straight to the record. Its status is as of
// now, as CommandList shows it. A malformed key is an *errs.InvalidError.
func (c *Client) CommandGet(ctx context.Context, key string) (cmd inventory.Command, err error) {
	id, err := inventory.ParseCommandID(key)
	if err != nil {
		return inventory.Command{}, err
	}
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		cmd, err = tx.Commands().Get(ctx, id)
		return err
	})
	if err != nil {
		return inventory.Command{}, err
	}
	return commandAt(cmd, now), nil
}

// commandAt is cmd as it reads at now: a lease that ran out reads pending,
// since the next poll may hand the command out again.
func commandAt(cmd inventory.Command, now time.Time) inventory.Command {
	if cmd.LeaseExpired(now) {
		cmd, _ = cmd.ExpireLease(now)
	}
	return cmd
}
