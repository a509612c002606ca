package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/playerbase/playerbase/gameserver"
)

type gameserversTx struct{ *tx }

func (t *tx) GameServers() gameserver.Store { return gameserversTx{t} }

const gameserverColumns = `id, name, enabled, token_hash, token_issued_at, token_revoked_at,
	link_ip, link_hostname, link_platform, link_version, linked_at, created, updated, version`

func gameserverArgs(s gameserver.Server) []any {
	args := []any{s.ID, s.Name, s.Enabled, s.TokenHash[:], ts(s.TokenIssuedAt), tsPtr(s.TokenRevokedAt)}
	if l := s.LastLink; l != nil {
		args = append(args, l.IP, l.Hostname, l.Platform, l.Version, ts(l.At))
	} else {
		args = append(args, nil, nil, nil, nil, nil)
	}
	return append(args, ts(s.Created), ts(s.Updated), s.Version)
}

func scanGameserver(row scanner) (gameserver.Server, error) {
	var s gameserver.Server
	var hash []byte
	var ip, host, platform, version sql.NullString
	var linked *time.Time
	err := row.Scan(&s.ID, &s.Name, &s.Enabled, &hash, timeCol{&s.TokenIssuedAt}, timePtrCol{&s.TokenRevokedAt},
		&ip, &host, &platform, &version, timePtrCol{&linked}, timeCol{&s.Created}, timeCol{&s.Updated}, &s.Version)
	if err != nil {
		return gameserver.Server{}, err
	}
	copy(s.TokenHash[:], hash)
	if linked != nil {
		s.LastLink = &gameserver.Link{IP: ip.String, Hostname: host.String, Platform: platform.String, Version: version.String, At: *linked}
	}
	return s, nil
}

func (t gameserversTx) Create(ctx context.Context, s gameserver.Server) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	_, err := t.exec(ctx, `insert into gameservers (`+gameserverColumns+`)
		values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`, gameserverArgs(s)...)
	return t.translate(ctx, err, "gameserver", string(s.ID))
}

func (t gameserversTx) Get(ctx context.Context, id gameserver.ID) (gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return gameserver.Server{}, err
	}
	s, err := scanGameserver(t.queryRow(ctx, `select `+gameserverColumns+` from gameservers where id = ?1`, id))
	if err != nil {
		return gameserver.Server{}, t.translate(ctx, err, "gameserver", string(id))
	}
	return s, nil
}

func (t gameserversTx) List(ctx context.Context) ([]gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out, err := collect(ctx, t.tx, `select `+gameserverColumns+` from gameservers order by name`, nil, scanGameserver)
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
	n, err := t.exec(ctx, `update gameservers
		set name = ?2, enabled = ?3, token_hash = ?4, token_issued_at = ?5, token_revoked_at = ?6,
		    link_ip = ?7, link_hostname = ?8, link_platform = ?9, link_version = ?10, linked_at = ?11,
		    created = ?12, updated = ?13, version = version + 1
		where id = ?1 and version = ?14`, gameserverArgs(s)...)
	if err != nil {
		return t.translate(ctx, err, "gameserver", string(s.ID))
	}
	if n == 1 {
		return nil
	}
	return t.whyUnchanged(ctx, "gameservers", "gameserver", string(s.ID), s.Version)
}
