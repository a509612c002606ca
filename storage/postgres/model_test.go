package postgres_test

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// valueOpts compare stored values across backends: decimals by value
// (numeric may hand back another scale), netip types with ==.
var valueOpts = []cmp.Option{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
	cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}),
	cmpopts.EquateEmpty(),
}

// kind is what a caller may branch on in an error.
func kind(err error) string {
	for _, k := range []struct {
		name string
		err  error
	}{{"not found", errs.ErrNotFound}, {"conflict", errs.ErrConflict}, {"invalid", errs.ErrInvalid}, {"forbidden", errs.ErrForbidden}} {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "ok"
}

// storeMachine applies the same store calls to PostgreSQL and to the memory
// backend (the model) and checks that both answer alike. Every iteration
// draws its platform IDs, payment references and identities with a fresh
// salt, so iterations can share one schema.
type storeMachine struct {
	ctx       context.Context
	pg, model storage.Backend
	pgb       *postgres.Backend
	salt      uint64
	now       time.Time
	customers []customer.ID
	orders    []orders.ID
	bans      []bans.ID
}

// both runs fn on both backends, checks they answer alike and reports
// whether the write was kept.
func (m *storeMachine) both(t *rapid.T, what string, fn func(tx storage.Tx) error) bool {
	t.Helper()
	want := kind(m.model.Update(m.ctx, fn))
	got := kind(m.pg.Update(m.ctx, fn))
	if got != want {
		t.Fatalf("%s: PostgreSQL says %s, the model %s", what, got, want)
	}
	return want == "ok"
}

func (m *storeMachine) tick() time.Time {
	m.now = m.now.Add(time.Minute)
	return m.now
}

func (m *storeMachine) platformID(t *rapid.T) customer.PlatformID {
	n := rapid.IntRange(1, 4).Draw(t, "platform id")
	return customer.MustPlatformID(customer.Steam, fmt.Sprintf("[U:1:%d]", m.salt%100_000_000*10+uint64(n)))
}

func (m *storeMachine) paymentRef(t *rapid.T) string {
	return fmt.Sprintf("pay_%d_%d", m.salt, rapid.IntRange(0, 3).Draw(t, "ref"))
}

func (m *storeMachine) identity(t *rapid.T) bans.Identity {
	n := rapid.IntRange(0, 3).Draw(t, "identity")
	switch rapid.IntRange(0, 3).Draw(t, "identity type") {
	case 0:
		return bans.MustIdentity(bans.Email, fmt.Sprintf("p%d.%d@example.com", m.salt, n))
	case 1:
		return bans.MustIdentity(bans.Name, fmt.Sprintf("n%d_%d", m.salt%1e9, n))
	case 2:
		// Addresses inside and outside the ranges below; shared across
		// iterations, which is fine: checks only look at this run's bans.
		return bans.IPIdentity(netip.AddrFrom4([4]byte{198, 51, byte(n), 7}))
	}
	return bans.MustIdentity(bans.IPRange, fmt.Sprintf("198.51.%d.0/24", n))
}

func (m *storeMachine) CreateCustomer(t *rapid.T) {
	now := m.tick()
	c := customer.Customer{ID: customer.NewID(now), Name: "Player", PlatformID: m.platformID(t), FirstSeen: now, Updated: now}
	if rapid.Bool().Draw(t, "with contact") {
		c.KnownIPs = []netip.Addr{netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("203.0.113.5")}
		c.KnownEmails = []string{"a@example.com"}
	}
	// Orders go to stored customers only: PostgreSQL enforces it.
	if m.both(t, "Customers.Create", func(tx storage.Tx) error { return tx.Customers().Create(m.ctx, c) }) {
		m.customers = append(m.customers, c.ID)
	}
}

func (m *storeMachine) EditCustomer(t *rapid.T) {
	if len(m.customers) == 0 {
		t.Skip("no customer")
	}
	id := rapid.SampledFrom(m.customers).Draw(t, "customer")
	var c customer.Customer
	if err := m.model.View(m.ctx, func(tx storage.Tx) (err error) { c, err = tx.Customers().Get(m.ctx, id); return err }); err != nil {
		t.Skip("customer not stored")
	}
	c.Version -= int64(rapid.IntRange(0, 1).Draw(t, "stale"))
	c.Name = rapid.SampledFrom([]string{"Renamed", "Other"}).Draw(t, "name")
	c.PlatformID = m.platformID(t)
	c.Updated = m.tick()
	m.both(t, "Customers.Update", func(tx storage.Tx) error { return tx.Customers().Update(m.ctx, c) })
}

// inMinor is v in currency cur rounded to its minor unit (0.125 is
// 0.13 EUR, 0 JPY), so one list of test values serves every currency as
// valid input.
func inMinor(v, cur string) money.Amount {
	c := money.MustCurrency(cur)
	return money.Amount{Value: decimal.RequireFromString(v).Round(c.MinorUnits()), Currency: c}
}

func (m *storeMachine) CreateOrder(t *rapid.T) {
	if len(m.customers) == 0 {
		t.Skip("no customer")
	}
	cur := rapid.SampledFrom([]string{"EUR", "JPY", "KWD"}).Draw(t, "currency")
	price := rapid.SampledFrom([]string{"4.99", "10", "0.125"}).Draw(t, "price")
	ref := ""
	if rapid.Bool().Draw(t, "ref at checkout") {
		ref = m.paymentRef(t)
	}
	o, err := orders.New(orders.Params{
		Customer: rapid.SampledFrom(m.customers).Draw(t, "customer"), PaymentRef: ref,
		Lines: []orders.Line{{ProductID: "vip", Quantity: rapid.IntRange(1, 3).Draw(t, "qty"), UnitPrice: inMinor(price, cur)}},
	}, m.tick())
	if err != nil {
		t.Skip(err)
	}
	if m.both(t, "Orders.Create", func(tx storage.Tx) error { return tx.Orders().Create(m.ctx, o) }) {
		m.orders = append(m.orders, o.ID)
	}
}

func (m *storeMachine) ChangeOrder(t *rapid.T) {
	if len(m.orders) == 0 {
		t.Skip("no order")
	}
	id := rapid.SampledFrom(m.orders).Draw(t, "order")
	var o orders.Order
	if err := m.model.View(m.ctx, func(tx storage.Tx) (err error) { o, err = tx.Orders().Get(m.ctx, id); return err }); err != nil {
		t.Skip("order not stored")
	}
	now := m.tick()
	cur := o.Currency().Code()
	var err error
	switch rapid.IntRange(0, 3).Draw(t, "event") {
	case 0:
		o, _, err = o.Complete(m.paymentRef(t), inMinor("0.30", cur), now)
	case 1:
		o, err = o.Refund(inMinor(rapid.SampledFrom([]string{"0.01", "1"}).Draw(t, "refund"), cur), now)
	case 2:
		o, _, err = o.Chargeback(money.MustParse("15", cur), now)
	default:
		o, err = o.Cancel(now)
	}
	if err != nil {
		t.Skip(err)
	}
	o.Version -= int64(rapid.IntRange(0, 1).Draw(t, "stale"))
	m.both(t, "Orders.Update", func(tx storage.Tx) error { return tx.Orders().Update(m.ctx, o) })
}

func (m *storeMachine) CreateBan(t *rapid.T) {
	now := m.tick()
	var expires *time.Time
	if rapid.Bool().Draw(t, "expires") {
		e := now.Add(time.Duration(rapid.IntRange(1, 5).Draw(t, "minutes")) * time.Minute)
		expires = &e
	}
	ids := []bans.Identity{m.identity(t)}
	if rapid.Bool().Draw(t, "two identities") {
		ids = append(ids, m.identity(t))
	}
	b, err := bans.New(bans.Draft{Reason: "test", ExpiresAt: expires, Identities: ids, Actor: "admin:test"}, now)
	if err != nil {
		t.Skip(err)
	}
	if m.both(t, "Bans.Create", func(tx storage.Tx) error { return tx.Bans().Create(m.ctx, b) }) {
		m.bans = append(m.bans, b.ID)
	}
}

func (m *storeMachine) ChangeBan(t *rapid.T) {
	if len(m.bans) == 0 {
		t.Skip("no ban")
	}
	id := rapid.SampledFrom(m.bans).Draw(t, "ban")
	var b bans.Ban
	if err := m.model.View(m.ctx, func(tx storage.Tx) (err error) { b, err = tx.Bans().Get(m.ctx, id); return err }); err != nil {
		t.Skip("ban not stored")
	}
	now := m.tick()
	var err error
	if rapid.Bool().Draw(t, "unban") {
		b, err = b.Unban("admin:test", now)
	} else {
		b, err = b.Apply(bans.Change{Add: []bans.Identity{m.identity(t)}, Remove: []bans.Identity{m.identity(t)}, Actor: "admin:test"}, now)
	}
	if err != nil {
		t.Skip(err)
	}
	m.both(t, "Bans.Update", func(tx storage.Tx) error { return tx.Bans().Update(m.ctx, b) })
}

// Check is rapid's after-every-step invariant; the comparison is the
// Compare action instead.
func (m *storeMachine) Check(*rapid.T) {}

// Compare compares everything this run stored, the lookups, the summaries
// and the ban checks. It is an action (and runs once more at the end)
// rather than rapid's after-every-step Check: it costs more round trips
// than the writes it checks.
func (m *storeMachine) Compare(t *rapid.T) {
	read := func(be storage.Backend) (out []any) {
		err := be.View(m.ctx, func(tx storage.Tx) error {
			for _, id := range m.customers {
				c, err := tx.Customers().Get(m.ctx, id)
				out = append(out, c, kind(err))
				c, err = tx.Customers().GetByPlatformID(m.ctx, c.PlatformID)
				out = append(out, c.ID, kind(err))
				list, err := tx.Orders().List(m.ctx, orders.ListParams{Customer: id})
				out = append(out, list, kind(err))
				paid, err := tx.Orders().List(m.ctx, orders.ListParams{Customer: id, Statuses: []orders.Status{orders.Completed, orders.Refunded}, Limit: 2})
				out = append(out, paid, kind(err))
				sum, err := tx.Orders().Summary(m.ctx, id)
				out = append(out, sum, kind(err))
			}
			for _, id := range m.orders {
				o, err := tx.Orders().Get(m.ctx, id)
				out = append(out, o, kind(err))
			}
			for i := range 4 {
				o, err := tx.Orders().GetByPaymentRef(m.ctx, fmt.Sprintf("pay_%d_%d", m.salt, i))
				out = append(out, o.ID, kind(err))
			}
			for _, id := range m.bans {
				b, err := tx.Bans().Get(m.ctx, id)
				out = append(out, b, kind(err))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if d := cmp.Diff(read(m.model), read(m.pg), valueOpts...); d != "" {
		t.Fatalf("PostgreSQL disagrees with the model (-model +postgres):\n%s", d)
	}
	// Ban checks, at a few instants: Matching among this run's bans, and
	// CheckBans against the portable answer.
	mine := map[bans.ID]bool{}
	for _, id := range m.bans {
		mine[id] = true
	}
	for i := range 4 {
		ids := []bans.Identity{
			bans.MustIdentity(bans.Email, fmt.Sprintf("p%d.%d@example.com", m.salt, i)),
			bans.MustIdentity(bans.Name, fmt.Sprintf("n%d_%d", m.salt%1e9, i)),
			bans.IPIdentity(netip.AddrFrom4([4]byte{198, 51, byte(i), 7})),
		}
		at := m.now.Add(time.Duration(i-2) * 2 * time.Minute)
		var want, got []bans.ID
		var found []bans.Ban
		if err := m.model.View(m.ctx, func(tx storage.Tx) (err error) { found, err = tx.Bans().Matching(m.ctx, ids); return err }); err != nil {
			t.Fatal(err)
		}
		want = bans.IDs(bans.ActiveMatching(found, ids, at))
		all, err := m.pgb.CheckBans(m.ctx, ids, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range all {
			if mine[id] {
				got = append(got, id)
			}
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("CheckBans(%v) at %v (-model +postgres):\n%s", ids, at, d)
		}
	}
}

// The store contracts, checked by a model: random sequences of customer,
// order and ban writes (stale versions, taken keys and illegal
// transitions included) leave PostgreSQL and the memory backend agreeing
// on every read.
func TestStoresAgreeWithMemory(t *testing.T) {
	pg := pgtest.NewBackend(t)
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// The salt is not drawn: a shrunk run must not meet the keys an earlier
	// run left in the shared schema.
	var salt atomic.Uint64
	salt.Store(mrand.Uint64N(1 << 40))
	rapid.Check(t, func(t *rapid.T) {
		m := &storeMachine{
			ctx: context.Background(), pg: pg, pgb: pg, model: memory.New(), now: start, salt: salt.Add(1),
		}
		t.Repeat(rapid.StateMachineActions(m))
		m.Compare(t)
	})
}
