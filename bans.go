package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// BanCreateParams describe a new ban. Identities may be raw ("STEAM_0:0:1",
// "::ffff:203.0.113.7"); they are parsed here, once.
type BanCreateParams struct {
	Reason     string
	ExpiresAt  *time.Time // nil: permanent
	Identities []bans.Identity
	Actor      string // who bans, e.g. "admin:alice"; "": ctx's (WithActor)
}

// Ban creates a ban.
func (c *Client) BanCreate(ctx context.Context, p BanCreateParams) (bans.Ban, error) {
	ctx = withActor(ctx, p.Actor)
	now := c.clock()
	b, err := bans.New(bans.Draft{Reason: p.Reason, ExpiresAt: p.ExpiresAt, Identities: p.Identities, Actor: ActorOf(ctx)}, now)
	if err != nil {
		return bans.Ban{}, err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		if err := tx.Bans().Create(ctx, b); err != nil {
			return err
		}
		return recordBan(ctx, tx, now, events.BanCreated, bans.Ban{}, b)
	})
	if err != nil {
		return bans.Ban{}, err
	}
	return b, nil
}

// BanGet returns a ban, removed or not. A pasted ID ("ban_01…", any
// case) goes through bans.ParseID first.
func (c *Client) BanGet(ctx context.Context, id bans.ID) (b bans.Ban, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		b, err = tx.Bans().Get(ctx, id)
		return err
	})
	return b, err
}

// BanListParams select bans to list.
type BanListParams struct {
	// Identity filters by an identity type and, if Value is set, a value in
	// any accepted form.
	Identity bans.Identity
	State    bans.State // "" (all), active, expired or removed, judged now
	Cursor   bans.ID    // the NextCursor of the previous page
	Limit    int        // ≤ 0: DefaultBanPage; at most MaxBanPage
}

// Page sizes for BanList.
const (
	DefaultBanPage = 50
	MaxBanPage     = 500
)

// BanPage is one page of bans, newest first. NextCursor is "" on the last
// page.
type BanPage struct {
	Bans       []bans.Ban `json:"bans"`
	NextCursor bans.ID    `json:"next_cursor"`
}

// BanList lists bans newest first, a page at a time. Removed bans stay
// listed: unban keeps history.
func (c *Client) BanList(ctx context.Context, p BanListParams) (BanPage, error) {
	lp := bans.ListParams{State: p.State, Cursor: p.Cursor, Now: c.clock()}
	if p.Identity.Type != "" || p.Identity.Value != "" {
		t, err := bans.ParseIdentityType(string(p.Identity.Type))
		if err != nil {
			return BanPage{}, err
		}
		lp.Type = t
	}
	if p.Identity.Value != "" {
		id, err := bans.ParseIdentity(p.Identity.Type, p.Identity.Value)
		if err != nil {
			return BanPage{}, err
		}
		lp.Value = id.Value
	}
	if _, err := bans.ParseState(string(p.State)); err != nil {
		return BanPage{}, err
	}
	if p.Cursor != "" {
		cur, err := bans.ParseID(string(p.Cursor))
		if err != nil {
			return BanPage{}, err
		}
		lp.Cursor = cur
	}
	want := pageSize(p.Limit, DefaultBanPage, MaxBanPage)
	lp.Limit = want + 1
	var page BanPage
	err := c.view(ctx, func(tx storage.Tx) error {
		bs, err := tx.Bans().List(ctx, lp)
		if err != nil {
			return err
		}
		page.Bans, page.NextCursor = cutPage(bs, want, func(b bans.Ban) bans.ID { return b.ID })
		return nil
	})
	return page, err
}

// BanUpdateParams is an edit of a ban: see bans.Change.
type BanUpdateParams = bans.Change

// BanUpdate changes a ban's reason, expiry or identities (at least one
// stays). A removed ban cannot change.
func (c *Client) BanUpdate(ctx context.Context, id bans.ID, ch BanUpdateParams) (b bans.Ban, err error) {
	ctx = withActor(ctx, ch.Actor)
	ch.Actor = ActorOf(ctx)
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cur, err := tx.Bans().Get(ctx, id)
		if err != nil {
			return err
		}
		if b, err = cur.Apply(ch, now); err != nil {
			return err
		}
		if err := tx.Bans().Update(ctx, b); err != nil {
			return err
		}
		return recordBan(ctx, tx, now, events.BanUpdated, cur, b)
	})
	if err != nil {
		return bans.Ban{}, err
	}
	return b, nil
}

// BanRemoveParams describe lifting a ban.
type BanRemoveParams struct {
	Actor string // who lifts it, e.g. "admin:alice"; "": ctx's (WithActor)
}

