package postgres_test

import (
	"context"
	"testing"

	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/storagetest"
)

// Keys written before migration 0010 were only lower-cased. Migrate
// re-folds them; Refold does the same for a host that migrates with its
// own tool.
func TestMigrateRefoldsOldKeys(t *testing.T) {
	b := pgtest.NewBackend(t)
	ctx := context.Background()
	storagetest.RunRefold(t, storagetest.RefoldHarness{
		Backend: b,
		Forget: func(t *testing.T) {
			// The schema as it was before migration 0010.
			if _, err := b.Pool().Exec(ctx, `drop table playerbase_text_fold; delete from playerbase_migrations where version = 10`); err != nil {
				t.Fatal(err)
			}
		},
		Migrate: b.Migrate,
		Refold:  b.Refold,
		FoldVersion: func(t *testing.T) (v string) {
			t.Helper()
			if err := b.Pool().QueryRow(ctx, `select version from playerbase_text_fold`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		},
		SetFoldVersion: func(t *testing.T, v string) {
			t.Helper()
			if _, err := b.Pool().Exec(ctx, `update playerbase_text_fold set version = $1`, v); err != nil {
				t.Fatal(err)
			}
		},
	})
}
