package postgres_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage/postgres"
)

// scaleBan is ban i of a large fixture: an email, a name, a Steam ID and an
// IP, and on one ban in 20 an IPv4 /16 as well; never a customer ID or a
// Minecraft UUID, so a listing by those types finds nothing. IDs ascend with
// i, as bans created one after another would.
func scaleBan(i int, at time.Time) bans.Ban {
	var id ulid.ULID
	_ = id.SetTime(ulid.Timestamp(at))
	for j := range 8 {
		id[15-j] = byte(i >> (8 * j))
	}
	ids := []bans.Identity{
		{Type: bans.Email, Value: fmt.Sprintf("p%d@example.com", i)},
		{Type: bans.Name, Value: fmt.Sprintf("player%d", i)},
		bans.SteamIdentity(76561197960265728 + uint64(i) + 1),
		bans.IPIdentity(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})),
	}
	if i%20 == 0 {
		ids = append(ids, bans.Identity{Type: bans.IPRange, Value: fmt.Sprintf("%d.%d.0.0/16", 100+i%100, i>>8&255)})
	}
	return bans.Ban{
		ID: bans.ID("ban_" + id.String()), Reason: "bench", Identities: ids,
		CreatedBy: "admin:bench", CreatedAt: at, UpdatedBy: "admin:bench", UpdatedAt: at,
	}
}

// copyBans stores scaleBan(0 … n-1) with COPY, streaming the rows (a
// fixture of a million bans never sits in memory), and analyzes the tables
// so plans see their size.
func copyBans(tb testing.TB, b *postgres.Backend, n int) {
	tb.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Millisecond)
	err := pgx.BeginFunc(ctx, b.Pool(), func(tx pgx.Tx) error {
		i := 0
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"bans"}, []string{"id", "reason", "created_by", "created_at",
			"updated_by", "updated_at", "identity_types", "identity_values"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				ban := scaleBan(i, at)
				i++
				types, values := make([]string, len(ban.Identities)), make([]string, len(ban.Identities))
				for j, x := range ban.Identities {
					types[j], values[j] = string(x.Type), x.Value
				}
				return []any{ban.ID, ban.Reason, ban.CreatedBy, ban.CreatedAt, ban.UpdatedBy, ban.UpdatedAt, types, values}, nil
			}))
		if err != nil {
			return err
		}
		i = 0
		var cur bans.Ban
		pos := 0
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"ban_identities"}, []string{"ban_id", "position", "type", "value", "live"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if pos == len(cur.Identities) {
					if i == n {
						return nil, nil
					}
					cur, pos = scaleBan(i, at), 0
					i++
				}
				x := cur.Identities[pos]
				pos++
				return []any{cur.ID, pos, string(x.Type), x.Value, true}, nil
			}))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := b.Pool().Exec(ctx, `vacuum analyze bans, ban_identities`); err != nil {
		tb.Fatal(err)
	}
}
