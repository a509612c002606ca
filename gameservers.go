package playerbase

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/storage"
)

// Game servers as records (package gameserver): the store owner registers
// each server a product's commands name, and its plugin authenticates with
// the token shown once at creation. The HTTP API for plugins (package
// gameapi) calls the methods below; DeliveryPoll and DeliveryAck take the
// authenticated server's Name.

// GameServerCreateParams describe a new game server.
type GameServerCreateParams struct {
	// Name is the server products queue commands for
	// (inventory.CommandTemplate.Server); unique.
	Name string
}

// GameServerCreate registers a game server and returns it with its token
// secret, shown once: only its hash is stored. A taken name is
// ErrConflict.
func (c *Client) GameServerCreate(ctx context.Context, p GameServerCreateParams) (gameserver.Server, string, error) {
	s, secret, err := gameserver.New(p.Name, c.clock())
	if err != nil {
		return gameserver.Server{}, "", err
	}
	if err := c.update(ctx, func(tx storage.Tx) error { return tx.GameServers().Create(ctx, s) }); err != nil {
		return gameserver.Server{}, "", err
	}
	return s, secret, nil
}

// GameServerGet returns one game server (its token hash, never a secret).
func (c *Client) GameServerGet(ctx context.Context, id gameserver.ID) (s gameserver.Server, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		s, err = tx.GameServers().Get(ctx, id)
		return err
	})
	return s, err
}

// GameServerList returns every game server, by name.
func (c *Client) GameServerList(ctx context.Context) (list []gameserver.Server, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		list, err = tx.GameServers().List(ctx)
		return err
	})
	return list, err
}

// changeGameServer reads server id, applies fn, and stores the result if
// fn says it changed, retrying on a concurrent change.
func (c *Client) changeGameServer(ctx context.Context, id gameserver.ID, fn func(gameserver.Server) (gameserver.Server, bool, error)) (s gameserver.Server, err error) {
	err = retryOnConflict(func() error {
		return c.update(ctx, func(tx storage.Tx) error {
			old, err := tx.GameServers().Get(ctx, id)
			if err != nil {
				return err
			}
			next, changed, err := fn(old)
			if err != nil {
				return err
			}
			if !changed {
				s = next
				return nil
			}
			if err := tx.GameServers().Update(ctx, next); err != nil {
				return err
			}
			next.Version++
			s = next
			return nil
		})
	})
	if err != nil {
		return gameserver.Server{}, err
	}
	return s, nil
}

// GameServerRotateToken issues a new token for the server and returns its
// secret, shown once; the old secret stops working at once, and a revoked
// server gets a live token again.
func (c *Client) GameServerRotateToken(ctx context.Context, id gameserver.ID) (s gameserver.Server, secret string, err error) {
	now := c.clock()
	s, err = c.changeGameServer(ctx, id, func(old gameserver.Server) (gameserver.Server, bool, error) {
		var next gameserver.Server
		next, secret, err = old.RotateToken(now)
		return next, err == nil, err
	})
	if err != nil {
		return gameserver.Server{}, "", err
	}
	return s, secret, nil
}

// GameServerRevokeToken revokes the server's token: its plugin is refused
// from the next request on, until GameServerRotateToken. Revoking a
// revoked token changes nothing.
func (c *Client) GameServerRevokeToken(ctx context.Context, id gameserver.ID) (gameserver.Server, error) {
	now := c.clock()
	return c.changeGameServer(ctx, id, func(old gameserver.Server) (gameserver.Server, bool, error) {
		next, changed := old.RevokeToken(now)
		return next, changed, nil
	})
}

// GameServerSetEnabled enables or disables a server. A disabled server's
// plugin is refused (its token is valid, *gameserver.DisabledError) and
// its commands wait in the queue.
func (c *Client) GameServerSetEnabled(ctx context.Context, id gameserver.ID, enabled bool) (gameserver.Server, error) {
	now := c.clock()
	return c.changeGameServer(ctx, id, func(old gameserver.Server) (gameserver.Server, bool, error) {
		next, changed := old.SetEnabled(enabled, now)
		return next, changed, nil
	})
}

// GameServerAuthenticate returns the server a token secret belongs to. A
// malformed, unknown or revoked secret is gameserver.ErrBadToken, whatever
// the reason; a disabled server's is a *gameserver.DisabledError
// (ErrForbidden). The hash is compared in constant time.
func (c *Client) GameServerAuthenticate(ctx context.Context, secret string) (gameserver.Server, error) {
	id, err := gameserver.SplitSecret(secret)
	if err != nil {
		return gameserver.Server{}, err
	}
	s, err := c.GameServerGet(ctx, id)
	if errors.Is(err, errs.ErrNotFound) {
		return gameserver.Server{}, gameserver.ErrBadToken
	}
	if err != nil {
		return gameserver.Server{}, err
	}
	if err := s.Authenticate(secret); err != nil {
		return gameserver.Server{}, err
	}
	return s, nil
}

// GameServerLinkParams is what a plugin reports when it links its token.
type GameServerLinkParams = gameserver.LinkParams

// GameServerLink records where the server's plugin runs and returns the
// server and, when the token was last linked from another host, that
// earlier link: one token in two places would split the queue between
// them.
func (c *Client) GameServerLink(ctx context.Context, id gameserver.ID, p GameServerLinkParams) (s gameserver.Server, previous *gameserver.Link, err error) {
	now := c.clock()
	s, err = c.changeGameServer(ctx, id, func(old gameserver.Server) (gameserver.Server, bool, error) {
		var next gameserver.Server
		next, previous = old.Link(p, now)
		return next, true, nil
	})
	if err != nil {
		return gameserver.Server{}, nil, err
	}
	return s, previous, nil
}

