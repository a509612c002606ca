package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/storage"
)

var _ storage.Claimer = (*Backend)(nil)

// Claim runs fn in a READ COMMITTED read-write transaction and commits if
// fn returns nil (storage.Claimer); it retries on a deadlock as Update does.
//
// Why not SERIALIZABLE, as Update: two polls of one server both read the
// server's open commands, and each writes rows the other read (the leases,
// and the index entries they add), so serializable snapshot isolation
// aborts one of every pair that overlaps; a row the other poll leased and
// committed after this one's snapshot also fails FOR UPDATE with a
// serialization error, SKIP LOCKED or not. Pollers would queue behind
// retries, and a busy one could use up Options.MaxAttempts. Under READ
// COMMITTED, FOR UPDATE SKIP LOCKED passes over rows another transaction
// holds and rechecks a row committed meanwhile against the query before
// locking it, so concurrent polls take disjoint batches at once and none
// waits. It stays correct because a claim decides row by row: what it
// writes it has locked (Leasable) or guards with the version it read, and
// a serializable writer that read the row first (a cancel, say) fails on
// the row a claim changed and runs again.
func (b *Backend) Claim(ctx context.Context, fn func(storage.Tx) error) error {
	return b.run(ctx, beginClaim, fn)
}

// A poll walks the partial indexes of migration 0007 in ID order. The two
// halves each lock at most the limit before the outer limit: SKIP LOCKED
// must sit at the level of the limit, or rows other polls hold would use up
// the limit and leave this one empty-handed. The online-only half may lock
// a few rows it does not return; they are free again when the poll
// commits.
//
// The status test names each status once: written as "status in
// ('pending', 'leased') and (status = 'pending' or …)" the planner takes
// the two for independent, expects a tenth of the rows, finds the limit
// useless and sorts every open command of the server instead of reading
// the first few index entries.
const (
	leasableAnytime = `select ` + commandColumns + ` from commands
		where server = $1 and not online_only
		  and (status = 'pending' or status = 'leased' and lease_expires_at <= $2)
		order by id limit $3 for update skip locked`
	leasableOnline = `select ` + commandColumns + ` from commands
		where server = $1 and online_only and player = any($4)
		  and (status = 'pending' or status = 'leased' and lease_expires_at <= $2)
		order by id limit $3 for update skip locked`
	// FOR UPDATE may not sit in a UNION's branches, but in its subqueries.
	leasableBoth = `select * from (` + leasableAnytime + `) anytime
		union all select * from (` + leasableOnline + `) online
		order by id limit $3`
)

func (t commandsTx) Leasable(ctx context.Context, q inventory.LeaseQuery) ([]inventory.Command, error) {
	// A locking read: refused in View, as a write is.
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	sql, params := leasableAnytime, []any{q.Server, q.Now.UTC(), max(q.Limit, 1)}
	if len(q.Players) > 0 {
		sql, params = leasableBoth, append(params, q.Players)
	}
	out, err := collect(ctx, t.tx, sql, params, scanCommands)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Command{}
	}
	return out, nil
}

// GetMany is Get for an ack's batch: one probe of the primary key per ID,
// in one statement.
func (t commandsTx) GetMany(ctx context.Context, ids []inventory.CommandID) ([]inventory.Command, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+commandColumns+` from commands where id = any($1) order by id`,
		[]any{commandIDStrings(ids)}, scanCommands)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []inventory.Command{}
	}
	return out, nil
}

// updateCommands is Update's statement for a batch: the new values arrive
// as one array per column, and only rows whose id, version and item match
// an element are written; RETURNING names them. Under Claim's READ
// COMMITTED a row another transaction changed meanwhile is rechecked
// against its new version and left out, as Update would leave it.
const updateCommands = `update commands c
	set customer_id = u.customer_id, server = u.server, command = u.command, stage = u.stage,
	    online_only = u.online_only, player = u.player, status = u.status, attempts = u.attempts,
	    created_at = u.created_at, executed_at = u.executed_at, error = u.error, lease_id = u.lease_id,
	    lease_expires_at = u.lease_expires_at, resend_of = u.resend_of, version = c.version + 1
	from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	            $8::boolean[], $9::text[], $10::text[], $11::integer[], $12::timestamptz[], $13::timestamptz[],
	            $14::text[], $15::text[], $16::timestamptz[], $17::text[])
	     as u(id, version, item_id, customer_id, server, command, stage, online_only, player, status, attempts,
	          created_at, executed_at, error, lease_id, lease_expires_at, resend_of)
	where c.id = u.id and c.version = u.version and c.item_id = u.item_id
	returning c.id`

func (t commandsTx) UpdateMany(ctx context.Context, cs []inventory.Command) ([]inventory.CommandID, error) {
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, nil
	}
	// Sent in ID order, so rows are locked in the order Ack writes them
	// and two batches cannot lock each other's rows the other way round.
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b inventory.Command) int { return cmp.Compare(a.ID, b.ID) })
	n := len(sorted)
	var (
		id, item, cust, server, command, stage, player, status, errText, lease, resendOf = make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		version          = make([]int64, n)
		online           = make([]bool, n)
		attempts         = make([]int32, n)
		created          = make([]time.Time, n)
		executed, leased = make([]*time.Time, n), make([]*time.Time, n)
	)
	for i, c := range sorted {
		if i > 0 && c.ID == sorted[i-1].ID {
			return nil, errs.Invalid("command", string(c.ID), "named twice in one batch")
		}
		id[i], version[i], item[i], cust[i], server[i] = string(c.ID), c.Version, string(c.ItemID), string(c.Customer), c.Server
		command[i], stage[i], online[i], player[i], status[i] = c.Command, string(c.Stage), c.OnlineOnly, c.Player, string(c.Status)
		attempts[i], created[i], executed[i], errText[i] = int32(c.Attempts), c.CreatedAt.UTC(), utcPtr(c.ExecutedAt), c.Error
		lease[i], leased[i], resendOf[i] = c.LeaseID, utcPtr(c.LeaseExpiresAt), string(c.ResendOf)
	}
	written, err := collect(ctx, t.tx, updateCommands,
		[]any{id, version, item, cust, server, command, stage, online, player, status, attempts, created, executed,
			errText, lease, leased, resendOf},
		func(r pgx.Rows) (inventory.CommandID, error) {
			var id inventory.CommandID
			err := r.Scan(&id)
			return id, err
		})
	if err != nil {
		// A foreign key names its row; nothing else here needs the
		// command's ID.
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return nil, translate(pe, "command", "")
		}
		return nil, err
	}
	if len(written) == n {
		return nil, nil
	}
	done := make(map[inventory.CommandID]bool, len(written))
	for _, id := range written {
		done[id] = true
	}
	var unchanged []inventory.CommandID
	for _, c := range cs {
		if !done[c.ID] {
			unchanged = append(unchanged, c.ID)
		}
	}
	return unchanged, nil
}

func commandIDStrings(ids []inventory.CommandID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
