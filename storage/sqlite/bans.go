package sqlite

import (
	"context"
	"database/sql"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
)

type bansTx struct{ *tx }

// banColumns reads a ban with its identities, in order.
const banColumns = `b.id, b.reason, b.expires_at, b.created_by, b.created_at, b.updated_by, b.updated_at,
	b.removed_by, b.removed_at, b.identities`

func scanBan(row scanner) (bans.Ban, error) {
	var b bans.Ban
	var ids [][2]string
	err := row.Scan(&b.ID, &b.Reason, timePtrCol{&b.ExpiresAt}, &b.CreatedBy, timeCol{&b.CreatedAt}, &b.UpdatedBy,
		timeCol{&b.UpdatedAt}, &b.RemovedBy, timePtrCol{&b.RemovedAt}, jsonCol{&ids})
	if err != nil {
		return bans.Ban{}, err
	}
	if len(ids) > 0 {
		b.Identities = make([]bans.Identity, len(ids))
		for i, x := range ids {
			b.Identities[i] = bans.Identity{Type: bans.IdentityType(x[0]), Value: x[1]}
		}
	}
	return b, nil
}

func identitiesJSON(ids []bans.Identity) string {
	out := make([][2]string, len(ids))
	for i, x := range ids {
		out[i] = [2]string{string(x.Type), x.Value}
	}
	return jsonText(out)
}

func identityKey(x bans.Identity) string { return string(x.Type) + ":" + x.Value }

// prefixKeys returns the keys of every ip_range identity that holds the
// address in value (an ip identity's canonical value): its prefixes of
// every length but 0, in canonical form, which bans.ParseRange gives
// ranges (masked, IPv4 unmapped).
func prefixKeys(value string) []string {
	a, err := netip.ParseAddr(value)
	if err != nil {
		return nil
	}
	a = a.Unmap()
	keys := make([]string, 0, a.BitLen())
	for bits := 1; bits <= a.BitLen(); bits++ {
		p, err := a.Prefix(bits)
		if err != nil {
			return nil
		}
		keys = append(keys, identityKey(bans.Identity{Type: bans.IPRange, Value: p.String()}))
	}
	return keys
}

// putIdentities stores b's identities in order, replacing any it had,
// with the ban's liveness and expiry copied for the check indexes.
func (t bansTx) putIdentities(ctx context.Context, b bans.Ban, replace bool) error {
	if replace {
		if _, err := t.exec(ctx, `delete from ban_identities where ban_id = ?1`, b.ID); err != nil {
			return t.translate(ctx, err, "ban", string(b.ID))
		}
	}
	live := !b.Removed()
	for i, x := range b.Identities {
		_, err := t.exec(ctx, `insert into ban_identities (ban_id, position, type, key, live, expires_at)
			values (?1, ?2, ?3, ?4, ?5, ?6)`,
			b.ID, i+1, x.Type, identityKey(x), live, tsPtr(b.ExpiresAt))
		if err != nil {
			return t.translate(ctx, err, "ban", string(b.ID))
		}
	}
	return nil
}

func (t bansTx) Create(ctx context.Context, b bans.Ban) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into bans (id, reason, expires_at, created_by, created_at, updated_by, updated_at,
			removed_by, removed_at, identities)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
		b.ID, b.Reason, tsPtr(b.ExpiresAt), b.CreatedBy, ts(b.CreatedAt), b.UpdatedBy, ts(b.UpdatedAt),
		b.RemovedBy, tsPtr(b.RemovedAt), identitiesJSON(b.Identities))
	if err != nil {
		return t.translate(ctx, err, "ban", string(b.ID))
	}
	return t.putIdentities(ctx, b, false)
}

func (t bansTx) Get(ctx context.Context, id bans.ID) (bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return bans.Ban{}, err
	}
	b, err := scanBan(t.queryRow(ctx, `select `+banColumns+` from bans b where b.id = ?1`, id))
	if err != nil {
		return bans.Ban{}, t.translate(ctx, err, "ban", string(id))
	}
	return b, nil
}

func (t bansTx) Update(ctx context.Context, b bans.Ban) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, `update bans set reason = ?2, expires_at = ?3, created_by = ?4, created_at = ?5,
			updated_by = ?6, updated_at = ?7, removed_by = ?8, removed_at = ?9, identities = ?10
		where id = ?1`,
		b.ID, b.Reason, tsPtr(b.ExpiresAt), b.CreatedBy, ts(b.CreatedAt), b.UpdatedBy, ts(b.UpdatedAt),
		b.RemovedBy, tsPtr(b.RemovedAt), identitiesJSON(b.Identities))
	if err != nil {
		return t.translate(ctx, err, "ban", string(b.ID))
	}
	if n == 0 {
		return errs.NotFound("ban", string(b.ID))
	}
	return t.putIdentities(ctx, b, true)
}

