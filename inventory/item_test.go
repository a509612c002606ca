package inventory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/period"
)

const cust = customer.ID("cus_01JD3Z0000000000000000000A")

func tp(t time.Time) *time.Time { return &t }

func mustProduct(t testing.TB, p inventory.Product) inventory.Product {
	t.Helper()
	p, err := inventory.CheckProduct(p)
	if err != nil {
		t.Fatal(err)
	}
	p.ID = inventory.NewProductID(testNow)
	return p
}

func vip(t testing.TB, stacking inventory.Stacking) inventory.Product {
	return mustProduct(t, inventory.Product{
		Name: "VIP", Duration: period.For(30, period.Day), Stacking: stacking,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
		},
	})
}

func manual() inventory.Source {
	return inventory.Source{Kind: inventory.FromManual, Actor: "admin:alice"}
}

func TestCheckProduct(t *testing.T) {
	p, err := inventory.CheckProduct(inventory.Product{
		Name: "  Kit  ",
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: " survival ", Template: " give {name} diamond 1 "},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Product{
		Name: "Kit", OnExpiry: inventory.ExpiryNone, Stacking: inventory.StackExtend,
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "survival", Template: "give {name} diamond 1"}},
	}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("CheckProduct defaults (-want +got):\n%s", d)
	}
	if vip(t, "").OnExpiry != inventory.ExpiryCommands {
		t.Errorf("a product with on_expire commands did not get the commands on-expiry action")
	}

	expire := inventory.CommandTemplate{Stage: inventory.OnExpire, Server: "s", Template: "say bye"}
	for _, tc := range []struct {
		name  string
		p     inventory.Product
		field string
	}{
		{"no name", inventory.Product{}, "name"},
		{"zero duration", inventory.Product{Name: "x", Duration: period.For(0, period.Day)}, "duration.count"},
		{"bad unit", inventory.Product{Name: "x", Duration: period.For(1, "fortnight")}, "duration.unit"},
		{"bad stage", inventory.Product{Name: "x", Commands: []inventory.CommandTemplate{{Stage: "on_join", Server: "s", Template: "say"}}}, "commands[0].stage"},
		{"no server", inventory.Product{Name: "x", Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Template: "say"}}}, "commands[0].server"},
		{"action without commands", inventory.Product{Name: "x", OnExpiry: inventory.ExpiryCommands}, "on_expiry"},
		{"commands without action", inventory.Product{Name: "x", OnExpiry: inventory.ExpiryNone, Commands: []inventory.CommandTemplate{expire}}, "on_expiry"},
		{"bad stacking", inventory.Product{Name: "x", Stacking: "merge"}, "stacking"},
	} {
		_, err := inventory.CheckProduct(tc.p)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: CheckProduct = %v, want an invalid %s", tc.name, err, tc.field)
		}
	}

	// An unknown variable is refused when the product is saved.
	_, err = inventory.CheckProduct(inventory.Product{Name: "x", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnPurchase, Server: "s", Template: "say {name}"},
		{Stage: inventory.OnRefund, Server: "s", Template: "ban {player}"},
	}})
	var uv *inventory.UnknownVariableError
	if !errors.As(err, &uv) || uv.Field != "commands[1].template" || uv.Variable != "player" {
		t.Errorf("CheckProduct with {player} = %v, want *UnknownVariableError in commands[1].template", err)
	}
}

func TestPeriodAddTo(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }
	for _, tc := range []struct {
		p    period.Period
		from time.Time
		want time.Time
	}{
		{period.Period{Count: 30, Unit: period.Day}, at(2026, 1, 15), at(2026, 2, 14)},
		{period.Period{Count: 2, Unit: period.Week}, at(2026, 12, 25), at(2027, 1, 8)},
		{period.Period{Count: 36, Unit: period.Hour}, at(2026, 3, 1), at(2026, 3, 2).Add(12 * time.Hour)},
		{period.Period{Count: 1, Unit: period.Month}, at(2027, 1, 31), at(2027, 2, 28)},
		{period.Period{Count: 1, Unit: period.Month}, at(2028, 1, 31), at(2028, 2, 29)},
		{period.Period{Count: 13, Unit: period.Month}, at(2026, 11, 30), at(2027, 12, 30)},
		{period.Period{Count: 1, Unit: period.Year}, at(2028, 2, 29), at(2029, 2, 28)},
	} {
		if got := tc.p.AddTo(tc.from); !got.Equal(tc.want) {
			t.Errorf("%v after %v = %v, want %v", tc.p, tc.from, got, tc.want)
		}
	}
}

