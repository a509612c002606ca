package postgres

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

type customersTx struct{ *tx }

const customerColumns = `id, name, platform, platform_id, first_seen, updated, version, known_ips, known_emails`

func scanCustomer(row pgx.Row) (customer.Customer, error) {
	var c customer.Customer
	err := row.Scan(&c.ID, &c.Name, &c.PlatformID.Platform, &c.PlatformID.Value, &c.FirstSeen, &c.Updated,
		&c.Version, &c.KnownIPs, &c.KnownEmails)
	c.FirstSeen, c.Updated = c.FirstSeen.UTC(), c.Updated.UTC()
	// The memory backend hands out nil for an empty set; so do we.
	if len(c.KnownIPs) == 0 {
		c.KnownIPs = nil
	}
	if len(c.KnownEmails) == 0 {
		c.KnownEmails = nil
	}
	return c, err
}

func (t customersTx) Get(ctx context.Context, id customer.ID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(t.queryRow(ctx, `select `+customerColumns+` from customers where id = $1`, id))
	t.note(err)
	if err != nil {
		return customer.Customer{}, translate(err, "customer", string(id))
	}
	return c, nil
}

func (t customersTx) GetByPlatformID(ctx context.Context, pid customer.PlatformID) (customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(t.queryRow(ctx,
		`select `+customerColumns+` from customers where platform = $1 and platform_id = $2`,
		pid.Platform, pid.Value))
	t.note(err)
	if err != nil {
		return customer.Customer{}, translate(err, "customer", pid.String())
	}
	return c, nil
}

// knownIPs is the column value for c.KnownIPs: never NULL.
func knownIPs(c customer.Customer) []netip.Addr {
	if c.KnownIPs == nil {
		return []netip.Addr{}
	}
	return c.KnownIPs
}

func knownEmails(c customer.Customer) []string {
	if c.KnownEmails == nil {
		return []string{}
	}
	return c.KnownEmails
}

