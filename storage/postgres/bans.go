package postgres

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
)

type bansTx struct{ *tx }

// banColumns reads a ban with its identities, in order.
const banColumns = `b.id, b.reason, b.expires_at, b.created_by, b.created_at, b.updated_by, b.updated_at,
	b.removed_by, b.removed_at, b.identity_types, b.identity_values`

func scanBan(row pgx.Row) (bans.Ban, error) {
	var b bans.Ban
	var types, values []string
	err := row.Scan(&b.ID, &b.Reason, &b.ExpiresAt, &b.CreatedBy, &b.CreatedAt, &b.UpdatedBy, &b.UpdatedAt,
		&b.RemovedBy, &b.RemovedAt, &types, &values)
	if err != nil {
		return bans.Ban{}, err
	}
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	b.ExpiresAt, b.RemovedAt = utcPtr(b.ExpiresAt), utcPtr(b.RemovedAt)
	if len(types) > 0 {
		b.Identities = make([]bans.Identity, len(types))
		for i := range types {
			b.Identities[i] = bans.Identity{Type: bans.IdentityType(types[i]), Value: values[i]}
		}
	}
	return b, nil
}

func scanBans(r pgx.Rows) (bans.Ban, error) { return scanBan(r) }

func identityColumns(ids []bans.Identity) (types, values []string) {
	types, values = make([]string, len(ids)), make([]string, len(ids))
	for i, x := range ids {
		types[i], values[i] = string(x.Type), x.Value
	}
	return types, values
}

// putIdentities stores b's identities in order, replacing any it had,
// with the ban's liveness and expiry copied for the check indexes.
func (t bansTx) putIdentities(ctx context.Context, b bans.Ban, replace bool) error {
	if replace {
		if _, err := t.exec(ctx, `delete from ban_identities where ban_id = $1`, b.ID); err != nil {
			return translate(err, "ban", string(b.ID))
		}
	}
	if len(b.Identities) == 0 {
		return nil
	}
	types, values := identityColumns(b.Identities)
	_, err := t.exec(ctx, `insert into ban_identities (ban_id, position, type, value, live, expires_at)
		select $1, n, type, value, $4, $5 from unnest($2::text[], $3::text[]) with ordinality as x(type, value, n)`,
		b.ID, types, values, !b.Removed(), utcPtr(b.ExpiresAt))
	return translate(err, "ban", string(b.ID))
}

func (t bansTx) Create(ctx context.Context, b bans.Ban) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	types, values := identityColumns(b.Identities)
	tag, err := t.exec(ctx, `insert into bans (id, reason, expires_at, created_by, created_at, updated_by, updated_at,
			removed_by, removed_at, identity_types, identity_values)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (id) do nothing`,
		b.ID, b.Reason, utcPtr(b.ExpiresAt), b.CreatedBy, b.CreatedAt.UTC(), b.UpdatedBy, b.UpdatedAt.UTC(),
		b.RemovedBy, utcPtr(b.RemovedAt), types, values)
	if err != nil {
		return translate(err, "ban", string(b.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("ban", string(b.ID), "ID already exists")
	}
	return t.putIdentities(ctx, b, false)
}

func (t bansTx) Get(ctx context.Context, id bans.ID) (bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return bans.Ban{}, err
	}
	b, err := scanBan(t.queryRow(ctx, `select `+banColumns+` from bans b where b.id = $1`, id))
	t.note(err)
	if err != nil {
		return bans.Ban{}, translate(err, "ban", string(id))
	}
	return b, nil
}

