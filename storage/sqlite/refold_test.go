package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/internal/fold"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/sqlite"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// Keys folded by an older build (here: only lower-cased, as the first
// PostgreSQL builds stored them) are folded anew by Migrate, so old bans
// catch look-alikes and known emails dedupe; a build meeting keys folded
// by a newer one leaves them alone.
func TestMigrateRefoldsOldKeys(t *testing.T) {
	ctx := context.Background()
	b := sqlitetest.NewBackend(t)
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	id := func(t bans.IdentityType, v string) bans.Identity { return bans.Identity{Type: t, Value: v} }
	steam := bans.MustIdentity(bans.Steam, "76561198006409530")
	ban := func(ids ...bans.Identity) bans.Ban {
		return bans.Ban{ID: bans.NewID(at), Reason: "old", Identities: ids, CreatedBy: "admin:old", CreatedAt: at, UpdatedBy: "admin:old", UpdatedAt: at}
	}
	// As the lower-casing build stored them.
	garry := ban(id(bans.Name, "ｇａｒｒｙ"), steam, id(bans.Name, "garry\u034f"))
	lifted := ban(id(bans.Email, "bob@example.com."))
	lifted.RemovedAt, lifted.RemovedBy = &at, "admin:old"
	filler := ban(id(bans.Name, "\u3164"))
	jose := ban(id(bans.Name, "jose\u0301"), id(bans.Name, "σοφοσ"))
	cust := customer.Customer{ID: customer.NewID(at), Name: "Player", PlatformID: customer.MustPlatformID(customer.Steam, "[U:1:5]"),
		FirstSeen: at, Updated: at, KnownEmails: []string{"ｂｏｂ@example.com", "alice@example.com", "bob@example.com."}}
	write := func(bs ...bans.Ban) {
		t.Helper()
		err := b.Update(ctx, func(tx storage.Tx) error {
			for _, x := range bs {
				if err := tx.Bans().Create(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	write(garry, lifted, filler, jose)
	if err := b.Update(ctx, func(tx storage.Tx) error { return tx.Customers().Create(ctx, cust) }); err != nil {
		t.Fatal(err)
	}
	// No folding recorded: the keys are as an older build left them.
	setFoldVersion(t, b, "")
	for range 2 { // the second run finds nothing to do
		if err := b.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}

	pb := playerbase.New(b, &playerbase.Config{Now: func() time.Time { return at }})
	for _, c := range []struct {
		ban  bans.Ban
		want []bans.Identity
	}{
		{garry, []bans.Identity{bans.MustIdentity(bans.Name, "Garry"), steam}},
		{lifted, []bans.Identity{bans.MustIdentity(bans.Email, "bob@example.com")}},
		{filler, []bans.Identity{id(bans.Name, "\u3164")}}, // folds to nothing: kept, matching nothing new
		{jose, []bans.Identity{bans.MustIdentity(bans.Name, "José"), bans.MustIdentity(bans.Name, "σοφος")}},
	} {
		got, err := pb.BanGet(ctx, c.ban.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, got.Identities); d != "" {
			t.Errorf("ban %s identities (-want +got):\n%s", c.ban.ID, d)
		}
	}
	banned := func(raw ...bans.Identity) []bans.ID {
		t.Helper()
		got, err := pb.BanCheck(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := banned(id(bans.Name, "Ｇａｒｒｙ\u3164")); !cmp.Equal(got, []bans.ID{garry.ID}) {
		t.Errorf("BannedBy fullwidth Garry = %v, want %v", got, garry.ID)
	}
	if got := banned(id(bans.Name, "JOSÉ"), id(bans.Name, "ΣΟΦΟΣ")); !cmp.Equal(got, []bans.ID{jose.ID}) {
		t.Errorf("BannedBy JOSÉ, ΣΟΦΟΣ = %v, want %v", got, jose.ID)
	}
	if got := banned(id(bans.Email, "ＢＯＢ@example.com")); len(got) != 0 {
		t.Errorf("BannedBy a lifted ban's email = %v, want none", got)
	}
	page, err := pb.BanList(ctx, playerbase.BanListParams{Identity: id(bans.Email, "ＢＯＢ@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Bans) != 1 || page.Bans[0].ID != lifted.ID {
		t.Errorf("ListBans by the lifted ban's email = %v, want %v", page.Bans, lifted.ID)
	}
	got, err := pb.CustomerGet(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"bob@example.com", "alice@example.com"}, got.KnownEmails); d != "" {
		t.Errorf("known emails (-want +got):\n%s", d)
	}
	if got.Version != cust.Version {
		t.Errorf("refolding moved the customer's version from %d to %d", cust.Version, got.Version)
	}
	if v := foldVersion(t, b); v != fold.Version {
		t.Errorf("recorded folding %q, want %q", v, fold.Version)
	}

	// Keys from a newer build are not folded back.
	newer := ban(id(bans.Name, "ｇａｒｒｙ３"))
	write(newer)
	setFoldVersion(t, b, "99")
	if err := b.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := pb.BanGet(ctx, newer.ID); err != nil || got.Identities[0].Value != "ｇａｒｒｙ３" {
		t.Errorf("a newer build's keys changed: %v, %v", got.Identities, err)
	}
	if v := foldVersion(t, b); v != "99" {
		t.Errorf("recorded folding %q, want the newer build's", v)
	}
}

func foldVersion(t *testing.T, b *sqlite.Backend) (v string) {
	t.Helper()
	if err := b.DB().QueryRowContext(context.Background(), `select version from playerbase_text_fold`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func setFoldVersion(t *testing.T, b *sqlite.Backend, v string) {
	t.Helper()
	if _, err := b.DB().ExecContext(context.Background(), `update playerbase_text_fold set version = ?1`, v); err != nil {
		t.Fatal(err)
	}
}