// Create inserts with ON CONFLICT DO NOTHING rather than catching the
// unique violation, so a taken key leaves the transaction usable, as it
// does on the memory backend.
func (t customersTx) Create(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into customers (`+customerColumns+`, name_key)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
		c.ID, c.Name, c.PlatformID.Platform, c.PlatformID.Value, c.FirstSeen.UTC(), c.Updated.UTC(),
		c.Version, knownIPs(c), knownEmails(c), customer.FoldName(c.Name))
	if err != nil {
		return translate(err, "customer", string(c.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var idTaken bool
	if err := t.scanRow(ctx, `select exists (select 1 from customers where id = $1)`, []any{c.ID}, &idTaken); err != nil {
		return wrap(err)
	}
	if idTaken {
		return errs.Conflict("customer", string(c.ID), "ID already exists")
	}
	return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
}

// Update writes only if the stored version is the one the caller read and
// no other customer holds the platform ID; when it writes nothing, a second
// query says why.
func (t customersTx) Update(ctx context.Context, c customer.Customer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update customers
		set name = $2, platform = $3, platform_id = $4, first_seen = $5, updated = $6,
		    known_ips = $7, known_emails = $8, name_key = $10, version = version + 1
		where id = $1 and version = $9
		  and not exists (select 1 from customers o
		                  where o.platform = $3 and o.platform_id = $4 and o.id <> $1)`,
		c.ID, c.Name, c.PlatformID.Platform, c.PlatformID.Value, c.FirstSeen.UTC(), c.Updated.UTC(),
		knownIPs(c), knownEmails(c), c.Version, customer.FoldName(c.Name))
	if err != nil {
		return translate(err, "customer", string(c.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var stored int64
	var taken bool
	err = t.scanRow(ctx, `select version, exists (select 1 from customers o
			where o.platform = $2 and o.platform_id = $3 and o.id <> $1)
		from customers where id = $1`,
		[]any{c.ID, c.PlatformID.Platform, c.PlatformID.Value}, &stored, &taken)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errs.NotFound("customer", string(c.ID))
	case err != nil:
		return wrap(err)
	case stored != c.Version:
		return errs.Conflict("customer", string(c.ID), staleVersion(c.Version, stored))
	case taken:
		return errs.Conflict("customer", c.PlatformID.String(), "platform ID already belongs to a customer")
	}
	// Unreachable inside one serializable transaction; say so rather than
	// claim success.
	return errs.Conflict("customer", string(c.ID), "changed concurrently")
}

func staleVersion(got, stored int64) string {
	return "stale version " + strconv.FormatInt(got, 10) + ", stored " + strconv.FormatInt(stored, 10)
}

type tokensTx struct{ *tx }

const tokenColumns = `id, customer_id, label, hash, created, expires_at, revoked_at`

func scanToken(row pgx.Row) (customer.Token, error) {
	var tok customer.Token
	var hash []byte
	err := row.Scan(&tok.ID, &tok.Customer, &tok.Label, &hash, &tok.Created, &tok.ExpiresAt, &tok.RevokedAt)
	copy(tok.Hash[:], hash)
	tok.Created = tok.Created.UTC()
	tok.ExpiresAt, tok.RevokedAt = utcPtr(tok.ExpiresAt), utcPtr(tok.RevokedAt)
	return tok, err
}

// utcPtr returns t in UTC; pgx hands timestamptz out in the local zone.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (t tokensTx) CreateToken(ctx context.Context, tok customer.Token) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `insert into customer_tokens (`+tokenColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7) on conflict (id) do nothing`,
		tok.ID, tok.Customer, tok.Label, tok.Hash[:], tok.Created.UTC(), utcPtr(tok.ExpiresAt), utcPtr(tok.RevokedAt))
	if err != nil {
		return translate(err, "token", string(tok.ID))
	}
	if tag.RowsAffected() == 0 {
		return errs.Conflict("token", string(tok.ID), "ID already exists")
	}
	return nil
}

func (t tokensTx) GetToken(ctx context.Context, id customer.TokenID) (customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return customer.Token{}, err
	}
	tok, err := scanToken(t.queryRow(ctx, `select `+tokenColumns+` from customer_tokens where id = $1`, id))
	t.note(err)
	if err != nil {
		return customer.Token{}, translate(err, "token", string(id))
	}
	return tok, nil
}

func (t tokensTx) ListTokens(ctx context.Context, c customer.ID) ([]customer.Token, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	toks, err := collect(ctx, t.tx, `select `+tokenColumns+` from customer_tokens
		where customer_id = $1 order by seq desc`, []any{c}, func(r pgx.Rows) (customer.Token, error) { return scanToken(r) })
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
	tag, err := t.exec(ctx, `update customer_tokens set revoked_at = coalesce(revoked_at, $2) where id = $1`, id, at.UTC())
	if err != nil {
		return translate(err, "token", string(id))
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("token", string(id))
	}
	return nil
}

func (t tokensTx) RevokeAllTokens(ctx context.Context, c customer.ID, at time.Time) (int, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	tag, err := t.exec(ctx, `update customer_tokens set revoked_at = $2 where customer_id = $1 and revoked_at is null`, c, at.UTC())
	if err != nil {
		return 0, translate(err, "token", string(c))
	}
	return int(tag.RowsAffected()), nil
}

// Search reads one index per key: a range of the folded-name index, or the
// GIN index of known emails or IPs.
func (t customersTx) Search(ctx context.Context, q customer.SearchQuery) ([]customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	sql := `select ` + customerColumns + ` from customers where `
	switch {
	case q.Email != "":
		sql += `known_emails @> array[` + a.add(q.Email) + `::text]`
	case q.IP.IsValid():
		sql += `known_ips @> array[` + a.add(q.IP) + `::inet]`
	default:
		sql += `name_key >= ` + a.add(q.NamePrefix) + ` and name_key < ` + a.add(customer.NameKeyEnd(q.NamePrefix))
	}
	sql += ` and id > ` + a.add(q.After) + ` order by id`
	if q.Limit > 0 {
		sql += ` limit ` + a.add(q.Limit)
	}
	return collect(ctx, t.tx, sql, a, func(r pgx.Rows) (customer.Customer, error) { return scanCustomer(r) })
}