func (t bansTx) List(ctx context.Context, p bans.ListParams) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var where []string
	var a args
	arg := a.add
	switch p.State {
	case bans.StateActive:
		where = append(where, `b.removed_at is null and (b.expires_at is null or b.expires_at > `+arg(ts(p.Now))+`)`)
	case bans.StateExpired:
		where = append(where, `b.removed_at is null and b.expires_at <= `+arg(ts(p.Now)))
	case bans.StateRemoved:
		where = append(where, `b.removed_at is not null`)
	}
	switch {
	case p.Type != "" && p.Value != "":
		where = append(where, `b.id in (select i.ban_id from ban_identities i where i.key = `+
			arg(identityKey(bans.Identity{Type: p.Type, Value: p.Value}))+`)`)
	case p.Type != "":
		where = append(where, `b.id in (select i.ban_id from ban_identities i where i.type = `+arg(string(p.Type))+`)`)
	}
	if p.Cursor != "" {
		where = append(where, `b.id < `+arg(p.Cursor))
	}
	q := `select ` + banColumns + ` from bans b`
	if len(where) > 0 {
		q += ` where ` + strings.Join(where, ` and `)
	}
	q += ` order by b.id desc`
	if p.Limit > 0 {
		q += ` limit ` + arg(p.Limit)
	}
	return collect(ctx, t.tx, q, a, scanBan)
}

// matchKeys returns the keys a check probes, as a JSON array: every
// identity's, and for each ip identity the keys of the ranges that would
// hold it.
func matchKeys(ids []bans.Identity) string {
	var keys []string
	for _, x := range ids {
		keys = append(keys, identityKey(x))
		if x.Type == bans.IP {
			keys = append(keys, prefixKeys(x.Value)...)
		}
	}
	return jsonText(keys)
}

// matchLive selects the IDs of the live bans holding one of the keys in
// the JSON array ?1 (matchKeys): one probe of the live keys' covering
// index per key. One statement text whatever the identities, so it is
// prepared once per connection.
const matchLive = `select distinct i.ban_id from json_each(?1) k
	join ban_identities i indexed by ban_identities_live_key_idx on i.key = k.value
	where i.live`

// checkLive is matchLive for the bans also not expired at ?2.
const checkLive = matchLive + ` and (i.expires_at is null or i.expires_at > ?2) order by 1 desc`

func (t bansTx) Matching(ctx context.Context, ids []bans.Identity) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return collect(ctx, t.tx, `select `+banColumns+` from bans b
		where b.id in (`+matchLive+`) and b.removed_at is null
		order by b.id desc`, []any{matchKeys(ids)}, scanBan)
}

// CheckBans returns the IDs of the bans active at now that match any of ids
// (canonical identities, as bans.ParseIdentities returns them), newest
// first, each once: Client.Check's question as one statement on a reader,
// outside any transaction, answered from the covering partial index of
// ban_identities, prepared once per reader connection.
func (b *Backend) CheckBans(ctx context.Context, ids []bans.Identity, now time.Time) ([]bans.ID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	stmt, err := b.checkStmt()
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, matchKeys(ids), ts(now))
	if err != nil {
		return nil, b.wrap(err)
	}
	defer rows.Close()
	var out []bans.ID
	for rows.Next() {
		var id bans.ID
		if err := rows.Scan(&id); err != nil {
			return nil, b.wrap(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, b.wrap(err)
	}
	return out, nil // none: nil, as bans.Index.Check says it
}

// checkStmt returns CheckBans's statement, prepared on the readers:
// database/sql prepares it on each connection once and reuses it. The
// first caller's context does not bound it, so a canceled first check
// cannot leave every later one without a statement.
func (b *Backend) checkStmt() (*sql.Stmt, error) {
	b.check.once.Do(func() {
		b.check.stmt, b.check.err = b.readers.Prepare(checkLive)
	})
	if b.check.err != nil {
		return nil, b.wrap(b.check.err)
	}
	return b.check.stmt, nil
}

// preparedCheck holds CheckBans's prepared statement.
type preparedCheck struct {
	once sync.Once
	stmt *sql.Stmt
	err  error
}