func (t bansTx) Update(ctx context.Context, b bans.Ban) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	types, values := identityColumns(b.Identities)
	tag, err := t.exec(ctx, `update bans set reason = $2, expires_at = $3, created_by = $4, created_at = $5,
			updated_by = $6, updated_at = $7, removed_by = $8, removed_at = $9, identity_types = $10,
			identity_values = $11
		where id = $1`,
		b.ID, b.Reason, utcPtr(b.ExpiresAt), b.CreatedBy, b.CreatedAt.UTC(), b.UpdatedBy, b.UpdatedAt.UTC(),
		b.RemovedBy, utcPtr(b.RemovedAt), types, values)
	if err != nil {
		return translate(err, "ban", string(b.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("ban", string(b.ID))
	}
	return t.putIdentities(ctx, b, true)
}

func (t bansTx) List(ctx context.Context, p bans.ListParams) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	sql, a := listSQL(p)
	return collect(ctx, t.tx, sql, a, scanBans)
}

// listSQL is List's statement. A filter by identity reads the bans' IDs
// from an index of ban_identities, merged with the primary key in ID order.
func listSQL(p bans.ListParams) (string, []any) {
	var where []string
	var a args
	arg := a.add
	switch p.State {
	case bans.StateActive:
		where = append(where, `b.removed_at is null and (b.expires_at is null or b.expires_at > `+arg(p.Now.UTC())+`)`)
	case bans.StateExpired:
		where = append(where, `b.removed_at is null and b.expires_at <= `+arg(p.Now.UTC()))
	case bans.StateRemoved:
		where = append(where, `b.removed_at is not null`)
	}
	switch {
	case p.Type != "" && p.Value != "":
		where = append(where, `b.id in (select i.ban_id from ban_identities i where i.key = `+arg(string(p.Type)+":"+p.Value)+`)`)
	case p.Type != "":
		where = append(where, `b.id in (select i.ban_id from ban_identities i where i.type = `+arg(string(p.Type))+`)`)
	}
	if p.Cursor != "" {
		where = append(where, `b.id < `+arg(p.Cursor))
	}
	sql := `select ` + banColumns + ` from bans b`
	if len(where) > 0 {
		sql += ` where ` + strings.Join(where, ` and `)
	}
	sql += ` order by b.id desc`
	if p.Limit > 0 {
		sql += ` limit ` + arg(p.Limit)
	}
	return sql, a
}

// matchSQL returns a query of the ban_id and expires_at of the live
// ban_identities rows that match ids, and appends its parameters to a: one
// B-tree probe per identity and, per IP, one GiST probe for the ranges
// holding it. The probes are a UNION ALL of scans of the covering indexes,
// not one OR: the planner answers an OR with a bitmap of row addresses,
// which then reads the table itself.
func matchSQL(ids []bans.Identity, a *args) string {
	keys := make([]string, len(ids))
	for i, x := range ids {
		keys[i] = string(x.Type) + ":" + x.Value
	}
	sql := `select i.ban_id, i.expires_at from ban_identities i where i.live and i.key = any(` + a.add(keys) + `::text[])`
	for _, x := range ids {
		if x.Type == bans.IP {
			sql += ` union all select i.ban_id, i.expires_at from ban_identities i
				where i.live and i.type = 'ip_range' and i.range >>= ` + a.add(x.Value) + `::inet`
		}
	}
	return sql
}

func (t bansTx) Matching(ctx context.Context, ids []bans.Identity) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var a args
	// = any(array(…)) rather than in (…): the matching IDs are found first
	// and each ban read by its key, where a semi-join's generic plan scans
	// every ban, and a checkout would then hold a serializable read lock on
	// the whole table, so that any ban written meanwhile aborts it.
	sql := `select ` + banColumns + ` from bans b
		where b.id = any(array(select m.ban_id from (` + matchSQL(ids, &a) + `) m))
		  and b.removed_at is null
		order by b.id desc`
	return collect(ctx, t.tx, sql, a, scanBans)
}

