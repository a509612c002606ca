package playerbase

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
)

// Game-server command delivery. A plugin on each game server calls Poll,
// runs what it got, and reports with Ack, in-process or through the host's
// own transport. Exactly-once effect takes both sides:
//
//   - The store never hands a command to two servers, nor to two leases at
//     once: Poll leases each command it returns until LeaseExpiresAt, and
//     only a lease that ran out lets a later Poll hand the command out
//     again, with the same Key.
//   - The plugin keeps the keys it executed (with their results) somewhere
//     that survives a crash, records a key in the same step as running the
//     command, and never runs a key it has recorded: a command handed out
//     again after a crash between running it and acknowledging it is then
//     acknowledged again without running twice.
//
// Acks are idempotent: the first result recorded for a command wins, and a
// repeated ack, or one under a lease that ran out, changes nothing and says
// so (DeliveryOutcome.Duplicate).

// DefaultLeaseDuration is how long a game server holds polled commands
// unless Config.LeaseDuration says otherwise: long enough to run a batch,
// short enough that a crashed server's commands come back soon.
const DefaultLeaseDuration = 30 * time.Second

// Poll batch sizes.
const (
	DefaultPollLimit = 100
	MaxPollLimit     = 1000
)

// Delivery is one command Poll hands a game server.
type Delivery struct {
	// Key names the command for de-duplication: the same on every lease of
	// the command, different for a resend (a new attempt the store owner
	// asked for). A plugin that has executed Key acknowledges it again
	// instead of running it.
	Key string `json:"key"`
	// Command is the exact text to run, rendered when it was queued.
	Command string `json:"command"`
	// Player is the customer's canonical platform ID (SteamID64, Java UUID
	// or Bedrock XUID).
	Player     string           `json:"player"`
	OnlineOnly bool             `json:"online_only"`
	Customer   customer.ID      `json:"customer_id"`
	Item       inventory.ItemID `json:"item_id"`
	Stage      inventory.Stage  `json:"stage"`
	// Attempt counts leases of this command, 1 on the first: more means an
	// earlier lease ran out unacknowledged, perhaps after the command ran.
	Attempt int `json:"attempt"`
	// LeaseExpiresAt is when the lease runs out and another Poll may get
	// the command; acknowledge before then.
	LeaseExpiresAt time.Time `json:"lease_expires_at"`
	// QueuedAt is when the command was queued.
	QueuedAt time.Time `json:"queued_at"`
}

func newDelivery(c inventory.Command) Delivery {
	return Delivery{
		Key: c.DeliveryKey(), Command: c.Command, Player: c.Player, OnlineOnly: c.OnlineOnly,
		Customer: c.Customer, Item: c.ItemID, Stage: c.Stage, Attempt: c.Attempts,
		LeaseExpiresAt: *c.LeaseExpiresAt, QueuedAt: c.CreatedAt,
	}
}

// claim runs fn in a transaction for functions that decide row by row
// (storage.Claimer), or in Update when the backend has nothing better.
func (c *Client) claim(ctx context.Context, fn func(storage.Tx) error) error {
	if err := checkActor(ctx); err != nil {
		return err
	}
	if cl, ok := c.backend.(storage.Claimer); ok {
		return cl.Claim(ctx, fn)
	}
	return c.update(ctx, fn)
}

func checkServer(server string) (string, error) {
	server = strings.TrimSpace(server)
	if err := textin.CheckLine("server", server); err != nil {
		return "", err
	}
	if server == "" || len(server) > inventory.MaxServerLen {
		return "", errs.Invalid("server", server, "want the game server's name, as the products name it")
	}
	return server, nil
}

// DeliveryPollParams say which game server polls and who is on it.
type DeliveryPollParams struct {
	// Server is the game server's name, as the products' command
	// templates name it.
	Server string
	// OnlinePlayers name the players on the server as it knows them
	// (SteamID64 or STEAM_X:Y:Z, UUID dashed or not, Floodgate UUID or
	// XUID: see inventory.CanonicalPlayer): online-only commands of other
	// players stay queued.
	OnlinePlayers []string
	// Limit is the most commands to lease: ≤ 0 is DefaultPollLimit; at
	// most MaxPollLimit.
	Limit int
}

