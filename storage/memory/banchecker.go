package memory

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
)

var _ storage.BanChecker = (*Backend)(nil)

// CheckBans answers a game server's join without the backend's lock, so a
// large write (an order of many units) does not hold it up: it takes only
// the bans' own lock, which a transaction holds from its first write to a
// ban until it commits or rolls back. A check sees a ban change whole or
// not at all.
func (b *Backend) CheckBans(ctx context.Context, ids []bans.Identity, now time.Time) ([]bans.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	b.bansMu.RLock()
	defer b.bansMu.RUnlock()
	t := &tx{db: &b.db}
	defer t.close()
	found, err := bansTx{t}.Matching(ctx, ids)
	if err != nil {
		return nil, err
	}
	found = bans.ActiveMatching(found, ids, now)
	if len(found) == 0 {
		return nil, nil
	}
	return bans.IDs(found), nil
}

// write guards a write to the bans: the transaction holds the bans' lock
// from then on, so CheckBans never reads a change that may yet roll back.
// Transactions that only read bans need not take it: they hold the
// backend's lock, which every writer holds too.
func (t bansTx) write(ctx context.Context) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if !t.bansLocked {
		t.bansMu.Lock()
		t.bansLocked = true
	}
	return nil
}
