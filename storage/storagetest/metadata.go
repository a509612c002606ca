package storagetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage"
)

func testMetadata(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
	get := func() metadata.Metadata {
		var m metadata.Metadata
		view(t, b, func(tx storage.Tx) (err error) {
			m, err = tx.Metadata().GetMetadata(ctx, c.ID)
			return err
		})
		return m
	}
	if m := get(); len(m) != 0 {
		t.Fatalf("new customer has metadata %v", m)
	}
	want := metadata.Metadata{"discord": "player#1", "note": "VIP since 2024"}
	update(t, b, func(tx storage.Tx) error { return tx.Metadata().PutMetadata(ctx, c.ID, want) })
	want["note"] = "changed by the caller after Put"
	if d := cmp.Diff(metadata.Metadata{"discord": "player#1", "note": "VIP since 2024"}, get()); d != "" {
		t.Errorf("GetMetadata (-want +got):\n%s", d)
	}
	update(t, b, func(tx storage.Tx) error { return tx.Metadata().PutMetadata(ctx, c.ID, metadata.Metadata{}) })
	if m := get(); len(m) != 0 {
		t.Errorf("after Put of empty metadata: %v", m)
	}
}