func TestStateAtExpiryInstant(t *testing.T) {
	exp := testNow.Add(time.Hour)
	it := inventory.Item{State: inventory.Active, ExpiresAt: &exp}
	for _, tc := range []struct {
		at   time.Time
		want inventory.State
	}{
		{exp.Add(-time.Microsecond), inventory.Active},
		{exp, inventory.Expired}, // at the expiry instant the item is over
		{exp.Add(time.Microsecond), inventory.Expired},
	} {
		if got := it.StateAt(tc.at); got != tc.want {
			t.Errorf("StateAt(expiry%+v) = %s, want %s", tc.at.Sub(exp), got, tc.want)
		}
	}
	forever := inventory.Item{State: inventory.Active}
	if got := forever.StateAt(testNow.AddDate(100, 0, 0)); got != inventory.Active {
		t.Errorf("a permanent item reads %s in a century", got)
	}
	revoked := inventory.Item{State: inventory.Revoked, ExpiresAt: &exp}
	if got := revoked.StateAt(exp.Add(time.Hour)); got != inventory.Revoked {
		t.Errorf("a revoked item past its expiry reads %s, want revoked", got)
	}
}

func TestRevoke(t *testing.T) {
	withAction := vip(t, "")
	noAction := mustProduct(t, inventory.Product{Name: "Kit", Duration: period.For(30, period.Day)})
	permWithAction := mustProduct(t, inventory.Product{Name: "Rank", Commands: []inventory.CommandTemplate{
		{Stage: inventory.OnExpire, Server: "s", Template: "lp user {uuid} parent remove rank"},
	}})
	permNoAction := mustProduct(t, inventory.Product{Name: "Cosmetic"})
	item := func(p inventory.Product, state inventory.State, exp *time.Time) inventory.Item {
		return inventory.Item{ID: inventory.NewItemID(testNow), Customer: cust, ProductID: p.ID, State: state, ExpiresAt: exp}
	}
	later, earlier := tp(testNow.Add(time.Hour)), tp(testNow.Add(-time.Hour))
	for _, tc := range []struct {
		name     string
		it       inventory.Item
		p        inventory.Product
		why      inventory.RevokeRefusal // "" means it succeeds
		sentinel error
	}{
		{"active expiring, with action", item(withAction, inventory.Active, later), withAction, "", nil},
		{"active expiring, no action", item(noAction, inventory.Active, later), noAction, "", nil},
		{"permanent with action", item(permWithAction, inventory.Active, nil), permWithAction, "", nil},
		{"permanent without action", item(permNoAction, inventory.Active, nil), permNoAction, inventory.RefusedNoExpiryAction, errs.ErrForbidden},
		{"expired by time, before the sweep", item(withAction, inventory.Active, earlier), withAction, inventory.RefusedExpired, errs.ErrConflict},
		{"expired by time, exact instant", item(withAction, inventory.Active, tp(testNow)), withAction, inventory.RefusedExpired, errs.ErrConflict},
		{"recorded expired", item(withAction, inventory.Expired, earlier), withAction, inventory.RefusedExpired, errs.ErrConflict},
		{"already revoked", item(withAction, inventory.Revoked, later), withAction, inventory.RefusedRevoked, errs.ErrConflict},
	} {
		got, err := inventory.Revoke(tc.it, tc.p, " refund ", " admin:bob ", testNow)
		if tc.why == "" {
			if err != nil {
				t.Errorf("%s: Revoke = %v", tc.name, err)
				continue
			}
			want := tc.it
			want.State, want.RevokedAt, want.RevokeReason, want.RevokedBy = inventory.Revoked, tp(testNow), "refund", "admin:bob"
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: Revoke (-want +got):\n%s", tc.name, d)
			}
			continue
		}
		var re *inventory.RevokeError
		if !errors.As(err, &re) || re.Why != tc.why || re.Item != tc.it.ID || !errors.Is(err, tc.sentinel) {
			t.Errorf("%s: Revoke = %v, want *RevokeError %q matching %v", tc.name, err, tc.why, tc.sentinel)
		}
	}
	it := item(withAction, inventory.Active, later)
	if _, err := inventory.Revoke(it, withAction, "r", "  ", testNow); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Revoke without an actor = %v, want ErrInvalid", err)
	}
	if _, err := inventory.Revoke(it, noAction, "r", "a", testNow); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Revoke with another product = %v, want ErrInvalid", err)
	}
}