// DeliveryPoll leases up to p.Limit of the commands queued for p.Server,
// oldest first, and returns them. A command is due if it is pending or its
// lease ran out; an online-only command only if its player is in
// p.OnlinePlayers. Each returned command is leased for
// Config.LeaseDuration: until it runs out, no other Poll returns it.
// Concurrent polls of one server get disjoint batches.
func (c *Client) DeliveryPoll(ctx context.Context, p DeliveryPollParams) ([]Delivery, error) {
	server, err := checkServer(p.Server)
	if err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultPollLimit
	}
	players := make([]string, 0, len(p.OnlinePlayers))
	for _, pl := range p.OnlinePlayers {
		if pl = inventory.CanonicalPlayer(pl); pl != "" {
			players = append(players, pl)
		}
	}
	slices.Sort(players)
	players = slices.Compact(players)
	now := c.clock()
	q := inventory.LeaseQuery{Server: server, Players: players, Now: now, Limit: min(limit, MaxPollLimit)}
	until, leaseID := now.Add(c.lease), ids.New("lse", now)
	var out []Delivery
	err = c.claim(ctx, func(tx storage.Tx) error {
		out = out[:0] // a retried transaction starts over
		due, err := tx.Commands().Leasable(ctx, q)
		if err != nil {
			return err
		}
		leased := make([]inventory.Command, len(due))
		for i, cmd := range due {
			if leased[i], err = cmd.Lease(leaseID, until, now); err != nil {
				return err
			}
		}
		// Leasable locked the rows (or the backend has one writer), so
		// none can be stale; if one is, the batch is refused whole.
		unchanged, err := tx.Commands().UpdateMany(ctx, leased)
		if err != nil {
			return err
		}
		if len(unchanged) > 0 {
			return errs.Conflict("command", string(unchanged[0]), "changed while being leased")
		}
		for _, cmd := range leased {
			out = append(out, newDelivery(cmd))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nonNil(out), nil
}

// DeliveryResult is what a game server reports for one delivery.
type DeliveryResult struct {
	Key string `json:"key"`
	// Error is "" if the command ran, or why it failed ("unknown item",
	// the console's reply…). Any bytes are fine: it is kept cleaned, up to
	// inventory.MaxErrorLen bytes (see inventory.Command.Ack), so one
	// console's colour codes or NULs cannot fail its result or the batch.
	Error string `json:"error"`
}

// DeliveryOutcome is what Ack did with one result.
type DeliveryOutcome struct {
	Key string
	// Status is the command's recorded result, executed or failed: this
	// result, or, if the command already had one, the first one recorded.
	// "" when Err is set.
	Status inventory.CommandStatus
	// Duplicate is true if the command already had a result and this one
	// changed nothing: a repeated ack, or the ack of an earlier lease.
	Duplicate bool
	// Err refuses this result alone, and nothing was recorded for it: a
	// malformed key (errs.ErrInvalid), a key the store does not know
	// (errs.ErrNotFound), a command queued for another server
	// (*inventory.WrongServerError, errs.ErrForbidden), or one never handed
	// out (*inventory.TransitionError, errs.ErrConflict).
	Err error
}

// ackRetries bounds how often Ack reads a command again when a concurrent
// poll or cancel changed it between the read and the write.
const ackRetries = 5

// Ack records the results server reports, in one transaction, and returns
// one outcome per result, in order. Results are judged one by one: a bad
// key fails its own outcome (DeliveryOutcome.Err), not the batch. Ack itself
// fails, recording nothing, only for a bad server name, a canceled context
// or a storage failure; the server then sends the same results again, which
// is safe because acks are idempotent. The first result recorded for a
// command wins, even one that arrives after the command's lease ran out
// (the server did run it) or after the store owner canceled it since.
func (c *Client) DeliveryAck(ctx context.Context, server string, results []DeliveryResult) ([]DeliveryOutcome, error) {
	server, err := checkServer(server)
	if err != nil {
		return nil, err
	}
	now := c.clock()
	// Results are judged in key order, the order a backend with row locks
	// writes them in, so two acks of overlapping batches cannot deadlock;
	// the sort is stable, so of two results for one key the one sent first
	// is the first recorded.
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(results[a].Key, results[b].Key) })
	out := make([]DeliveryOutcome, len(results))
	err = c.claim(ctx, func(tx storage.Tx) error {
		return ackBatch(ctx, tx, server, results, order, now, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ackBatch judges results, taken in order, into out: one read of the
// batch's commands (GetMany), inventory.Command.Ack on each result, and
// one write of the commands that change (UpdateMany). Under Claim's
// isolation a poll may re-lease a command (or an owner cancel it) between
// the read and the write: the write leaves it out, and its results are
// judged again on a fresh read. An error it returns fails the whole Ack.
func ackBatch(ctx context.Context, tx storage.Tx, server string, results []DeliveryResult, order []int, now time.Time, out []DeliveryOutcome) error {
	ids := make([]inventory.CommandID, len(results)) // "" for a malformed key
	var todo []inventory.CommandID
	seen := make(map[inventory.CommandID]bool, len(results))
	for _, i := range order {
		out[i] = DeliveryOutcome{Key: results[i].Key}
		id, err := inventory.ParseCommandID(strings.TrimSpace(results[i].Key))
		if err != nil {
			out[i].Err = err
			continue
		}
		ids[i] = id
		if !seen[id] {
			seen[id] = true
			todo = append(todo, id)
		}
	}
	for attempt := 1; len(todo) > 0; attempt++ {
		stored, err := tx.Commands().GetMany(ctx, todo)
		if err != nil {
			return err
		}
		redo := make(map[inventory.CommandID]bool, len(todo))
		for _, id := range todo {
			redo[id] = true
		}
		cur := make(map[inventory.CommandID]inventory.Command, len(stored))
		read := make(map[inventory.CommandID]inventory.Command, len(stored))
		for _, cmd := range stored {
			cur[cmd.ID] = cmd
			read[cmd.ID] = cmd
		}
		var writes []inventory.Command
		for _, i := range order {
			id := ids[i]
			if !redo[id] {
				continue
			}
			o := DeliveryOutcome{Key: results[i].Key}
			cmd, ok := cur[id]
			switch {
			case !ok:
				o.Err = errs.NotFound("command", string(id))
			case cmd.Server != server:
				o.Err = &inventory.WrongServerError{Command: id, Server: server, Queued: cmd.Server}
			default:
				done, changed, err := cmd.Ack(results[i].Error, now)
				if err != nil {
					o.Err = err
					break
				}
				o.Status, o.Duplicate = done.Status, !changed
				if changed {
					// A later result for the same key finds this one
					// recorded; done keeps the version read, for the write.
					cur[id] = done
					writes = append(writes, done)
				}
			}
			out[i] = o
		}
		if todo, err = tx.Commands().UpdateMany(ctx, writes); err != nil {
			return err
		}
		if err := recordAcks(ctx, tx, now, read, writes, todo); err != nil {
			return err
		}
		if len(todo) > 0 && attempt == ackRetries {
			return errs.Conflict("command", string(todo[0]), "changed concurrently on every attempt to record its result")
		}
	}
	return nil
}

// recordAcks appends the event of each result written: command.executed
// or command.failed, from the command as read. A write UpdateMany left out
// (stale) is judged again and appends its event then.
func recordAcks(ctx context.Context, tx storage.Tx, now time.Time, read map[inventory.CommandID]inventory.Command, writes []inventory.Command, stale []inventory.CommandID) error {
	for _, done := range writes {
		if slices.Contains(stale, done.ID) {
			continue
		}
		typ := events.CommandExecuted
		if done.Status == inventory.Failed {
			typ = events.CommandFailed
		}
		after := done
		after.Version++
		if err := record(ctx, tx, now, typ, done.Customer, string(done.ID), read[done.ID], after); err != nil {
			return err
		}
	}
	return nil
}

// CommandCancel withdraws a pending command, one no server holds: a
// leased command may be running, so it is refused with a
// *inventory.TransitionError (as is one that already has a result) until
// its lease runs out. A command whose lease ran out counts as pending
// again; if its server did run it and acknowledges late, the ack records
// what happened in game (executed or failed) over the cancellation.
func (c *Client) CommandCancel(ctx context.Context, id inventory.CommandID) (cmd inventory.Command, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		if cmd, err = tx.Commands().Get(ctx, id); err != nil {
			return err
		}
		was := cmd
		if cmd.LeaseExpired(now) {
			if cmd, err = cmd.ExpireLease(now); err != nil {
				return err
			}
		}
		if cmd, err = cmd.Cancel(); err != nil {
			return err
		}
		if err := tx.Commands().Update(ctx, cmd); err != nil {
			return err
		}
		cmd.Version++
		return record(ctx, tx, now, events.CommandCanceled, cmd.Customer, string(cmd.ID), was, cmd)
	})
	if err != nil {
		return inventory.Command{}, err
	}
	return cmd, nil
}

// CommandResend queues a command again: a new command record with a new
// delivery key, the same text, server and stage, and ResendOf naming the
// old one, which keeps its status, attempts and error, so CommandList
// shows the whole history. Only a command with an outcome (executed,
// failed or canceled) is resent; a pending or leased one is on its way
// (*inventory.TransitionError). A command resent already, whose resend has
// not run yet, is refused (errs.ErrConflict): a second click would run it
// twice.
func (c *Client) CommandResend(ctx context.Context, id inventory.CommandID) (cmd inventory.Command, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		old, err := tx.Commands().Get(ctx, id)
		if err != nil {
			return err
		}
		all, err := tx.Commands().ListByItem(ctx, old.ItemID)
		if err != nil {
			return err
		}
		if open, ok := inventory.OpenResend(all, id); ok {
			return errs.Conflict("command", string(id), "already resent as "+string(open.ID)+", which has not run yet")
		}
		if cmd, err = old.Resend(now); err != nil {
			return err
		}
		return createResend(ctx, tx, now, cmd)
	})
	if err != nil {
		return inventory.Command{}, err
	}
	return cmd, nil
}

