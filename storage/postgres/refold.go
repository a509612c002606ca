package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/internal/fold"
)

// Refold brings the stored name and email keys (ban identities, customers'
// known emails) to this build's folding if they were made with an older
// one: keys written before migration 0010 were only lower-cased, and a
// newer Unicode version in x/text or Go may fold some text differently.
// Without it, such a ban misses the look-alikes it should catch. Migrate
// does this itself; a host that applies Migrations with its own tool calls
// Refold after them. It runs in one transaction under Migrate's lock and
// is a single read when there is nothing to do.
func (b *Backend) Refold(ctx context.Context) error {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return wrap(err)
	}
	defer conn.Release()
	t, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return wrap(err)
	}
	// After Commit this is a no-op; on an early return the error being
	// returned is the one that matters, not the rollback's.
	defer func() { _ = t.Rollback(context.WithoutCancel(ctx)) }()
	schema := b.schema
	if schema == "" {
		if err := t.QueryRow(ctx, "select current_schema()").Scan(&schema); err != nil {
			return fmt.Errorf("postgres: no schema on the search_path to refold: %w", err)
		}
	}
	if _, err := t.Exec(ctx, "select pg_advisory_xact_lock(hashtextextended($1, 0))", "playerbase.migrate."+schema); err != nil {
		return wrap(err)
	}
	if _, err := t.Exec(ctx, "select set_config('search_path', $1, true)", pgx.Identifier{schema}.Sanitize()); err != nil {
		return wrap(err)
	}
	if err := refold(ctx, t); err != nil {
		return err
	}
	return wrap(t.Commit(ctx))
}

// refoldPage bounds the rows refold holds in memory at once.
const refoldPage = 1000

// refold re-folds the stored keys in t if they are older than this build's
// folding, and records the folding. An empty record (a truncated schema)
// means no keys are stored.
func refold(ctx context.Context, t pgx.Tx) error {
	var stored string
	err := t.QueryRow(ctx, `select version from playerbase_text_fold for update`).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !fold.Older(stored) {
		return nil
	}
	if err != nil {
		return wrap(err)
	}
	if err := refoldBans(ctx, t); err != nil {
		return err
	}
	if err := refoldKnownEmails(ctx, t); err != nil {
		return err
	}
	if err := refoldNameKeys(ctx, t); err != nil {
		return err
	}
	_, err = t.Exec(ctx, `update playerbase_text_fold set version = $1`, fold.Version)
	return wrap(err)
}

// refoldBans re-parses the name and email identities of every ban, lifted
// ones too (their history lists by identity), and rewrites the bans whose
// identities changed, with their ban_identities rows. A stored value that
// no longer parses (a name of fillers alone) is kept as it is: it matches
// nothing new, and the ban's record stays whole.
func refoldBans(ctx context.Context, t pgx.Tx) error {
	after := ""
	for {
		rows, err := t.Query(ctx, `select id, identity_types, identity_values from bans
			where id > $1 and identity_types && array['name', 'email'] order by id limit $2`, after, refoldPage)
		if err != nil {
			return wrap(err)
		}
		type ban struct {
			id            string
			types, values []string
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (b ban, err error) {
			return b, r.Scan(&b.id, &b.types, &b.values)
		})
		if err != nil {
			return wrap(err)
		}
		var batch pgx.Batch
		for _, b := range page {
			ids := make([]bans.Identity, len(b.types))
			for i := range b.types {
				ids[i] = bans.Identity{Type: bans.IdentityType(b.types[i]), Value: b.values[i]}
			}
			folded := refoldIdentities(ids)
			if slices.Equal(folded, ids) {
				continue
			}
			types, values := identityColumns(folded)
			batch.Queue(`update bans set identity_types = $2, identity_values = $3 where id = $1`, b.id, types, values)
			batch.Queue(`delete from ban_identities where ban_id = $1`, b.id)
			batch.Queue(`insert into ban_identities (ban_id, position, type, value, live, expires_at)
				select b.id, x.n, x.type, x.value, b.removed_at is null, b.expires_at
				from bans b, unnest(b.identity_types, b.identity_values) with ordinality as x(type, value, n)
				where b.id = $1`, b.id)
		}
		if batch.Len() > 0 {
			if err := t.SendBatch(ctx, &batch).Close(); err != nil {
				return wrap(err)
			}
		}
		if len(page) < refoldPage {
			return nil
		}
		after = page[len(page)-1].id
	}
}

// refoldIdentities returns ids with names and emails folded anew and the
// duplicates that folding makes dropped, keeping the first.
func refoldIdentities(ids []bans.Identity) []bans.Identity {
	out := make([]bans.Identity, 0, len(ids))
	for _, id := range ids {
		if id.Type == bans.Name || id.Type == bans.Email {
			if c, err := bans.ParseIdentity(id.Type, id.Value); err == nil {
				id = c
			}
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// refoldKnownEmails folds customers' known emails anew, dropping the
// duplicates that folding makes. It leaves Version alone: the customer did
// not change, and an editor holding the page saves without a conflict.
func refoldKnownEmails(ctx context.Context, t pgx.Tx) error {
	after := ""
	for {
		rows, err := t.Query(ctx, `select id, known_emails from customers
			where id > $1 and known_emails <> '{}' order by id limit $2`, after, refoldPage)
		if err != nil {
			return wrap(err)
		}
		type known struct {
			id     string
			emails []string
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (k known, err error) {
			return k, r.Scan(&k.id, &k.emails)
		})
		if err != nil {
			return wrap(err)
		}
		var batch pgx.Batch
		for _, k := range page {
			folded := make([]string, 0, len(k.emails))
			for _, e := range k.emails {
				if e = customer.NormalizeEmail(e); !slices.Contains(folded, e) {
					folded = append(folded, e)
				}
			}
			if !slices.Equal(folded, k.emails) {
				batch.Queue(`update customers set known_emails = $2 where id = $1`, k.id, folded)
			}
		}
		if batch.Len() > 0 {
			if err := t.SendBatch(ctx, &batch).Close(); err != nil {
				return wrap(err)
			}
		}
		if len(page) < refoldPage {
			return nil
		}
		after = page[len(page)-1].id
	}
}

// refoldNameKeys writes every customer's folded name key (migration 0018),
// a page at a time. It leaves Version alone, as refoldKnownEmails does.
func refoldNameKeys(ctx context.Context, t pgx.Tx) error {
	after := ""
	for {
		rows, err := t.Query(ctx, `select id, name, name_key from customers where id > $1 order by id limit $2`, after, refoldPage)
		if err != nil {
			return wrap(err)
		}
		type named struct{ id, name, key string }
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (n named, err error) {
			return n, r.Scan(&n.id, &n.name, &n.key)
		})
		if err != nil {
			return wrap(err)
		}
		var batch pgx.Batch
		for _, n := range page {
			if key := customer.FoldName(n.name); key != n.key {
				batch.Queue(`update customers set name_key = $2 where id = $1`, n.id, key)
			}
		}
		if batch.Len() > 0 {
			if err := t.SendBatch(ctx, &batch).Close(); err != nil {
				return wrap(err)
			}
		}
		if len(page) < refoldPage {
			return nil
		}
		after = page[len(page)-1].id
	}
}
