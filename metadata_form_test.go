package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage"
)

// formOn returns a client over b and a customer whose metadata is
// {discord: abc, tier: gold}.
func formOn(t *testing.T, b storage.Backend) (*playerbase.Client, customer.ID) {
	t.Helper()
	pb := playerbase.New(b, nil)
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Fatal(err)
		}
	})
	c := mustIdentify(t, pb, steamGarry)
	if _, err := pb.MetadataUpdate(context.Background(), c.ID, []metadata.Field{{Key: "discord", Value: "abc"}, {Key: "tier", Value: "gold"}}); err != nil {
		t.Fatal(err)
	}
	return pb, c.ID
}

// The seed's metadata form: every row is submitted, a row cleared on both
// sides vanishes, and a form loaded before another change is refused.
func TestReplaceMetadataForm(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, id := formOn(t, b)
		d, err := pb.CustomerDetails(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// The page's form sends back the version it was shown with.
		loaded := d.MetadataVersion
		if loaded != d.Metadata.Version() {
			t.Fatalf("Details.MetadataVersion %q is not its metadata's version %q", loaded, d.Metadata.Version())
		}

		got, err := pb.MetadataReplace(ctx, id, []metadata.Field{{Key: "", Value: ""}, {Key: "tier", Value: "gold"}}, loaded)
		if err != nil {
			t.Fatal(err)
		}
		want := metadata.Metadata{"tier": "gold"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ReplaceMetadata (-want +got):\n%s", diff)
		}
		stored, err := pb.MetadataGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, stored); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}

		// The same form submitted again (a second tab, a double click) was
		// loaded before the change it made.
		before := customerSnapshot(t, pb, id)
		_, err = pb.MetadataReplace(ctx, id, []metadata.Field{{Key: "discord", Value: "abc"}, {Key: "tier", Value: "silver"}}, loaded)
		var conflict *errs.ConflictError
		if !errors.As(err, &conflict) || !errors.Is(err, playerbase.ErrConflict) {
			t.Fatalf("ReplaceMetadata of a stale form = %v, want *errs.ConflictError", err)
		}
		if diff := cmp.Diff(before, customerSnapshot(t, pb, id), customerCmp); diff != "" {
			t.Errorf("a stale form changed stored state (-before +after):\n%s", diff)
		}

		// A patch in between makes a form stale as well; reloading fixes it.
		loaded = stored.Version()
		if _, err := pb.MetadataUpdate(ctx, id, []metadata.Field{{Key: "note", Value: "refund pending"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := pb.MetadataReplace(ctx, id, nil, loaded); !errors.Is(err, playerbase.ErrConflict) {
			t.Fatalf("ReplaceMetadata after a patch = %v, want ErrConflict", err)
		}
		stored, _ = pb.MetadataGet(ctx, id)
		if got, err = pb.MetadataReplace(ctx, id, []metadata.Field{{Key: "note", Value: "refunded"}, {Key: "tier", Value: ""}}, stored.Version()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(metadata.Metadata{"note": "refunded"}, got); diff != "" {
			t.Errorf("after reload (-want +got):\n%s", diff)
		}
	})
}

func TestReplaceMetadataRefusals(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, id := formOn(t, b)
		loaded := metadata.Metadata{"discord": "abc", "tier": "gold"}.Version()
		for name, tc := range map[string]struct {
			rows   []metadata.Field
			loaded metadata.Version
			field  string
		}{
			"duplicate key":     {[]metadata.Field{{Key: "tier", Value: "gold"}, {Key: "tier", Value: "silver"}}, loaded, "metadata.rows[1].key"},
			"value without key": {[]metadata.Field{{Key: "", Value: "orphan"}}, loaded, "metadata.rows[0].key"},
			"no version":        {[]metadata.Field{{Key: "tier", Value: "gold"}}, "", "metadata.version"},
		} {
			t.Run(name, func(t *testing.T) {
				before := customerSnapshot(t, pb, id)
				got, err := pb.MetadataReplace(ctx, id, tc.rows, tc.loaded)
				var inv *errs.InvalidError
				if !errors.As(err, &inv) || inv.Field != tc.field {
					t.Fatalf("ReplaceMetadata = %v, want *errs.InvalidError for %s", err, tc.field)
				}
				if got != nil {
					t.Errorf("failed ReplaceMetadata returned %v", got)
				}
				if diff := cmp.Diff(before, customerSnapshot(t, pb, id), customerCmp); diff != "" {
					t.Errorf("stored state changed (-before +after):\n%s", diff)
				}
			})
		}
		stranger := customer.NewID(clockStart)
		if _, err := pb.MetadataReplace(ctx, stranger, nil, metadata.Metadata{}.Version()); !errors.Is(err, playerbase.ErrNotFound) {
			t.Errorf("ReplaceMetadata(unknown customer) = %v, want ErrNotFound", err)
		}
	})
}

// Staff in several tabs submit forms loaded at one version at once: one
// wins, the others are told their form is stale, and what is stored is the
// winner's form, on every backend.
func TestReplaceMetadataConcurrent(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		pb, id := formOn(t, b)
		loaded, err := pb.MetadataGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		const tabs = 6
		var wg sync.WaitGroup
		errc := make([]error, tabs)
		for i := range tabs {
			wg.Go(func() {
				_, errc[i] = pb.MetadataReplace(ctx, id, []metadata.Field{{Key: "tab", Value: fmt.Sprint(i)}}, loaded.Version())
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errc {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("tabs %d and %d both replaced the metadata loaded at one version", winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, playerbase.ErrConflict):
				t.Errorf("tab %d: %v, want ErrConflict", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no tab replaced the metadata")
		}
		stored, err := pb.MetadataGet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(metadata.Metadata{"tab": fmt.Sprint(winner)}, stored); diff != "" {
			t.Errorf("stored (-winner's form +got):\n%s", diff)
		}
	})
}
