package sqlite

import (
	"context"
	"net/netip"
	"strings"
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

// addrKey is an address as the range columns compare it: its family (4
// or 6) and then its bytes, so blob order is address order within a
// family and the families never overlap.
func addrKey(a netip.Addr) []byte {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return append([]byte{4}, b[:]...)
	}
	b := a.As16()
	return append([]byte{6}, b[:]...)
}

// rangeKeys returns the first and last address of an ip_range value.
func rangeKeys(value string) (lo, hi []byte, ok bool) {
	p, err := netip.ParsePrefix(value)
	if err != nil {
		return nil, nil, false
	}
	p = p.Masked()
	lo = addrKey(p.Addr())
	hi = append([]byte(nil), lo...)
	// Set every host bit of the last address.
	for bit := p.Bits(); bit < p.Addr().BitLen(); bit++ {
		hi[1+bit/8] |= 0x80 >> (bit % 8)
	}
	return lo, hi, true
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
		var lo, hi any
		if x.Type == bans.IPRange {
			if l, h, ok := rangeKeys(x.Value); ok {
				lo, hi = l, h
			}
		}
		_, err := t.exec(ctx, `insert into ban_identities (ban_id, position, type, key, live, expires_at, range_lo, range_hi)
			values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
			b.ID, i+1, x.Type, identityKey(x), live, tsPtr(b.ExpiresAt), lo, hi)
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

// matchSQL returns a query for the IDs of live bans holding one of ids
// (or a range holding one of the ip identities), with alive, if set, as
// the placeholder of the instant their expiry is judged at. Each part is
// a probe of one partial index: the exact keys in one, and per IP the
// ranges of its family whose first address is at or below it, checked
// against their last address in the index.
func matchSQL(ids []bans.Identity, a *args, alive string) string {
	keys := make([]any, len(ids))
	for i, x := range ids {
		keys[i] = identityKey(x)
	}
	expiry := ``
	if alive != "" {
		expiry = ` and (i.expires_at is null or i.expires_at > ` + alive + `)`
	}
	q := `select distinct i.ban_id from ban_identities i where i.live and i.key in (` + a.list(keys...) + `)` + expiry
	for _, x := range ids {
		if x.Type != bans.IP {
			continue
		}
		addr, err := netip.ParseAddr(x.Value)
		if err != nil {
			continue
		}
		k := addrKey(addr)
		q += ` union select i.ban_id from ban_identities i
			where i.live and i.type = 'ip_range' and i.range_lo between ` + a.add(k[:1]) + ` and ` + a.add(k) +
			` and i.range_hi >= ` + a.add(k) + expiry
	}
	return q
}

func (t bansTx) Matching(ctx context.Context, ids []bans.Identity) ([]bans.Ban, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var a args
	q := `select ` + banColumns + ` from bans b
		where b.id in (` + matchSQL(ids, &a, "") + `) and b.removed_at is null
		order by b.id desc`
	return collect(ctx, t.tx, q, a, scanBan)
}

// CheckBans returns the IDs of the bans active at now that match any of ids
// (canonical identities, as bans.ParseIdentities returns them), newest
// first, each once: Client.Check's question as one statement on a reader,
// outside any transaction, answered from the covering partial indexes of
// ban_identities.
func (b *Backend) CheckBans(ctx context.Context, ids []bans.Identity, now time.Time) ([]bans.ID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var a args
	alive := a.add(ts(now))
	q := matchSQL(ids, &a, alive) + ` order by 1 desc`
	rows, err := b.readers.QueryContext(ctx, q, a...)
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
