package playerbase_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// TestEventCursor: a named cursor reads 0 until saved, then what was saved
// last, per name; bad names and negative cursors are refused and save
// nothing.
func TestEventCursor(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb := playerbase.New(b, nil)
		read := func(name string) int64 {
			t.Helper()
			at, err := pb.EventCursor(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return int64(at)
		}
		if got := read("webhook:discord"); got != 0 {
			t.Errorf("a cursor never saved = %d, want 0", got)
		}
		for _, at := range []int64{7, 12, 3} {
			if err := pb.EventCursorSet(ctx, "webhook:discord", events.Seq(at)); err != nil {
				t.Fatal(err)
			}
		}
		if err := pb.EventCursorSet(ctx, "webhook:alerts", 5); err != nil {
			t.Fatal(err)
		}
		if got := read("webhook:discord"); got != 3 {
			t.Errorf("cursor after 7, 12, 3 = %d, want 3", got)
		}
		if got := read("webhook:alerts"); got != 5 {
			t.Errorf("another name's cursor = %d, want 5", got)
		}
		for _, name := range []string{"", "two\nlines", strings.Repeat("n", playerbase.MaxEventCursorName+1)} {
			if err := pb.EventCursorSet(ctx, name, 1); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("EventCursorSet(%q) = %v, want ErrInvalid", name, err)
			}
			if _, err := pb.EventCursor(ctx, name); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("EventCursor(%q) = %v, want ErrInvalid", name, err)
			}
		}
		if err := pb.EventCursorSet(ctx, "webhook:discord", -1); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("EventCursorSet(-1) = %v, want ErrInvalid", err)
		}
		if got := read("webhook:discord"); got != 3 {
			t.Errorf("cursor after refused changes = %d, want 3", got)
		}
	})
}
