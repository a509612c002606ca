package playerbase_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/period"
)

// The inventory side of the commerce state machine (stats_test.go): which
// items orders and subscriptions grant, what refunds, chargebacks and
// cancellations do to them, and the commands each queues, modelled in
// plain Go from the rules in the Client's documentation.

// modelProduct is what the model knows of a product.
type modelProduct struct {
	id     inventory.ProductID
	dur    time.Duration // 0: forever
	extend bool
	stages map[inventory.Stage]int    // command templates per stage
	prices map[string]decimal.Decimal // catalog price per currency code
}

func (p modelProduct) action() bool { return p.stages[inventory.OnExpire] > 0 }

func modelProductOf(p inventory.Product) modelProduct {
	mp := modelProduct{id: p.ID, extend: p.Stacking != inventory.StackAdd, stages: map[inventory.Stage]int{}, prices: map[string]decimal.Decimal{}}
	for _, a := range p.Prices {
		mp.prices[a.Currency.Code()] = a.Value
	}
	if p.Duration != nil {
		// Hours and days only: in UTC both are fixed lengths.
		unit := time.Hour
		if p.Duration.Unit == period.Day {
			unit = 24 * time.Hour
		}
		mp.dur = time.Duration(p.Duration.Count) * unit
	}
	for _, c := range p.Commands {
		mp.stages[c.Stage]++
	}
	return mp
}

type modelLine struct {
	product, qty int
}

type modelItem struct {
	id       inventory.ItemID // learned once the Client made it
	cust     int
	product  int
	order    *modelOrder   // the source: an order,
	sub      *modelSub     // or a subscription
	granted  []*modelOrder // every order that granted or extended it
	expires  *time.Time
	recorded inventory.State
	stages   []inventory.Stage // commands queued, in order
}

func (it *modelItem) stateAt(now time.Time) inventory.State {
	if it.recorded == inventory.Active && it.expires != nil && !now.Before(*it.expires) {
		return inventory.Expired
	}
	return it.recorded
}

// queue records the commands a product runs at stage.
func (m *commerceMachine) queue(it *modelItem, stage inventory.Stage) {
	for range m.products[it.product].stages[stage] {
		it.stages = append(it.stages, stage)
	}
}

// expire records an item expired, with its expiry action.
func (m *commerceMachine) expire(it *modelItem) {
	it.recorded = inventory.Expired
	m.queue(it, inventory.OnExpire)
}

// grant is grantItem: lapsed items of the product are recorded expired
// first; a subscription extends its own active item; a purchase of a timed
// "extend" product extends the active item with the latest expiry that no
// subscription granted; anything else is a new item. until, if set, is
// the subscription's period end.
func (m *commerceMachine) grant(cust, product int, o *modelOrder, s *modelSub, until *time.Time, now time.Time) {
	mp := m.products[product]
	var target *modelItem
	for _, it := range m.items {
		if it.cust != cust || it.product != product {
			continue
		}
		if it.recorded == inventory.Active && it.stateAt(now) == inventory.Expired {
			m.expire(it)
			continue
		}
		if it.stateAt(now) != inventory.Active {
			continue
		}
		switch {
		case s != nil:
			if it.sub == s && target == nil {
				target = it
			}
		case mp.dur != 0 && mp.extend && it.sub == nil && it.expires != nil:
			if target == nil || it.expires.After(*target.expires) {
				target = it
			}
		}
	}
	if target != nil {
		switch {
		case until != nil:
			target.expires = new(*until)
		case mp.dur != 0:
			target.expires = new(target.expires.Add(mp.dur))
		}
		m.queue(target, inventory.OnRenew)
		if o != nil && !slices.Contains(target.granted, o) {
			target.granted = append(target.granted, o)
		}
		return
	}
	it := &modelItem{cust: cust, product: product, order: o, sub: s, recorded: inventory.Active}
	if o != nil {
		it.granted = []*modelOrder{o}
	}
	switch {
	case until != nil:
		it.expires = new(*until)
	case mp.dur != 0:
		it.expires = new(now.Add(mp.dur))
	}
	m.queue(it, inventory.OnPurchase)
	m.items = append(m.items, it)
}