// CheckBans returns the IDs of the bans active at now that match any of ids
// (canonical identities, as bans.ParseIdentities returns them), newest
// first, each once. It is Client.BanFind's question as one statement outside
// any transaction, answered from the covering indexes of ban_identities in
// one round trip, for a game server that asks the database on every join
// instead of keeping a bans.Index (Client.BanWatch).
func (b *Backend) CheckBans(ctx context.Context, ids []bans.Identity, now time.Time) ([]bans.ID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sql, a := checkBansSQL(ids, now)
	rows, err := b.pool.Query(ctx, sql, a...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []bans.ID
	for rows.Next() {
		// Into a string: pgx scans text into it directly, into a named
		// string type through a wrapping plan.
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		if !slices.Contains(out, bans.ID(id)) {
			out = append(out, bans.ID(id))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	// Newest first, sorted here: the handful of IDs a check finds cost
	// less to sort than a Sort and a Group over the scans in the plan.
	slices.SortFunc(out, func(a, b bans.ID) int { return strings.Compare(string(b), string(a)) })
	return out, nil // none: nil, as bans.Index.Check says it
}

// checkBansSQL is CheckBans's statement and its parameters: the live
// identities holding one of the keys ($1), then for each IP the ranges
// holding it, each a scan of a covering index that judges the expiry ($2)
// in the index; a ban found twice comes twice. The text depends only on
// how many IPs there are, so pgx prepares it once per connection for each.
func checkBansSQL(ids []bans.Identity, now time.Time) (string, []any) {
	// The keys are cut from one string: one allocation, not one each.
	n := 0
	for _, x := range ids {
		n += len(x.Type) + 1 + len(x.Value)
	}
	var sb strings.Builder
	sb.Grow(n)
	ends := make([]int, len(ids))
	a := make([]any, 2, 3)
	for i, x := range ids {
		sb.WriteString(string(x.Type))
		sb.WriteByte(':')
		sb.WriteString(x.Value)
		ends[i] = sb.Len()
		if x.Type == bans.IP {
			a = append(a, x.Value)
		}
	}
	all, keys, start := sb.String(), make([]string, len(ids)), 0
	for i, end := range ends {
		keys[i], start = all[start:end], end
	}
	a[0], a[1] = keys, now.UTC()
	ips := len(a) - 2
	if ips < len(checkSQL) {
		return checkSQL[ips], a
	}
	return checkSQLFor(ips), a
}

// checkSQL holds CheckBans's statements for up to 3 IPs.
var checkSQL = [...]string{checkSQLFor(0), checkSQLFor(1), checkSQLFor(2), checkSQLFor(3)}

func checkSQLFor(ips int) string {
	const alive = ` and (i.expires_at is null or i.expires_at > $2)`
	sql := `select i.ban_id from ban_identities i where i.live and i.key = any($1::text[])` + alive
	for n := range ips {
		sql += ` union all select i.ban_id from ban_identities i
			where i.live and i.type = 'ip_range' and i.range >>= $` + strconv.Itoa(3+n) + `::inet` + alive
	}
	return sql
}

// activeBansSQL reads every ban active at $1, for full loads.
const activeBansSQL = `select ` + banColumns + ` from bans b
	where b.removed_at is null and (b.expires_at is null or b.expires_at > $1)`

// querier is what a full load reads through: a pool, or a connection of
// its own.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadActive streams every ban active at now into fn, row by row, in one
// statement (one snapshot).
func loadActive(ctx context.Context, q querier, now time.Time, fn func(bans.Ban) error) error {
	rows, err := q.Query(ctx, activeBansSQL, now.UTC())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		b, err := scanBan(rows)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LoadActiveBans calls fn with every ban active at now, streaming the rows
// of one statement outside any transaction (storage.BanLoader): a full
// load of a bans.Index (Client.BanWatch) without paging.
func (b *Backend) LoadActiveBans(ctx context.Context, now time.Time, fn func(bans.Ban) error) error {
	var failed error
	err := loadActive(ctx, b.pool, now, func(ban bans.Ban) error {
		if failed = fn(ban); failed != nil {
			return failed
		}
		return nil
	})
	if failed != nil {
		return failed // the caller's, unwrapped
	}
	return wrap(err)
}
