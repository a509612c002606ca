package sqlite_test

import (
	"context"
	"testing"

	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
	"github.com/playerbase/playerbase/storage/storagetest"
)

// Keys folded by an older build are folded anew by Migrate; with no folding
// recorded, the keys are as an older build left them.
func TestMigrateRefoldsOldKeys(t *testing.T) {
	b := sqlitetest.NewBackend(t)
	setFoldVersion := func(t *testing.T, v string) {
		t.Helper()
		if _, err := b.DB().ExecContext(context.Background(), `update playerbase_text_fold set version = ?1`, v); err != nil {
			t.Fatal(err)
		}
	}
	storagetest.RunRefold(t, storagetest.RefoldHarness{
		Backend: b,
		Forget:  func(t *testing.T) { setFoldVersion(t, "") },
		Migrate: b.Migrate,
		FoldVersion: func(t *testing.T) (v string) {
			t.Helper()
			if err := b.DB().QueryRowContext(context.Background(), `select version from playerbase_text_fold`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		},
		SetFoldVersion: setFoldVersion,
	})
}
