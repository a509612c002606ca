package sqlite

import (
	"context"
	"database/sql"
	"net/netip"
	"slices"
	"strconv"
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

// appendRangeProbe appends what a check needs to find the ranges holding
// the address in value (an ip identity's canonical value) to buf, as a
// JSONB array: the address family (4 or 6), then the keys of its prefixes
// of every length but 0 in order (element n is the /n one), in the
// canonical form bans.ParseRange gives ranges (masked, IPv4 unmapped). The
// check probes only the lengths some live range has (ban_range_lengths).
func appendRangeProbe(buf []byte, value string) ([]byte, bool) {
	a, err := netip.ParseAddr(value)
	if err != nil {
		return buf, false
	}
	a = a.Unmap()
	var space [129 * 56]byte // 128 IPv6 prefix keys, headers included
	p := strconv.AppendInt(append(space[:0], 1<<4|jsonbInt), int64(family(a)), 10)
	var key [64]byte
	for bits := 1; bits <= a.BitLen(); bits++ {
		pre, err := a.Prefix(bits)
		if err != nil {
			return buf, false
		}
		k := append(key[:0], "ip_range:"...)
		k = pre.Addr().AppendTo(k)
		k = strconv.AppendInt(append(k, '/'), int64(bits), 10)
		p = append(appendJSONBHeader(p, jsonbTextRaw, len(k)), k...)
	}
	return appendJSONBArray(buf, p), true
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// countRanges adds delta to the count of live ranges of each length among
// ids' ip_range identities.
func (t bansTx) countRanges(ctx context.Context, ids []bans.Identity, delta int) error {
	for _, x := range ids {
		if x.Type != bans.IPRange {
			continue
		}
		p, err := netip.ParsePrefix(x.Value)
		if err != nil {
			continue // stored as given; no check finds it by prefix
		}
		_, err = t.exec(ctx, `insert into ban_range_lengths (family, bits, live) values (?1, ?2, ?3)
			on conflict (family, bits) do update set live = live + excluded.live`, family(p.Addr()), p.Bits(), delta)
		if err != nil {
			return t.translate(ctx, err, "ban", x.Value)
		}
	}
	_, err := t.exec(ctx, `delete from ban_range_lengths where live <= 0`)
	return t.translate(ctx, err, "ban", "")
}

// putIdentities stores b's identities in order, replacing any it had,
// with the ban's liveness and expiry copied for the check indexes.
func (t bansTx) putIdentities(ctx context.Context, b bans.Ban, replace bool) error {
	if replace {
		// The rows still hold the ban as it was: its live ranges leave
		// the count.
		old, err := collect(ctx, t.tx, `select substr(key, length('ip_range:') + 1) from ban_identities
			where ban_id = ?1 and live and type = 'ip_range'`, []any{b.ID},
			func(r scanner) (bans.Identity, error) {
				x := bans.Identity{Type: bans.IPRange}
				return x, r.Scan(&x.Value)
			})
		if err != nil {
			return err
		}
		if err := t.countRanges(ctx, old, -1); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `delete from ban_identities where ban_id = ?1`, b.ID); err != nil {
			return t.translate(ctx, err, "ban", string(b.ID))
		}
	}
	live := !b.Removed()
	if live {
		if err := t.countRanges(ctx, b.Identities, 1); err != nil {
			return err
		}
	}
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

// matchKeys returns what a check probes, as two JSONB arrays: every
// identity's key, and per ip identity the array appendRangeProbe makes.
func matchKeys(ids []bans.Identity) (keys, ranges []byte) {
	var kp, rp []byte
	for _, x := range ids {
		kp = appendJSONBHeader(kp, jsonbTextRaw, len(x.Type)+1+len(x.Value))
		kp = append(append(append(kp, x.Type...), ':'), x.Value...)
		if x.Type == bans.IP {
			rp, _ = appendRangeProbe(rp, x.Value)
		}
	}
	return appendJSONBArray(nil, kp), appendJSONBArray(nil, rp)
}

// matchLive selects the IDs of the live bans holding one of the keys in
// the JSONB array ?1, or a range holding one of the addresses ?2 describes
// (matchKeys), alive at ?3 (NULL: whatever their expiry); a ban found
// through two identities comes twice. Exact keys are a probe each of the
// live keys' covering index; ranges a probe for each prefix length some
// live range of the family has, a handful where a probe of every length
// would take 32 (IPv4) or 128, each key read from ?2 by its path. One
// statement text whatever the identities, so it is prepared once per
// connection. CROSS JOIN keeps SQLite to that order.
const matchLive = `select i.ban_id from json_each(?1) k
	cross join ban_identities i indexed by ban_identities_live_key_idx
	where i.key = k.value and i.live` + aliveAt + `
	union all
	select i.ban_id from json_each(?2) a
	cross join ban_range_lengths l
	cross join ban_identities i indexed by ban_identities_live_key_idx
	where l.family = ?2 ->> ('$[' || a.key || '][0]') and l.live > 0
	  and i.key = ?2 ->> ('$[' || a.key || '][' || l.bits || ']') and i.live` + aliveAt

// aliveAt keeps the bans not expired at ?3, or every one if ?3 is NULL.
const aliveAt = ` and (?3 is null or i.expires_at is null or i.expires_at > ?3)`

func (t bansTx) Matching(ctx context.Context, ids []bans.Identity) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys, ranges := matchKeys(ids)
	return collect(ctx, t.tx, `select `+banColumns+` from bans b
		where b.id in (`+matchLive+`) and b.removed_at is null
		order by b.id desc`, []any{keys, ranges, nil}, scanBan)
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
	keys, ranges := matchKeys(ids)
	rows, err := stmt.QueryContext(ctx, keys, ranges, ts(now))
	if err != nil {
		return nil, b.wrap(err)
	}
	// rows.Err below reports a failed read; closing a read has nothing
	// to add.
	defer func() { _ = rows.Close() }()
	var out []bans.ID
	for rows.Next() {
		var id bans.ID
		if err := rows.Scan(&id); err != nil {
			return nil, b.wrap(err)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, b.wrap(err)
	}
	// Newest first, sorted here: the handful of IDs a check finds cost
	// less to sort than SQLite's distinct set and sorter.
	slices.SortFunc(out, func(a, b bans.ID) int { return strings.Compare(string(b), string(a)) })
	return out, nil // none: nil, as bans.Index.Check says it
}

// checkStmt returns CheckBans's statement, prepared on the readers:
// database/sql prepares it on each connection once and reuses it. The
// first caller's context does not bound it, so a canceled first check
// cannot leave every later one without a statement.
func (b *Backend) checkStmt() (*sql.Stmt, error) {
	b.check.once.Do(func() {
		b.check.stmt, b.check.err = b.readers.Prepare(matchLive)
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
