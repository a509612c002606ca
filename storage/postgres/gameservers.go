package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
)

type gameserversTx struct{ *tx }

func (t *tx) GameServers() gameserver.Store { return gameserversTx{t} }

const gameserverColumns = `id, name, enabled, token_hash, token_issued_at, token_revoked_at,
	link_ip, link_hostname, link_platform, link_version, linked_at, created, updated, version`

func gameserverArgs(s gameserver.Server) []any {
	args := []any{s.ID, s.Name, s.Enabled, s.TokenHash[:], s.TokenIssuedAt.UTC(), utcPtr(s.TokenRevokedAt)}
	if l := s.LastLink; l != nil {
		args = append(args, l.IP, l.Hostname, l.Platform, l.Version, l.At.UTC())
	} else {
		args = append(args, nil, nil, nil, nil, nil)
	}
	return append(args, s.Created.UTC(), s.Updated.UTC(), s.Version)
}

func scanGameserver(row pgx.Row) (gameserver.Server, error) {
	var s gameserver.Server
	var hash []byte
	var ip, host, platform, version *string
	var linked *time.Time
	err := row.Scan(&s.ID, &s.Name, &s.Enabled, &hash, &s.TokenIssuedAt, &s.TokenRevokedAt,
		&ip, &host, &platform, &version, &linked, &s.Created, &s.Updated, &s.Version)
	if err != nil {
		return gameserver.Server{}, err
	}
	copy(s.TokenHash[:], hash)
	s.TokenIssuedAt, s.Created, s.Updated = s.TokenIssuedAt.UTC(), s.Created.UTC(), s.Updated.UTC()
	s.TokenRevokedAt = utcPtr(s.TokenRevokedAt)
	if linked != nil {
		s.LastLink = &gameserver.Link{IP: deref(ip), Hostname: deref(host), Platform: deref(platform), Version: deref(version), At: linked.UTC()}
	}
	return s, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (t gameserversTx) Create(ctx context.Context, s gameserver.Server) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into gameservers (`+gameserverColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, gameserverArgs(s)...)
	return translate(err, "gameserver", string(s.ID))
}

func (t gameserversTx) Get(ctx context.Context, id gameserver.ID) (gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return gameserver.Server{}, err
	}
	s, err := scanGameserver(t.queryRow(ctx, `select `+gameserverColumns+` from gameservers where id = $1`, id))
	t.note(err)
	if err != nil {
		return gameserver.Server{}, translate(err, "gameserver", string(id))
	}
	return s, nil
}

func (t gameserversTx) List(ctx context.Context) ([]gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+gameserverColumns+` from gameservers order by name`, nil,
		func(r pgx.Rows) (gameserver.Server, error) { return scanGameserver(r) })
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []gameserver.Server{}
	}
	return out, nil
}

func (t gameserversTx) Update(ctx context.Context, s gameserver.Server) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `update gameservers
		set name = $2, enabled = $3, token_hash = $4, token_issued_at = $5, token_revoked_at = $6,
		    link_ip = $7, link_hostname = $8, link_platform = $9, link_version = $10, linked_at = $11,
		    created = $12, updated = $13, version = version + 1
		where id = $1 and version = $14`, gameserverArgs(s)...)
	if err != nil {
		return translate(err, "gameserver", string(s.ID))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var stored int64
	err = t.scanRow(ctx, `select version from gameservers where id = $1`, []any{s.ID}, &stored)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errs.NotFound("gameserver", string(s.ID))
	case err != nil:
		return wrap(err)
	}
	return errs.Conflict("gameserver", string(s.ID), staleVersion(s.Version, stored))
}
