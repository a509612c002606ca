package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/internal/fold"
)

// refold brings the stored name and email keys (ban identities, customers'
// known emails) to this build's folding if they were made with an older
// one, as storage/postgres does: a newer Unicode version in x/text or Go
// may fold some text differently, and a ban would then miss the
// look-alikes it should catch. Migrate runs it in its transaction; it is a
// single read when there is nothing to do.
func (b *Backend) refold(ctx context.Context, t *sql.Tx) error {
	var stored string
	err := t.QueryRowContext(ctx, `select version from playerbase_text_fold`).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !fold.Older(stored) {
		return nil
	}
	if err != nil {
		return b.wrap(err)
	}
	if err := b.refoldBans(ctx, t); err != nil {
		return err
	}
	if err := b.refoldKnownEmails(ctx, t); err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `update playerbase_text_fold set version = ?1`, fold.Version)
	return b.wrap(err)
}

// refoldBans re-parses the name and email identities of every ban, lifted
// ones too (their history lists by identity), and rewrites the bans whose
// identities changed, with their ban_identities rows. A stored value that
// no longer parses is kept as it is: it matches nothing new, and the ban's
// record stays whole.
func (b *Backend) refoldBans(ctx context.Context, t *sql.Tx) error {
	rows, err := t.QueryContext(ctx, `select distinct b.id from bans b join ban_identities i on i.ban_id = b.id
		where i.type in ('name', 'email') order by b.id`)
	if err != nil {
		return b.wrap(err)
	}
	var ids []bans.ID
	for rows.Next() {
		var id bans.ID
		if err := rows.Scan(&id); err != nil {
			return b.wrap(errors.Join(err, rows.Close()))
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return b.wrap(err)
	}
	store := bansTx{&tx{b: b, tx: t, writable: true}}
	for _, id := range ids {
		ban, err := store.Get(ctx, id)
		if err != nil {
			return err
		}
		folded := refoldIdentities(ban.Identities)
		if slices.Equal(folded, ban.Identities) {
			continue
		}
		ban.Identities = folded
		if err := store.Update(ctx, ban); err != nil {
			return err
		}
	}
	return nil
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
func (b *Backend) refoldKnownEmails(ctx context.Context, t *sql.Tx) error {
	type known struct {
		id     string
		emails []string
	}
	rows, err := t.QueryContext(ctx, `select id, known_emails from customers where known_emails <> '[]' order by id`)
	if err != nil {
		return b.wrap(err)
	}
	var all []known
	for rows.Next() {
		var k known
		if err := rows.Scan(&k.id, jsonCol{&k.emails}); err != nil {
			return b.wrap(errors.Join(err, rows.Close()))
		}
		all = append(all, k)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return b.wrap(err)
	}
	for _, k := range all {
		folded := make([]string, 0, len(k.emails))
		for _, e := range k.emails {
			if e = customer.NormalizeEmail(e); !slices.Contains(folded, e) {
				folded = append(folded, e)
			}
		}
		if slices.Equal(folded, k.emails) {
			continue
		}
		if _, err := t.ExecContext(ctx, `update customers set known_emails = ?2 where id = ?1`, k.id, jsonText(folded)); err != nil {
			return b.wrap(err)
		}
	}
	return nil
}
