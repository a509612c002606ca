package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/internal/fold"
	"github.com/playerbase/playerbase/storage"
)

// RefoldHarness is what RunRefold needs of a backend that stores folded
// keys (names, emails) and records which folding wrote them.
type RefoldHarness struct {
	Backend storage.Backend
	// Forget makes the stored keys look as an older build left them:
	// folded by no recorded version.
	Forget func(t *testing.T)
	// Migrate is the backend's Migrate; Refold, if set, the call a host
	// with its own migration tool makes instead.
	Migrate, Refold func(ctx context.Context) error
	// FoldVersion reads the folding version recorded; SetFoldVersion
	// overwrites it ("" is none).
	FoldVersion    func(t *testing.T) string
	SetFoldVersion func(t *testing.T, v string)
}

// RunRefold checks that keys folded by an older build (here: only
// lower-cased, as the first builds stored them) are folded anew by Migrate
// (and Refold), so old bans catch look-alikes and known emails dedupe, and
// that a build meeting keys folded by a newer one leaves them alone.
func RunRefold(t *testing.T, h RefoldHarness) {
	ctx := context.Background()
	b := h.Backend
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
		update(t, b, func(tx storage.Tx) error {
			for _, x := range bs {
				if err := tx.Bans().Create(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
	}
	write(garry, lifted, filler, jose)
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, cust) })
	h.Forget(t)
	for range 2 { // the second run finds nothing to do
		if err := h.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}

	for _, c := range []struct {
		ban  bans.Ban
		want []bans.Identity
	}{
		{garry, []bans.Identity{bans.MustIdentity(bans.Name, "Garry"), steam}},
		{lifted, []bans.Identity{bans.MustIdentity(bans.Email, "bob@example.com")}},
		{filler, []bans.Identity{id(bans.Name, "\u3164")}}, // folds to nothing: kept, matching nothing new
		{jose, []bans.Identity{bans.MustIdentity(bans.Name, "José"), bans.MustIdentity(bans.Name, "σοφος")}},
	} {
		if d := cmp.Diff(c.want, getBan(t, b, c.ban.ID).Identities); d != "" {
			t.Errorf("ban %s identities (-want +got):\n%s", c.ban.ID, d)
		}
	}
	banned := func(raw ...bans.Identity) []bans.ID {
		t.Helper()
		ids, err := bans.ParseIdentities(raw)
		if err != nil {
			t.Fatal(err)
		}
		var found []bans.Ban
		view(t, b, func(tx storage.Tx) error {
			candidates, err := tx.Bans().Matching(ctx, ids)
			found = bans.ActiveMatching(candidates, ids, at)
			return err
		})
		return bans.IDs(found)
	}
	if got := banned(id(bans.Name, "Ｇａｒｒｙ\u3164")); !cmp.Equal(got, []bans.ID{garry.ID}) {
		t.Errorf("banned by fullwidth Garry = %v, want %v", got, garry.ID)
	}
	if got := banned(id(bans.Name, "JOSÉ"), id(bans.Name, "ΣΟΦΟΣ")); !cmp.Equal(got, []bans.ID{jose.ID}) {
		t.Errorf("banned by JOSÉ, ΣΟΦΟΣ = %v, want %v", got, jose.ID)
	}
	if got := banned(id(bans.Email, "ＢＯＢ@example.com")); len(got) != 0 {
		t.Errorf("banned by a lifted ban's email = %v, want none", got)
	}
	bob := bans.MustIdentity(bans.Email, "ＢＯＢ@example.com")
	view(t, b, func(tx storage.Tx) error {
		page, err := tx.Bans().List(ctx, bans.ListParams{Type: bob.Type, Value: bob.Value, Now: at})
		if err != nil || len(page) != 1 || page[0].ID != lifted.ID {
			t.Errorf("bans listed by the lifted ban's email = %v, %v; want %v", page, err, lifted.ID)
		}
		got, err := tx.Customers().Get(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"bob@example.com", "alice@example.com"}, got.KnownEmails); d != "" {
			t.Errorf("known emails (-want +got):\n%s", d)
		}
		if got.Version != cust.Version {
			t.Errorf("refolding moved the customer's version from %d to %d", cust.Version, got.Version)
		}
		return nil
	})
	if v := h.FoldVersion(t); v != fold.Version {
		t.Errorf("recorded folding %q, want %q", v, fold.Version)
	}

	if h.Refold != nil {
		again := ban(id(bans.Name, "ｇａｒｒｙ２"))
		write(again)
		h.SetFoldVersion(t, "")
		if err := h.Refold(ctx); err != nil {
			t.Fatal(err)
		}
		if got := banned(id(bans.Name, "Garry2")); !cmp.Equal(got, []bans.ID{again.ID}) {
			t.Errorf("after Refold, banned by Garry2 = %v, want %v", got, again.ID)
		}
	}

	// Keys from a newer build are not folded back.
	newer := ban(id(bans.Name, "ｇａｒｒｙ３"))
	write(newer)
	h.SetFoldVersion(t, "99")
	if err := h.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := getBan(t, b, newer.ID); got.Identities[0].Value != "ｇａｒｒｙ３" {
		t.Errorf("a newer build's keys changed: %v", got.Identities)
	}
	if v := h.FoldVersion(t); v != "99" {
		t.Errorf("recorded folding %q, want the newer build's", v)
	}
}

func getBan(t *testing.T, b storage.Backend, id bans.ID) (got bans.Ban) {
	t.Helper()
	view(t, b, func(tx storage.Tx) (err error) {
		got, err = tx.Bans().Get(context.Background(), id)
		return err
	})
	return got
}