// BanRemove lifts a ban (an unban). The ban stays stored and listed, with
// who lifted it and when; lifting it again is a *bans.RemovedError.
func (c *Client) BanRemove(ctx context.Context, id bans.ID, p BanRemoveParams) (b bans.Ban, err error) {
	ctx = withActor(ctx, p.Actor)
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cur, err := tx.Bans().Get(ctx, id)
		if err != nil {
			return err
		}
		if b, err = cur.Unban(ActorOf(ctx), now); err != nil {
			return err
		}
		if err := tx.Bans().Update(ctx, b); err != nil {
			return err
		}
		return recordBan(ctx, tx, now, events.BanRemoved, cur, b)
	})
	if err != nil {
		return bans.Ban{}, err
	}
	return b, nil
}

// Check returns every ban active now that matches any of the identities
// (raw or canonical), newest first.
func (c *Client) BanFind(ctx context.Context, identities []bans.Identity) (found []bans.Ban, err error) {
	defer func() { found = nonNil(found) }()
	ids, err := bans.ParseIdentities(identities)
	if err != nil {
		return nil, err
	}
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		found, err = activeBans(ctx, tx, ids, now)
		return err
	})
	return found, err
}

// BanCheck returns the IDs of the bans active now that match any of the
// identities (raw or canonical), newest first; none is nil. It is Check's
// question for a game server's join, without the bans themselves: on a
// backend that offers storage.BanChecker it is answered outside any
// transaction (PostgreSQL: one statement; memory: without waiting for
// writes that touch no ban). A plugin that keeps a bans.Index (BanWatch)
// asks the index instead and never waits on the database.
func (c *Client) BanCheck(ctx context.Context, identities []bans.Identity) ([]bans.ID, error) {
	ids, err := bans.ParseIdentities(identities)
	if err != nil {
		return nil, err
	}
	now := c.clock()
	if bc, ok := c.backend.(storage.BanChecker); ok {
		found, err := bc.CheckBans(ctx, ids, now)
		if err != nil {
			return nil, err
		}
		return nonNil(found), nil
	}
	var found []bans.Ban
	err = c.view(ctx, func(tx storage.Tx) error {
		found, err = activeBans(ctx, tx, ids, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return nonNil(bans.IDs(found)), nil
}

// Banner returns the IDs of the bans active now that match the customer's
// ID, name, platform ID or known IPs/emails: the Customer Details Page's
// ban banner. None: an empty slice.
func (c *Client) CustomerBanner(ctx context.Context, id customer.ID) (out []bans.ID, err error) {
	defer func() { out = nonNil(out) }()
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		cust, err := tx.Customers().Get(ctx, id)
		if err != nil {
			return err
		}
		found, err := activeBansFor(ctx, tx, cust, now)
		out = bans.IDs(found)
		return err
	})
	return out, err
}

// recordBan appends a ban's event. It concerns the customer the ban names
// by ID, if any: the ban made from a customer's page shows in their history.
func recordBan(ctx context.Context, tx storage.Tx, now time.Time, typ events.Type, before, after bans.Ban) error {
	var was any
	if before.ID != "" {
		was = before
	}
	// An edit that drops the customer identity still concerns the
	// customer it dropped: their history shows who took them off the ban.
	cust := after.Customer()
	if cust == "" {
		cust = before.Customer()
	}
	return record(ctx, tx, now, typ, cust, string(after.ID), was, after)
}

// checkNotBanned returns a *bans.BannedError (matching ErrForbidden,
// carrying the matching active ban IDs) if any active ban matches the
// customer's ID, name, platform ID or known IPs/emails at now; nil
// otherwise.
func checkNotBanned(ctx context.Context, tx storage.Tx, cust customer.Customer, now time.Time) error {
	found, err := activeBansFor(ctx, tx, cust, now)
	if err != nil {
		return err
	}
	if len(found) > 0 {
		return &bans.BannedError{IDs: bans.IDs(found)}
	}
	return nil
}

// activeBansFor returns the bans active at now that match what the customer
// is known by (bans.IdentitiesOf), newest first.
func activeBansFor(ctx context.Context, tx storage.Tx, cust customer.Customer, now time.Time) ([]bans.Ban, error) {
	return activeBans(ctx, tx, bans.IdentitiesOf(cust), now)
}

func activeBans(ctx context.Context, tx storage.Tx, ids []bans.Identity, now time.Time) ([]bans.Ban, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	candidates, err := tx.Bans().Matching(ctx, ids)
	if err != nil {
		return nil, err
	}
	return bans.ActiveMatching(candidates, ids, now), nil
}
