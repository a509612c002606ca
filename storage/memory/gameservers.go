package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/gameserver"
)

type gameserversState struct {
	byID   map[gameserver.ID]gameserver.Server
	byName map[string]gameserver.ID
}

func (s *gameserversState) init() {
	s.byID = map[gameserver.ID]gameserver.Server{}
	s.byName = map[string]gameserver.ID{}
}

type gameserversTx struct{ *tx }

func (t gameserversTx) state() *gameserversState { return &t.db.gameservers }

func (t gameserversTx) Create(ctx context.Context, s gameserver.Server) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	st := t.state()
	if _, ok := st.byID[s.ID]; ok {
		return errs.Conflict("gameserver", string(s.ID), "ID already exists")
	}
	if _, ok := st.byName[s.Name]; ok {
		return errs.Conflict("gameserver", s.Name, "name already belongs to a game server")
	}
	put(t.tx, st.byID, s.ID, s.Clone())
	put(t.tx, st.byName, s.Name, s.ID)
	return nil
}

func (t gameserversTx) Get(ctx context.Context, id gameserver.ID) (gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return gameserver.Server{}, err
	}
	s, ok := t.state().byID[id]
	if !ok {
		return gameserver.Server{}, errs.NotFound("gameserver", string(id))
	}
	return s.Clone(), nil
}

func (t gameserversTx) List(ctx context.Context) ([]gameserver.Server, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out := make([]gameserver.Server, 0, len(t.state().byID))
	for _, s := range t.state().byID {
		out = append(out, s.Clone())
	}
	slices.SortFunc(out, func(a, b gameserver.Server) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (t gameserversTx) Update(ctx context.Context, s gameserver.Server) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	st := t.state()
	old, ok := st.byID[s.ID]
	if !ok {
		return errs.NotFound("gameserver", string(s.ID))
	}
	if old.Version != s.Version {
		return errs.Conflict("gameserver", string(s.ID), fmt.Sprintf("version %d is stale: stored version is %d", s.Version, old.Version))
	}
	if s.Name != old.Name {
		if other, ok := st.byName[s.Name]; ok && other != s.ID {
			return errs.Conflict("gameserver", s.Name, "name already belongs to a game server")
		}
		del(t.tx, st.byName, old.Name)
		put(t.tx, st.byName, s.Name, s.ID)
	}
	s = s.Clone()
	s.Version++
	put(t.tx, st.byID, s.ID, s)
	return nil
}
