package storagetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
)

// testBanLoader runs on backends that offer storage.BanLoader: a full load
// hands over exactly the bans a listing of the active ones returns, each
// once, and stops at the callback's error.
func testBanLoader(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	bl, ok := b.(storage.BanLoader)
	if !ok {
		t.Skip("the backend does not offer storage.BanLoader")
	}
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	r6, _ := newV6Range()
	permanent, expiring := newBan(newEmail(), newBanName(), r6), newBan(newEmail())
	expiring.ExpiresAt = &future
	expired := newBan(newEmail())
	expired.ExpiresAt = &past
	lifted := newBan(newEmail())
	lifted.RemovedAt, lifted.RemovedBy = &past, "admin:test"
	update(t, b, func(tx storage.Tx) error {
		for _, x := range []bans.Ban{permanent, expiring, expired, lifted} {
			if err := tx.Bans().Create(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	var want []bans.Ban
	view(t, b, func(tx storage.Tx) (err error) {
		want, err = tx.Bans().List(ctx, bans.ListParams{State: bans.StateActive, Now: now})
		return err
	})
	var got []bans.Ban
	if err := bl.LoadActiveBans(ctx, now, func(x bans.Ban) error { got = append(got, x); return nil }); err != nil {
		t.Fatal(err)
	}
	// Other tests' bans may show up on a shared store: compare ours.
	ours := func(bs []bans.Ban) []bans.Ban {
		return slices.DeleteFunc(bs, func(x bans.Ban) bool { return mine([]bans.Ban{x}, permanent, expiring, expired, lifted) == nil })
	}
	want, got = ours(want), ours(got)
	slices.SortFunc(got, func(x, y bans.Ban) int { return strings.Compare(string(y.ID), string(x.ID)) })
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("LoadActiveBans (-active listing +loaded):\n%s", d)
	}
	if len(got) != 2 {
		t.Errorf("LoadActiveBans handed over %d of this test's bans, want the 2 active ones", len(got))
	}
	stop := errors.New("stop")
	calls := 0
	err := bl.LoadActiveBans(ctx, now, func(bans.Ban) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("LoadActiveBans after the callback failed: %v, %d calls; want its error after one", err, calls)
	}
}
