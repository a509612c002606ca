package sqlite

import (
	"context"
	"slices"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

// A poll walks the partial indexes of the open commands in ID order: the
// server's commands that run whenever, and its online-only ones of the
// players it names. No row locks are needed: the poll runs in the one
// writer's transaction (Claim), so the next poll already sees its leases.
const (
	leasableAnytime = `select ` + commandColumns + ` from commands
		where server = ?1 and not online_only and status in ('pending', 'leased')
		  and (status = 'pending' or lease_expires_at <= ?2)
		order by id limit ?3`
	leasableOnlineWhere = `server = ?1 and online_only and status in ('pending', 'leased')
		  and (status = 'pending' or lease_expires_at <= ?2)`
)

func (t commandsTx) Leasable(ctx context.Context, q inventory.LeaseQuery) ([]inventory.Command, error) {
	// A locking read on the other backends: refused in View, as a write is.
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	a := args{q.Server, ts(q.Now), max(q.Limit, 1)}
	query := leasableAnytime
	if len(q.Players) > 0 {
		players := make([]any, len(q.Players))
		for i, p := range q.Players {
			players[i] = p
		}
		query = `select * from (` + leasableAnytime + `)
			union all select * from (select ` + commandColumns + ` from commands
				where ` + leasableOnlineWhere + ` and player in (` + a.list(players...) + `)
				order by id limit ?3)
			order by id limit ?3`
	}
	out, err := collect(ctx, t.tx, query, a, scanCommand)
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
	out := []inventory.Command{}
	if len(ids) == 0 {
		return out, nil
	}
	var a args
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = id
	}
	got, err := collect(ctx, t.tx, `select `+commandColumns+` from commands where id in (`+a.list(vs...)+`) order by id`,
		a, scanCommand)
	if err != nil {
		return nil, err
	}
	return append(out, got...), nil
}

// UpdateMany writes each command with Update's guarded statement: SQLite
// runs in the process, so a statement per row costs no round trip, and
// the one writer means no other transaction can change a row between the
// batch's statements.
func (t commandsTx) UpdateMany(ctx context.Context, cs []inventory.Command) ([]inventory.CommandID, error) {
	if err := t.check(ctx, true); err != nil {
		return nil, err
	}
	seen := make(map[inventory.CommandID]bool, len(cs))
	for _, c := range cs {
		if seen[c.ID] {
			return nil, errs.Invalid("command", string(c.ID), "named twice in one batch")
		}
		seen[c.ID] = true
	}
	var unchanged []inventory.CommandID
	for _, c := range cs {
		n, err := t.exec(ctx, updateCommand, updateCommandArgs(c)...)
		if err != nil {
			return nil, t.translate(ctx, err, "command", string(c.ID), parent{"customer", "customers", string(c.Customer)})
		}
		if n == 0 {
			unchanged = append(unchanged, c.ID)
		}
	}
	return slices.Clip(unchanged), nil
}