// CommandResendItem resends, as CommandResend does, the latest attempt of
// each of the item's commands that has a result (inventory.ResendAll):
// executed and failed ones. Pending and leased commands are on their way,
// attempts a resend superseded are history, and canceled ones were
// withdrawn on purpose (CommandResend resends one). It returns the new
// commands in queue order, none if nothing qualifies.
func (c *Client) CommandResendItem(ctx context.Context, id inventory.ItemID) (cmds []inventory.Command, err error) {
	defer func() { cmds = nonNil(cmds) }()
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cmds = cmds[:0]
		if _, err := tx.Items().Get(ctx, id); err != nil {
			return err
		}
		all, err := tx.Commands().ListByItem(ctx, id)
		if err != nil {
			return err
		}
		for _, old := range inventory.ResendAll(all) {
			cmd, err := old.Resend(now)
			if err != nil {
				return err
			}
			if err := createResend(ctx, tx, now, cmd); err != nil {
				return err
			}
			cmds = append(cmds, cmd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cmds, nil
}

// createResend stores a resend, a new command, and appends its
// command.resent event (its resend_of names the attempt it repeats). The
// resend is not also command.queued: one change, one event.
func createResend(ctx context.Context, tx storage.Tx, now time.Time, cmd inventory.Command) error {
	if err := tx.Commands().Create(ctx, cmd); err != nil {
		return err
	}
	return record(ctx, tx, now, events.CommandResent, cmd.Customer, string(cmd.ID), nil, cmd)
}
