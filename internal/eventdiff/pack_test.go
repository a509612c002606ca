package eventdiff_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
)

// What a purchase writes by the dozen is kept packed: an item and a
// command created, an order completed, a command acknowledged. What Pack
// cannot keep is left to Diff: an order created (its lines and amounts),
// an order whose total changed, a time whose JSON is refused (its error
// must come at once), a record removed.
func TestPackKeeps(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 2, 3, 456, time.FixedZone("x", 3600))
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	lastInstant := time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC).In(time.FixedZone("+14", 14*3600)) // year 10000 there
	beforeYear0 := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)
	later := now.Add(time.Hour)
	unpaid := orders.Order{ID: "ord_1", Status: "pending", Total: money.MustParse("9.99", "EUR"), UpdatedAt: now, Version: 1}
	paid := unpaid
	paid.Status, paid.CompletedAt, paid.UpdatedAt, paid.Version = "completed", &later, later, 2
	paid.Granted = []inventory.ItemID{"itm_1", "itm_2"}
	repriced := paid
	repriced.Total = money.MustParse("19.99", "EUR")
	leased := inventory.Command{ID: "cmd_1", Command: "give \"x\" <y> é", Status: "leased", Attempts: 1, CreatedAt: now, LeaseExpiresAt: &later}
	done := leased
	done.Status, done.ExecutedAt, done.LeaseExpiresAt = "executed", &later, nil
	for _, tc := range []struct {
		name          string
		before, after any
		want          bool
	}{
		{"item created", nil, inventory.Item{ID: "itm_1", Customer: "cus_1", GrantedAt: now, ExpiresAt: &later, State: "active", Version: 1}, true},
		{"command created", nil, leased, true},
		{"order completed", unpaid, paid, true},
		{"command executed", leased, done, true},
		{"nothing changed", leased, leased, true},
		{"order created", nil, unpaid, false},
		{"order repriced", paid, repriced, false},
		{"year 10000", nil, inventory.Item{ID: "itm_2", GrantedAt: now, ExpiresAt: &far}, false},
		{"last instant of 9999", nil, inventory.Item{ID: "itm_3", GrantedAt: now, ExpiresAt: &lastInstant}, true},
		{"year -1", nil, inventory.Item{ID: "itm_4", GrantedAt: now, ExpiresAt: &beforeYear0}, false},
		{"removed", leased, nil, false},
		{"not a record", nil, "text", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := eventdiff.Diff(tc.before, tc.after)
			packed, changed, ok := eventdiff.Pack([]byte("head"), tc.before, tc.after)
			if ok != tc.want {
				t.Fatalf("Pack kept it: %v, want %v", ok, tc.want)
			}
			if !ok {
				if string(packed) != "head" {
					t.Errorf("a refused Pack appended %q", packed[4:])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if changed != (len(want) > 0) {
				t.Errorf("changed = %v, Diff gives %v", changed, want)
			}
			b, a, err := eventdiff.Unpack(packed[4:])
			if err != nil {
				t.Fatal(err)
			}
			got, err := eventdiff.Diff(b, a)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && len(got) == 0 {
				return
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("unpacked (-want +got):\n%s", d)
			}
		})
	}
}

// Unpack reads bytes only a store wrote, but a corrupt or cut record is an
// error, never a panic.
func FuzzUnpack(f *testing.F) {
	at := time.Unix(1, 2)
	cmd := inventory.Command{ID: "cmd_1", Command: "say hi", CreatedAt: at}
	created, _, _ := eventdiff.Pack(nil, nil, cmd)
	done := cmd
	done.Status, done.ExecutedAt = "executed", &at
	changed, _, _ := eventdiff.Pack(nil, cmd, done)
	f.Add(created)
	f.Add(created[:len(created)-1])
	f.Add(changed)
	f.Add(changed[:len(changed)-1])
	f.Add([]byte{})
	f.Add([]byte{200, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		before, after, err := eventdiff.Unpack(b)
		if err != nil {
			return
		}
		if after == nil {
			t.Fatalf("Unpack(%q) read no record and no error", b)
		}
		_, _ = eventdiff.Diff(before, after)
	})
}