// Revoke never succeeds on an item that is not active at now, nor on a
// permanent item whose product has no on-expiry action; and it succeeds
// otherwise.
func TestRevokeProperty(t *testing.T) {
	withAction, noAction := vip(t, ""), mustProduct(t, inventory.Product{Name: "Kit"})
	rapid.Check(t, func(t *rapid.T) {
		p := noAction
		if rapid.Bool().Draw(t, "action") {
			p = withAction
		}
		it := inventory.Item{
			ID: inventory.NewItemID(testNow), Customer: cust, ProductID: p.ID,
			State: rapid.SampledFrom([]inventory.State{inventory.Active, inventory.Expired, inventory.Revoked}).Draw(t, "state"),
		}
		if rapid.Bool().Draw(t, "expires") {
			it.ExpiresAt = tp(testNow.Add(time.Duration(rapid.Int64Range(-1e6, 1e6).Draw(t, "expiry µs")) * time.Microsecond))
		}
		now := testNow.Add(time.Duration(rapid.Int64Range(-1e6, 1e6).Draw(t, "now µs")) * time.Microsecond)
		got, err := inventory.Revoke(it, p, "reason", "actor", now)
		allowed := it.StateAt(now) == inventory.Active && (it.ExpiresAt != nil || p.HasExpiryAction())
		switch {
		case allowed && err != nil:
			t.Fatalf("Revoke of an allowed item = %v", err)
		case !allowed && err == nil:
			t.Fatalf("Revoke succeeded on %+v (state at now %s, product action %v)", it, it.StateAt(now), p.HasExpiryAction())
		case err == nil && got.StateAt(now) != inventory.Revoked:
			t.Fatalf("revoked item reads %s", got.StateAt(now))
		}
		var re *inventory.RevokeError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("Revoke refused with %v, want a *RevokeError", err)
		}
		// The page's question gets Revoke's answer.
		if check := inventory.CheckRevocable(it, p, now); (check == nil) != (err == nil) || err != nil && check.Error() != err.Error() {
			t.Fatalf("CheckRevocable = %v, Revoke = %v", check, err)
		}
	})
}

