package eventdiff_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
)

// The records a purchase creates by the dozen, an item and a command, are
// kept packed; a record with a list (an order's lines) is not, nor one
// with a time whose JSON is refused, whose error must come at once.
func TestPackKeeps(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 2, 3, 456, time.FixedZone("x", 3600))
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	for _, tc := range []struct {
		rec  any
		want bool
	}{
		{inventory.Item{ID: "itm_1", Customer: "cus_1", GrantedAt: now, ExpiresAt: &later, State: "active", Version: 1}, true},
		{inventory.Command{ID: "cmd_1", Command: "give \"x\" <y> é", OnlineOnly: true, Attempts: 3, CreatedAt: now}, true},
		{inventory.Item{ID: "itm_2", GrantedAt: now, ExpiresAt: &far}, false},
		{orders.Order{ID: "ord_1"}, false},
		{"not a record", false},
	} {
		packed, ok := eventdiff.Pack([]byte("head"), tc.rec)
		if ok != tc.want {
			t.Errorf("Pack(%T %+v) = %v, want %v", tc.rec, tc.rec, ok, tc.want)
			continue
		}
		if !ok {
			if string(packed) != "head" {
				t.Errorf("a refused Pack appended %q", packed[4:])
			}
			continue
		}
		rec, err := eventdiff.Unpack(packed[4:])
		if err != nil {
			t.Fatal(err)
		}
		got, err := eventdiff.Diff(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		want, err := eventdiff.Diff(nil, tc.rec)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%T unpacked (-want +got):\n%s", tc.rec, d)
		}
	}
}

// Unpack reads bytes only a store wrote, but a corrupt or cut record is an
// error, never a panic or a record made up.
func FuzzUnpack(f *testing.F) {
	cmd, _ := eventdiff.Pack(nil, inventory.Command{ID: "cmd_1", Command: "say hi", CreatedAt: time.Unix(1, 2)})
	f.Add(cmd)
	f.Add(cmd[:len(cmd)-1])
	f.Add([]byte{})
	f.Add([]byte{200})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := eventdiff.Unpack(b)
		if err != nil {
			return
		}
		again, ok := eventdiff.Pack(nil, rec)
		if !ok {
			return // a time out of range, read back from bytes Pack would refuse
		}
		if _, err := eventdiff.Unpack(again); err != nil {
			t.Fatalf("Unpack(Pack(%+v)): %v", rec, err)
		}
	})
}
