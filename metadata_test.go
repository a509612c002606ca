package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
)

func TestUpdateMetadata(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)

	if m, err := pb.MetadataGet(ctx, c.ID); err != nil || len(m) != 0 {
		t.Fatalf("Metadata of a new customer = %v, %v; want empty", m, err)
	}
	got, err := pb.MetadataUpdate(ctx, c.ID, []metadata.Field{{Key: "discord", Value: "garry#1"}, {Key: "vip", Value: "yes"}, {}})
	if err != nil {
		t.Fatal(err)
	}
	want := metadata.Metadata{"discord": "garry#1", "vip": "yes"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateMetadata (-want +got):\n%s", diff)
	}
	// The caller's copy is theirs: changing it changes nothing stored.
	got["vip"] = "tampered"
	stored, err := pb.MetadataGet(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored metadata (-want +got):\n%s", diff)
	}
	stored["vip"] = "tampered too"

	got, err = pb.MetadataUpdate(ctx, c.ID, []metadata.Field{{Key: "vip", Value: ""}, {Key: "tier", Value: "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	want = metadata.Metadata{"discord": "garry#1", "tier": "gold"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after removing vip (-want +got):\n%s", diff)
	}
	if stored, _ = pb.MetadataGet(ctx, c.ID); !cmp.Equal(want, stored) {
		t.Errorf("stored metadata = %v, want %v", stored, want)
	}
}

func TestUpdateMetadataRefusals(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	var fill []metadata.Field
	for i := range metadata.MaxKeys - 1 {
		fill = append(fill, metadata.Field{Key: fmt.Sprintf("key%02d", i), Value: "v"})
	}
	if _, err := pb.MetadataUpdate(ctx, c.ID, fill); err != nil {
		t.Fatal(err)
	}
	mustIssue(t, pb, c.ID, playerbase.TokenIssueParams{Label: "state to keep"})

	for name, fields := range map[string][]metadata.Field{
		"41-character key":     {{Key: strings.Repeat("k", 41), Value: "v"}},
		"501-character value":  {{Key: "key00", Value: strings.Repeat("v", 501)}},
		"51st key":             {{Key: "new1", Value: "v"}, {Key: "new2", Value: "v"}},
		"bracket in key":       {{Key: "key00", Value: "changed"}, {Key: "a[0]", Value: "v"}},
		"value without key":    {{Key: "", Value: "orphan"}},
		"non-printable key":    {{Key: "bell\a", Value: "v"}},
		"valid then too many":  {{Key: "key00", Value: ""}, {Key: "n1", Value: "v"}, {Key: "n2", Value: "v"}, {Key: "n3", Value: "v"}},
		"removal of a bad key": {{Key: "[k]", Value: ""}},
	} {
		t.Run(name, func(t *testing.T) {
			before := customerSnapshot(t, pb, c.ID)
			got, err := pb.MetadataUpdate(ctx, c.ID, fields)
			var inv *errs.InvalidError
			if !errors.As(err, &inv) || !errors.Is(err, playerbase.ErrInvalid) {
				t.Fatalf("UpdateMetadata = %v, want *errs.InvalidError", err)
			}
			if got != nil {
				t.Errorf("failed UpdateMetadata returned %v", got)
			}
			if diff := cmp.Diff(before, customerSnapshot(t, pb, c.ID), customerCmp); diff != "" {
				t.Errorf("stored state changed (-before +after):\n%s", diff)
			}
		})
	}

	stranger := customer.NewID(clockStart)
	if _, err := pb.MetadataUpdate(ctx, stranger, []metadata.Field{{Key: "a", Value: "b"}}); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("UpdateMetadata(unknown customer) = %v, want ErrNotFound", err)
	}
	if _, err := pb.MetadataGet(ctx, stranger); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("Metadata(unknown customer) = %v, want ErrNotFound", err)
	}
}