func TestGrant(t *testing.T) {
	extend, add := vip(t, inventory.StackExtend), vip(t, inventory.StackAdd)
	perm := mustProduct(t, inventory.Product{Name: "Rank"})
	exp := testNow.Add(10 * 24 * time.Hour)
	held := func(p inventory.Product, exp *time.Time, src inventory.Source) inventory.Item {
		return inventory.Item{ID: inventory.NewItemID(testNow), Customer: cust, ProductID: p.ID, Source: src, State: inventory.Active, ExpiresAt: exp, Version: 3}
	}
	sub := func(id string) inventory.Source {
		return inventory.Source{Kind: inventory.FromSubscription, SubscriptionID: id}
	}
	subA, subB := "sub_01JD3Z0000000000000000000A", "sub_01JD3Z0000000000000000000B"
	order := inventory.Source{Kind: inventory.FromOrder, OrderID: "ord_01JD3Z0000000000000000000A"}

	t.Run("ExtendFromCurrentExpiry", func(t *testing.T) {
		old := held(extend, tp(exp), manual())
		oldest := held(extend, tp(exp.Add(-24*time.Hour)), manual())
		got, extended, err := inventory.Grant([]inventory.Item{oldest, old}, extend, cust, order, testNow)
		if err != nil || !extended {
			t.Fatalf("Grant = %v, extended %v; want an extension", err, extended)
		}
		want := old
		want.ExpiresAt = tp(exp.AddDate(0, 0, 30)) // from the latest expiry, not from now
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("extended item (-want +got):\n%s", d)
		}
	})
	t.Run("AddPolicy", func(t *testing.T) {
		got, extended, err := inventory.Grant([]inventory.Item{held(add, tp(exp), manual())}, add, cust, order, testNow)
		if err != nil || extended {
			t.Fatalf("Grant = %v, extended %v; want a new item", err, extended)
		}
		want := inventory.Item{ID: got.ID, Customer: cust, ProductID: add.ID, Source: order, GrantedAt: testNow, ExpiresAt: tp(testNow.AddDate(0, 0, 30)), State: inventory.Active}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("new item (-want +got):\n%s", d)
		}
	})
	t.Run("LapsedItemIsNotExtended", func(t *testing.T) {
		lapsed := held(extend, tp(testNow), manual()) // recorded active, over at now
		got, extended, _ := inventory.Grant([]inventory.Item{lapsed}, extend, cust, manual(), testNow)
		if extended || got.ID == lapsed.ID || !got.ExpiresAt.Equal(testNow.AddDate(0, 0, 30)) {
			t.Errorf("Grant over a lapsed item = %+v, extended %v; want a new 30-day item", got, extended)
		}
	})
	t.Run("PermanentAlwaysAdds", func(t *testing.T) {
		_, extended, _ := inventory.Grant([]inventory.Item{held(perm, nil, manual())}, perm, cust, manual(), testNow)
		if extended {
			t.Errorf("a permanent product extended an item")
		}
	})
	t.Run("SubscriptionRenewsItsOwnItem", func(t *testing.T) {
		mine, other := held(add, tp(exp), sub(subA)), held(add, tp(exp.Add(time.Hour)), sub(subB))
		got, extended, err := inventory.Grant([]inventory.Item{other, mine}, add, cust, sub(subA), testNow)
		if err != nil || !extended || got.ID != mine.ID || !got.ExpiresAt.Equal(exp.AddDate(0, 0, 30)) {
			t.Errorf("renewal = %+v, extended %v, %v; want %s extended by 30 days whatever the stacking", got, extended, err, mine.ID)
		}
		// A new subscription does not extend another subscription's item
		// even under StackExtend: it adds its own.
		got, extended, _ = inventory.Grant([]inventory.Item{held(extend, tp(exp), sub(subB))}, extend, cust, sub(subA), testNow)
		if extended || got.Source.SubscriptionID != subA {
			t.Errorf("first grant of subscription A = %+v, extended %v; want a new item", got, extended)
		}
	})
	t.Run("PurchaseKeepsOffSubscriptionItems", func(t *testing.T) {
		// A purchase under StackExtend extends the bought item, not the
		// subscription's one that expires later.
		subItem, bought := held(extend, tp(exp.Add(time.Hour)), sub(subA)), held(extend, tp(exp), manual())
		got, extended, err := inventory.Grant([]inventory.Item{subItem, bought}, extend, cust, order, testNow)
		if err != nil || !extended || got.ID != bought.ID {
			t.Errorf("purchase = %+v, extended %v, %v; want %s extended", got, extended, err, bought.ID)
		}
		got, extended, _ = inventory.Grant([]inventory.Item{subItem}, extend, cust, order, testNow)
		if extended || got.ID == subItem.ID || got.Source != order {
			t.Errorf("purchase beside a subscription item only = %+v, extended %v; want a new item", got, extended)
		}
	})
	t.Run("BadSource", func(t *testing.T) {
		for _, src := range []inventory.Source{
			{}, {Kind: inventory.FromManual}, {Kind: inventory.FromOrder, OrderID: "42"},
			{Kind: inventory.FromSubscription, SubscriptionID: subA, OrderID: order.OrderID},
		} {
			if _, _, err := inventory.Grant(nil, extend, cust, src, testNow); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Grant from %+v = %v, want ErrInvalid", src, err)
			}
		}
	})
}

func TestExpire(t *testing.T) {
	it := inventory.Item{ID: inventory.NewItemID(testNow), State: inventory.Active, ExpiresAt: tp(testNow)}
	got, err := inventory.Expire(it, testNow)
	if err != nil || got.State != inventory.Expired {
		t.Fatalf("Expire at the expiry instant = %+v, %v", got, err)
	}
	if _, err := inventory.Expire(got, testNow); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Expire twice = %v, want ErrConflict", err)
	}
	if _, err := inventory.Expire(it, testNow.Add(-time.Microsecond)); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Expire before the expiry = %v, want ErrConflict", err)
	}
}