// revocable is inventory.Revoke's rule.
func (m *commerceMachine) revocable(it *modelItem, now time.Time) bool {
	return it.stateAt(now) == inventory.Active && (it.expires != nil || m.products[it.product].action())
}

func (m *commerceMachine) revoke(it *modelItem) {
	it.recorded = inventory.Revoked
	m.queue(it, inventory.OnExpire)
}

// reverse is what a refund or chargeback does to the items the order
// granted or extended (ReversalPolicy).
func (m *commerceMachine) reverse(o *modelOrder, stage inventory.Stage, revoke bool, now time.Time) {
	for _, it := range m.items {
		if !slices.Contains(it.granted, o) {
			continue
		}
		m.queue(it, stage)
		if revoke && m.revocable(it, now) {
			m.revoke(it)
		}
	}
}

// endSubscription is a cancellation now: the subscription's active items
// end now.
func (m *commerceMachine) endSubscription(s *modelSub, now time.Time) {
	for _, it := range m.items {
		if it.sub == s && it.stateAt(now) == inventory.Active {
			it.expires = new(now)
			m.expire(it)
		}
	}
}

// allItems lists every item the Client holds for a customer, newest first.
func (m *commerceMachine) allItems(t *rapid.T, cust customer.ID) []inventory.Item {
	var out []inventory.Item
	p := playerbase.ItemListParams{Limit: playerbase.MaxInventoryPage}
	for {
		page, err := m.pb.ItemList(m.ctx, cust, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		p.Cursor = page.NextCursor
	}
}

// learnIDs gives the items the model expects the last action to have made
// the IDs of the items the Client made, in creation (ID) order.
func (m *commerceMachine) learnIDs(t *rapid.T) {
	var fresh []*modelItem
	known := map[inventory.ItemID]bool{}
	for _, it := range m.items {
		if it.id == "" {
			fresh = append(fresh, it)
		} else {
			known[it.id] = true
		}
	}
	var made []inventory.Item
	for _, c := range m.custs {
		for _, it := range m.allItems(t, c) {
			if !known[it.ID] {
				made = append(made, it)
			}
		}
	}
	slices.SortFunc(made, func(a, b inventory.Item) int { return cmpString(a.ID, b.ID) })
	if len(made) != len(fresh) {
		t.Fatalf("the Client made %d items, the model %d", len(made), len(fresh))
	}
	for i, it := range fresh {
		if made[i].Customer != m.custs[it.cust] || made[i].ProductID != m.products[it.product].id {
			t.Fatalf("new item %s: customer %s product %s; model: customer %d product %s", made[i].ID, made[i].Customer, made[i].ProductID, it.cust, m.products[it.product].id)
		}
		it.id = made[i].ID
	}
}

func cmpString[S ~string](a, b S) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// modelRow is an item as the model and the Client are compared.
type modelRow struct {
	ID      inventory.ItemID
	Source  string
	State   inventory.State
	Expires *time.Time
	Stages  []inventory.Stage
}

// checkItems compares every customer's inventory, and each item's
// commands, with the model.
func (m *commerceMachine) checkItems(t *rapid.T, now time.Time) {
	for ci, c := range m.custs {
		var got, want []modelRow
		for _, it := range m.allItems(t, c) {
			cmds, err := m.pb.CommandList(m.ctx, it.ID)
			if err != nil {
				t.Fatal(err)
			}
			stages := []inventory.Stage{}
			for _, c := range cmds {
				stages = append(stages, c.Stage)
			}
			src, _ := it.Source.Ref()
			got = append(got, modelRow{it.ID, src, it.State, it.ExpiresAt, stages})
		}
		for i := len(m.items) - 1; i >= 0; i-- {
			it := m.items[i]
			if it.cust != ci {
				continue
			}
			src := ""
			if it.order != nil {
				src = string(it.order.id)
			} else {
				src = string(it.sub.id)
			}
			want = append(want, modelRow{it.id, src, it.stateAt(now), it.expires, append([]inventory.Stage{}, it.stages...)})
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("customer %d's items at %s (-model +client):\n%s", ci, now, d)
		}
	}
}

func (r modelRow) String() string {
	return fmt.Sprintf("%s %s %v %v", r.ID, r.State, r.Expires, r.Stages)
}
