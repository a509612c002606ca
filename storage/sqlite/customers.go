package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

type customersTx struct{ *tx }

const customerColumns = `id, name, platform, platform_id, first_seen, updated, version, known_ips, known_emails`

func scanCustomer(row scanner) (customer.Customer, error) {
	var c customer.Customer
	var ips []string
	err := row.Scan(&c.ID, &c.Name, &c.PlatformID.Platform, &c.PlatformID.Value, timeCol{&c.FirstSeen},
		timeCol{&c.Updated}, &c.Version, jsonCol{&ips}, jsonCol{&c.KnownEmails})
	if err != nil {
		return customer.Customer{}, err
	}
	// The memory backend hands out nil for an empty set; so do we.
	if len(c.KnownEmails) == 0 {
		c.KnownEmails = nil
	}
	for _, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return customer.Customer{}, err
		}
		c.KnownIPs = append(c.KnownIPs, a)
	}
	return c, nil
}

// knownIPs is the column value for c.KnownIPs: a JSON array, never null.
func knownIPs(c customer.Customer) string {
	out := make([]string, len(c.KnownIPs))
	for i, a := range c.KnownIPs {
		out[i] = a.String()
	}
	return jsonText(out)
}

func knownEmails(c customer.Customer) string {
	if c.KnownEmails == nil {
		return "[]"
	}
	return jsonText(c.KnownEmails)
}

func (t customersTx) Get(ctx context.Context, id customer.ID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(t.queryRow(ctx, `select `+customerColumns+` from customers where id = ?1`, id))
	if err != nil {
		return customer.Customer{}, t.translate(ctx, err, "customer", string(id))
	}
	return c, nil
}

func (t customersTx) GetByPlatformID(ctx context.Context, pid customer.PlatformID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(t.queryRow(ctx,
		`select `+customerColumns+` from customers where platform = ?1 and platform_id = ?2`,
		pid.Platform, pid.Value))
	if err != nil {
		return customer.Customer{}, t.translate(ctx, err, "customer", pid.String())
	}
	return c, nil
}

// Create lets the unique indexes refuse a taken key: a failed statement
// undoes only itself in SQLite, so the transaction stays usable, as it
// does on the memory backend.
func (t customersTx) Create(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into customers (`+customerColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
		c.ID, c.Name, c.PlatformID.Platform, c.PlatformID.Value, ts(c.FirstSeen), ts(c.Updated),
		c.Version, knownIPs(c), knownEmails(c))
	if platformTaken(err) {
		return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
	}
	return t.translate(ctx, err, "customer", string(c.ID))
}

// Update writes only if the stored version is the one the caller read; a
// platform ID another customer holds fails on the unique index. When it
// writes nothing, a second query says why.
func (t customersTx) Update(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, `update customers
		set name = ?2, platform = ?3, platform_id = ?4, first_seen = ?5, updated = ?6,
		    known_ips = ?7, known_emails = ?8, version = version + 1
		where id = ?1 and version = ?9`,
		c.ID, c.Name, c.PlatformID.Platform, c.PlatformID.Value, ts(c.FirstSeen), ts(c.Updated),
		knownIPs(c), knownEmails(c), c.Version)
	if err != nil {
		if platformTaken(err) {
			return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
		}
		return t.translate(ctx, err, "customer", string(c.ID))
	}
	if n == 1 {
		return nil
	}
	return t.whyUnchanged(ctx, "customers", "customer", string(c.ID), c.Version)
}

// whyUnchanged explains an UPDATE … WHERE id = ?1 AND version = ?2 that
// changed no row: no such row (errs.NotFound) or a stale version
// (errs.Conflict). It returns nil if the version matches, so the caller
// can name its own extra condition.
func (t *tx) whyUnchanged(ctx context.Context, table, entity, id string, version int64) error {
	var stored int64
	err := t.queryRow(ctx, `select version from `+table+` where id = ?1`, id).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.NotFound(entity, id)
	case err != nil:
		return t.b.wrap(err)
	case stored != version:
		return errs.Conflict(entity, id, staleVersion(version, stored))
	}
	return nil
}

// platformTaken reports whether err is the unique index on (platform,
// platform ID) refusing a row.
func platformTaken(err error) bool {
	return err != nil && code(err) == sqliteConstraintUnique && strings.Contains(err.Error(), "customers.platform_id")
}

func staleVersion(got, stored int64) string {
	return "stale version " + strconv.FormatInt(got, 10) + ", stored " + strconv.FormatInt(stored, 10)
}

type tokensTx struct{ *tx }

const tokenColumns = `id, customer_id, label, hash, created, expires_at, revoked_at`

func scanToken(row scanner) (customer.Token, error) {
	var tok customer.Token
	var hash []byte
	err := row.Scan(&tok.ID, &tok.Customer, &tok.Label, &hash, timeCol{&tok.Created}, timePtrCol{&tok.ExpiresAt},
		timePtrCol{&tok.RevokedAt})
	copy(tok.Hash[:], hash)
	return tok, err
}

func (t tokensTx) CreateToken(ctx context.Context, tok customer.Token) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into customer_tokens (`+tokenColumns+`) values (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
		tok.ID, tok.Customer, tok.Label, tok.Hash[:], ts(tok.Created), tsPtr(tok.ExpiresAt), tsPtr(tok.RevokedAt))
	return t.translate(ctx, err, "token", string(tok.ID), parent{"customer", "customers", string(tok.Customer)})
}

func (t tokensTx) GetToken(ctx context.Context, id customer.TokenID) (customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Token{}, err
	}
	tok, err := scanToken(t.queryRow(ctx, `select `+tokenColumns+` from customer_tokens where id = ?1`, id))
	if err != nil {
		return customer.Token{}, t.translate(ctx, err, "token", string(id))
	}
	return tok, nil
}

func (t tokensTx) ListTokens(ctx context.Context, c customer.ID) ([]customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	toks, err := collect(ctx, t.tx, `select `+tokenColumns+` from customer_tokens
		where customer_id = ?1 order by seq desc`, []any{c}, scanToken)
	if err != nil {
		return nil, err
	}
	if toks == nil {
		toks = []customer.Token{}
	}
	return toks, nil
}

func (t tokensTx) RevokeToken(ctx context.Context, id customer.TokenID, at time.Time) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	n, err := t.exec(ctx, `update customer_tokens set revoked_at = coalesce(revoked_at, ?2) where id = ?1`, id, ts(at))
	if err != nil {
		return t.translate(ctx, err, "token", string(id))
	}
	if n == 0 {
		return errs.NotFound("token", string(id))
	}
	return nil
}

func (t tokensTx) RevokeAllTokens(ctx context.Context, c customer.ID, at time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	n, err := t.exec(ctx, `update customer_tokens set revoked_at = ?2 where customer_id = ?1 and revoked_at is null`, c, ts(at))
	if err != nil {
		return 0, t.translate(ctx, err, "token", string(c))
	}
	return int(n), nil
}
