package postgres

import (
	"context"

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
