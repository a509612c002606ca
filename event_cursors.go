package playerbase

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/textin"
	"github.com/playerbase/playerbase/storage"
)

// MaxEventCursorName bounds a named cursor's name, so a name built from
// host configuration ("webhook:" and an endpoint's name) fits every
// backend's key.
const MaxEventCursorName = 200

// EventCursor returns the position a named follower of the feed saved with
// EventCursorSet, 0 if it never saved one: a follower that restarts reads
// from where it stopped (the webhook relay saves one per endpoint,
// "webhook:<endpoint>").
func (c *Client) EventCursor(ctx context.Context, name string) (at events.Seq, err error) {
	if err := checkCursorName(name); err != nil {
		return 0, err
	}
	err = c.view(ctx, func(tx storage.Tx) error {
		at, err = tx.Events().Cursor(ctx, name)
		return err
	})
	return at, err
}

// EventCursorSet saves a named follower's position: the Seq of the last
// event it has dealt with. It overwrites, backwards too, since a follower
// may choose to read again.
func (c *Client) EventCursorSet(ctx context.Context, name string, at events.Seq) error {
	if err := checkCursorName(name); err != nil {
		return err
	}
	if at < 0 {
		return errs.Invalid("cursor", strconv.FormatInt(int64(at), 10), "a cursor is ≥ 0")
	}
	return c.update(ctx, func(tx storage.Tx) error {
		return tx.Events().SetCursor(ctx, name, at)
	})
}

func checkCursorName(name string) error {
	if name == "" {
		return errs.Invalid("cursor_name", name, "required")
	}
	if err := textin.CheckLine("cursor_name", name); err != nil {
		return err
	}
	if utf8.RuneCountInString(name) > MaxEventCursorName {
		return errs.Invalid("cursor_name", name, fmt.Sprintf("at most %d characters", MaxEventCursorName))
	}
	return nil
}
