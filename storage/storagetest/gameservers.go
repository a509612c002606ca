package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
	"github.com/playerbase/playerbase/storage"
)

// testGameServers checks gameserver.Store: a round trip of every field
// (a link and a revoked token included), unique names, versioned updates,
// listing by name, and a failed Update that leaves the record as it was.
func testGameServers(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	name := "eu-" + string(gameserver.NewID(now))[4:] // unique per run, for backends shared between tests
	s, secret, err := gameserver.New(name, now)
	if err != nil {
		t.Fatal(err)
	}
	update(t, b, func(tx storage.Tx) error { return tx.GameServers().Create(ctx, s) })
	get := func(id gameserver.ID) (got gameserver.Server) {
		t.Helper()
		view(t, b, func(tx storage.Tx) error {
			got, err = tx.GameServers().Get(ctx, id)
			return err
		})
		return got
	}
	if d := cmp.Diff(s, get(s.ID), cmpOpts...); d != "" {
		t.Errorf("Get after Create (-want +got):\n%s", d)
	}
	if err := get(s.ID).Authenticate(secret); err != nil {
		t.Errorf("stored hash refuses the secret: %v", err)
	}

	twin, _, _ := gameserver.New(name, now)
	err = b.Update(ctx, func(tx storage.Tx) error { return tx.GameServers().Create(ctx, twin) })
	if !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Create with a taken name = %v, want ErrConflict", err)
	}

	// A link and a revoked token survive the round trip.
	linked, _ := s.Link(gameserver.LinkParams{IP: "203.0.113.7", Hostname: "My Server", Platform: "Minecraft", Version: "1.2.3"}, now.Add(time.Minute))
	revoked, _ := linked.RevokeToken(now.Add(2 * time.Minute))
	update(t, b, func(tx storage.Tx) error { return tx.GameServers().Update(ctx, revoked) })
	revoked.Version++
	if d := cmp.Diff(revoked, get(s.ID), cmpOpts...); d != "" {
		t.Errorf("Get after Update (-want +got):\n%s", d)
	}

	// A stale version changes nothing.
	disabled, _ := s.SetEnabled(false, now.Add(3*time.Minute))
	err = b.Update(ctx, func(tx storage.Tx) error { return tx.GameServers().Update(ctx, disabled) })
	if !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Update with a stale version = %v, want ErrConflict", err)
	}
	if got := get(s.ID); !got.Enabled || got.Version != revoked.Version {
		t.Errorf("a refused Update changed the server: %+v", got)
	}

	// Renaming onto a taken name is a conflict too.
	other, _, _ := gameserver.New("aa-"+string(gameserver.NewID(now))[4:], now)
	update(t, b, func(tx storage.Tx) error { return tx.GameServers().Create(ctx, other) })
	clash := other.Clone()
	clash.Name = name
	err = b.Update(ctx, func(tx storage.Tx) error { return tx.GameServers().Update(ctx, clash) })
	if !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Update onto a taken name = %v, want ErrConflict", err)
	}

	view(t, b, func(tx storage.Tx) error {
		list, err := tx.GameServers().List(ctx)
		if err != nil {
			return err
		}
		var mine []string
		for _, g := range list {
			if g.ID == s.ID || g.ID == other.ID {
				mine = append(mine, g.Name)
			}
		}
		if d := cmp.Diff([]string{other.Name, name}, mine); d != "" {
			t.Errorf("List by name (-want +got):\n%s", d)
		}
		if _, err := tx.GameServers().Get(ctx, gameserver.NewID(now)); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Get unknown = %v, want ErrNotFound", err)
		}
		return nil
	})
	err = b.Update(ctx, func(tx storage.Tx) error {
		ghost, _, _ := gameserver.New("ghost", now)
		return tx.GameServers().Update(ctx, ghost)
	})
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Update unknown = %v, want ErrNotFound", err)
	}
}