// CustomerRecordJoinParams name a player who joined a game server, as the
// server knows them. IP is required; of the IDs, the first that parses
// finds the customer.
type CustomerRecordJoinParams struct {
	SteamID       string // any form customer.ParseSteamID reads
	MinecraftUUID string // Java UUID, or a Bedrock player's Floodgate UUID
	IP            string
}

// CustomerRecordJoin adds the IP a player joined a game server from to
// the customer's known IPs (Customer.KnownIPs), so IP bans and the ban
// banner see join addresses, not only checkout ones. A player who is not
// a customer yet is no error: found is false and nothing is stored.
func (c *Client) CustomerRecordJoin(ctx context.Context, p CustomerRecordJoinParams) (cust customer.Customer, found bool, err error) {
	ip, err := customer.ParseIP(p.IP)
	if err != nil {
		return customer.Customer{}, false, errs.Invalid("ip_address", p.IP, "want an IPv4 or IPv6 address")
	}
	var pids []customer.PlatformID
	if s := strings.TrimSpace(p.SteamID); s != "" {
		pid, err := customer.ParsePlatformID(customer.Steam, s)
		if err != nil {
			return customer.Customer{}, false, errs.Invalid("steam_id", s, "want a SteamID64")
		}
		pids = append(pids, pid)
	}
	if s := strings.TrimSpace(p.MinecraftUUID); s != "" {
		if xuid, err := customer.ParseXUID(s); err == nil {
			pids = append(pids, customer.PlatformID{Platform: customer.MinecraftBedrock, Value: strconv.FormatUint(xuid, 10)})
		} else if pid, err := customer.ParsePlatformID(customer.MinecraftJava, s); err == nil {
			pids = append(pids, pid)
		} else {
			return customer.Customer{}, false, errs.Invalid("minecraft_uuid", s, "want a Minecraft UUID")
		}
	}
	now := c.clock()
	err = retryOnConflict(func() error {
		found = false
		return c.update(ctx, func(tx storage.Tx) error {
			for _, pid := range pids {
				got, err := tx.Customers().GetByPlatformID(ctx, pid)
				if errors.Is(err, errs.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				found = true
				cust, err = recordCheckout(ctx, tx, got.ID, ip, "", now)
				return err
			}
			return nil
		})
	})
	if err != nil || !found {
		return customer.Customer{}, false, err
	}
	return cust, true, nil
}

// CustomerNames returns the names of the customers ids name, in one read;
// an unknown ID is left out.
func (c *Client) CustomerNames(ctx context.Context, ids []customer.ID) (map[customer.ID]string, error) {
	out := make(map[customer.ID]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := c.view(ctx, func(tx storage.Tx) error {
		for _, id := range ids {
			if _, ok := out[id]; ok {
				continue
			}
			cust, err := tx.Customers().Get(ctx, id)
			if errors.Is(err, errs.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[id] = cust.Name
		}
		return nil
	})
	return out, err
}

// BanJoinParams are the identities a player joining a game server has, raw
// (any form bans.ParseIdentity reads): a Steam ID, a Minecraft UUID, the
// name, the IP.
type BanJoinParams struct {
	Identities []bans.Identity
	// Index, if set, answers instead of the store: a BanWatch's index,
	// which follows every ban change by itself, so a join that matches no
	// ban never waits on the database.
	Index *bans.Index
}

// BanJoinResult answers a join-time ban check. It never carries a ban's
// reason: that is internal, not shown to the player.
type BanJoinResult struct {
	Banned bool
	BanIDs []bans.ID // the active bans that match, newest first
	// ExpiresAt is when the last of them ends; nil when one is permanent
	// (or none matched).
	ExpiresAt *time.Time
}

// BanJoinCheck answers whether a player joining a game server is banned,
// by which bans and until when.
func (c *Client) BanJoinCheck(ctx context.Context, p BanJoinParams) (BanJoinResult, error) {
	ids, err := bans.ParseIdentities(p.Identities)
	if err != nil {
		return BanJoinResult{}, err
	}
	var found []bans.ID
	if p.Index != nil {
		found = p.Index.Check(c.clock(), ids...)
	} else if found, err = c.BanCheck(ctx, ids); err != nil {
		return BanJoinResult{}, err
	}
	if len(found) == 0 {
		return BanJoinResult{BanIDs: []bans.ID{}}, nil
	}
	// The expiry needs the records: read only when something matched,
	// which a join seldom does. A ban an index still holds but the store
	// no longer does (removed since) does not count.
	r := BanJoinResult{BanIDs: make([]bans.ID, 0, len(found))}
	permanent := false
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		for _, id := range found {
			b, err := tx.Bans().Get(ctx, id)
			if errors.Is(err, errs.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !b.Active(now) {
				continue
			}
			r.Banned = true
			r.BanIDs = append(r.BanIDs, id)
			switch {
			case b.ExpiresAt == nil:
				permanent = true
			case r.ExpiresAt == nil || b.ExpiresAt.After(*r.ExpiresAt):
				e := *b.ExpiresAt
				r.ExpiresAt = &e
			}
		}
		return nil
	})
	if err != nil {
		return BanJoinResult{}, err
	}
	if permanent {
		r.ExpiresAt = nil
	}
	return r, nil
}
