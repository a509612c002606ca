package playerbase_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/eventdiff"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// A pointer to the zero time is left out as nil is (omitzero asks the
// time), so the two versions do not differ.
func TestEventDiffZeroTime(t *testing.T) {
	var zero time.Time
	for _, pair := range [][2]customer.Token{{{}, {ExpiresAt: &zero}}, {{ExpiresAt: &zero}, {RevokedAt: &zero}}} {
		got, err := playerbase.Diff(pair[0], pair[1])
		if err != nil || len(got) != 0 {
			t.Errorf("Diff(%+v, %+v) = %v, %v; want no change", pair[0], pair[1], got, err)
		}
	}
}

// The field-by-field diff the workflows record with gives, for every
// record type, the changes events.Diff gives from the two whole
// encodings: two versions drawn apart, one with a few fields redrawn, a
// record created, a record removed.
func TestEventDiffIsJSONDiff(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[customer.Customer](), reflect.TypeFor[customer.Token](), reflect.TypeFor[orders.Order](),
		reflect.TypeFor[subscriptions.Subscription](), reflect.TypeFor[inventory.Product](), reflect.TypeFor[inventory.Item](),
		reflect.TypeFor[inventory.Command](), reflect.TypeFor[bans.Ban](),
	} {
		t.Run(typ.Name(), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				before := fillValue(rt, typ, "before")
				after := reflect.New(typ).Elem()
				after.Set(before)
				if rapid.Bool().Draw(rt, "all new") {
					after = fillValue(rt, typ, "after")
				} else {
					for i := range typ.NumField() {
						if typ.Field(i).Tag.Get("json") != "-" && rapid.Bool().Draw(rt, "redraw "+typ.Field(i).Name) {
							after.Field(i).Set(fillValue(rt, typ.Field(i).Type, "after."+typ.Field(i).Name))
						}
					}
				}
				got, err := playerbase.Diff(before.Interface(), after.Interface())
				if err != nil {
					rt.Fatal(err)
				}
				want, err := events.Diff(before.Interface(), after.Interface())
				if err != nil {
					rt.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					rt.Fatalf("(-events.Diff +diff):\n%s", diff)
				}
				for _, pair := range [][2]any{{nil, after.Interface()}, {before.Interface(), nil}} {
					got, err := playerbase.Diff(pair[0], pair[1])
					if err != nil {
						rt.Fatal(err)
					}
					want, err := events.Diff(pair[0], pair[1])
					if err != nil {
						rt.Fatal(err)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						rt.Fatalf("created or removed (-events.Diff +diff):\n%s", diff)
					}
				}
				// A change a store keeps packed writes, when read, the
				// changes it would have written at once; it is kept as
				// changed exactly when there are changes.
				for _, pair := range [][2]any{{nil, after.Interface()}, {before.Interface(), after.Interface()}} {
					packed, changed, ok := eventdiff.Pack(nil, pair[0], pair[1])
					if !ok {
						continue
					}
					want, _ := events.Diff(pair[0], pair[1])
					if changed != (len(want) > 0) {
						rt.Fatalf("Pack says changed %v; events.Diff gives %v", changed, want)
					}
					b, a, err := eventdiff.Unpack(packed)
					if err != nil {
						rt.Fatal(err)
					}
					got, err := playerbase.Diff(b, a)
					if err != nil {
						rt.Fatal(err)
					}
					if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
						rt.Fatalf("packed and unpacked (-events.Diff +diff):\n%s", diff)
					}
				}
			})
		})
	}
}
