package storagetest

import (
	"context"
	"strconv"
	"sync"
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

	t.Run("ExactRoundTrip", func(t *testing.T) { testMetadataRoundTrip(t, newBackend) })
	t.Run("ReadModifyWrite", func(t *testing.T) { testMetadataReadModifyWrite(t, newBackend) })
}

// The form's version is computed from what the backend returns, so the
// backend must return every byte it was given: escapes, non-ASCII text and
// JSON look-alikes included.
func testMetadataRoundTrip(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
	want := metadata.Metadata{
		"quote \"": "back\\slash", "über": "Ｇａｒｒｙ 🎮", "json": `{"a":[1,2]}`, "spaces ": " x ",
		"ünicode": "e\u0301 vs é", "tab": "a\tb\nc",
	}
	update(t, b, func(tx storage.Tx) error { return tx.Metadata().PutMetadata(ctx, c.ID, want) })
	var got metadata.Metadata
	view(t, b, func(tx storage.Tx) (err error) {
		got, err = tx.Metadata().GetMetadata(ctx, c.ID)
		return err
	})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("GetMetadata (-put +got):\n%s", d)
	}
	if got.Version() != want.Version() {
		t.Errorf("version of the stored metadata %s, of what was put %s", got.Version(), want.Version())
	}
}

// A read, a check and a write of one customer's metadata in one Update do
// not interleave with another Update's: the metadata form's staleness check
// relies on it. Concurrent increments of one counter lose none.
func testMetadataReadModifyWrite(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
	const writers = 8
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			err := b.Update(ctx, func(tx storage.Tx) error {
				m, err := tx.Metadata().GetMetadata(ctx, c.ID)
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(m["n"])
				return tx.Metadata().PutMetadata(ctx, c.ID, metadata.Metadata{"n": strconv.Itoa(n + 1)})
			})
			if err != nil {
				t.Errorf("Update: %v", err)
			}
		})
	}
	wg.Wait()
	var m metadata.Metadata
	view(t, b, func(tx storage.Tx) (err error) {
		m, err = tx.Metadata().GetMetadata(ctx, c.ID)
		return err
	})
	if m["n"] != strconv.Itoa(writers) {
		t.Errorf("after %d concurrent increments the counter is %q", writers, m["n"])
	}
}
