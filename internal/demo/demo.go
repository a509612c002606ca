package demo

import (
	"context"
	"sync"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/subscriptions"
)

// Clock is a settable clock for playerbase.Config.Now: Seed moves it back
// to make history, then leaves it following the wall clock.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the wall clock moved by the clock's offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *Clock) set(offset time.Duration) {
	c.mu.Lock()
	c.offset = offset
	c.mu.Unlock()
}

// Store is what Seed made, for tests to find.
type Store struct {
	// Garry is a Steam customer with every kind of record and no ban.
	Garry customer.Customer
	// Cheater is banned by customer ID and SteamID.
	Cheater customer.Customer
	// Notch is a Minecraft Java customer caught by an IP range ban.
	Notch customer.Customer

	VIP, Kit, Badge, Legend inventory.Product
	CheaterBan, RangeBan    bans.Ban

	// Items of Garry.
	ActiveVIP, ExpiredKit, Badge0 inventory.Item
	// FailedCommand is a command of ActiveVIP a server reported failed.
	FailedCommand inventory.CommandID

	// Orders of Garry.
	Completed, Refunded, Chargeback orders.Order
	// Subscriptions of Garry.
	ActiveSub, CanceledSub subscriptions.Subscription
}

const day = 24 * time.Hour

// Seed fills pb with the demo store. pb must read clock (Config.Now).
func Seed(ctx context.Context, pb *playerbase.Client, clock *Clock) (s Store, err error) {
	defer clock.set(0)
	clock.set(-60 * day)
	eur, usd := money.MustCurrency("EUR"), money.MustCurrency("USD")

	if s.VIP, err = pb.ProductCreate(ctx, inventory.Product{
		Name: "VIP (30 days)", Duration: period.For(30, period.Day), OnExpiry: inventory.ExpiryCommands,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "oxide.usergroup add {steam_id} vip"},
			{Stage: inventory.OnExpire, Server: "rust-eu-1", Template: "oxide.usergroup remove {steam_id} vip"},
		},
		Prices: []money.Amount{money.MustParse("10.00", "EUR"), money.MustParse("11.00", "USD")},
	}); err != nil {
		return s, err
	}
	if s.Kit, err = pb.ProductCreate(ctx, inventory.Product{
		Name: "Starter kit (7 days)", Duration: period.For(7, period.Day),
		Commands: []inventory.CommandTemplate{{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "inventory.giveto {steam_id} rifle.ak 1"}},
		Prices:   []money.Amount{money.MustParse("4.99", "EUR"), money.MustParse("5.49", "USD")},
	}); err != nil {
		return s, err
	}
	if s.Badge, err = pb.ProductCreate(ctx, inventory.Product{
		Name:   "Founder badge",
		Prices: []money.Amount{money.MustParse("25.00", "EUR")},
	}); err != nil {
		return s, err
	}
	if s.Legend, err = pb.ProductCreate(ctx, inventory.Product{
		Name: "Legend rank (monthly)", OnExpiry: inventory.ExpiryCommands,
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: "rust-eu-1", Template: "oxide.usergroup add {steam_id} legend"},
			{Stage: inventory.OnExpire, Server: "rust-eu-1", Template: "oxide.usergroup remove {steam_id} legend"},
		},
		Prices: []money.Amount{money.MustParse("7.50", "EUR"), money.MustParse("8.00", "USD")},
	}); err != nil {
		return s, err
	}

	if s.Garry, _, err = pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901", Name: "Garry"}); err != nil {
		return s, err
	}
	if s.Garry, err = pb.CustomerRecordCheckout(ctx, s.Garry.ID, playerbase.CustomerRecordCheckoutParams{IP: "203.0.113.7", Email: "garry@example.com"}); err != nil {
		return s, err
	}
	// A kit bought 60 days ago ran out long since.
	if s.ExpiredKit, err = pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: s.Garry.ID, Product: s.Kit.ID, Actor: "admin:alice"}); err != nil {
		return s, err
	}
	if s.Badge0, err = pb.ItemAssign(ctx, playerbase.ItemAssignParams{Customer: s.Garry.ID, Product: s.Badge.ID, Actor: "admin:alice", DiscordID: "80351110224678912"}); err != nil {
		return s, err
	}

	clock.set(-40 * day)
	if s.Refunded, err = buy(ctx, pb, s.Garry.ID, s.Kit.ID, eur, "pi_demo_refund", "0.35"); err != nil {
		return s, err
	}
	if s.Refunded, err = pb.OrderRefund(ctx, s.Refunded.ID, playerbase.OrderRefundParams{Amount: s.Refunded.Total}); err != nil {
		return s, err
	}
	clock.set(-30 * day)
	if s.Chargeback, err = buy(ctx, pb, s.Garry.ID, s.Kit.ID, usd, "pi_demo_dispute", "0.46"); err != nil {
		return s, err
	}
	if s.Chargeback, err = pb.OrderChargeback(ctx, s.Chargeback.ID, playerbase.OrderChargebackParams{DisputeFee: money.MustParse("15.00", "USD")}); err != nil {
		return s, err
	}
	if s.CanceledSub, err = subscribe(ctx, pb, s.Garry.ID, s.Legend.ID, usd); err != nil {
		return s, err
	}
	if s.CanceledSub, err = pb.SubscriptionCancel(ctx, s.CanceledSub.ID, playerbase.SubscriptionCancelParams{}); err != nil {
		return s, err
	}

	clock.set(-5 * day)
	if s.Completed, err = buy(ctx, pb, s.Garry.ID, s.VIP.ID, eur, "pi_demo_vip", "0.59"); err != nil {
		return s, err
	}
	if s.ActiveVIP, err = pb.ItemGet(ctx, inventory.ItemID(s.Completed.Granted[0])); err != nil {
		return s, err
	}
	if s.ActiveSub, err = subscribe(ctx, pb, s.Garry.ID, s.Legend.ID, eur); err != nil {
		return s, err
	}
	// The server runs the queued commands; the VIP one fails.
	ds, err := pb.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: "rust-eu-1", Limit: 100})
	if err != nil {
		return s, err
	}
	var results []playerbase.DeliveryResult
	for _, d := range ds {
		r := playerbase.DeliveryResult{Key: d.Key}
		if d.Item == s.ActiveVIP.ID {
			r.Error = "Unknown group 'vip': create it with oxide.group add vip"
			s.FailedCommand = inventory.CommandID(d.Key)
		}
		results = append(results, r)
	}
	if _, err := pb.DeliveryAck(ctx, "rust-eu-1", results); err != nil {
		return s, err
	}
	if _, err := pb.MetadataUpdate(ctx, s.Garry.ID, []metadata.Field{
		{Key: "discord", Value: "garry#0001"},
		{Key: "note", Value: "<b>VIP</b> since 2024 — asked for a refund once"},
		{Key: "referrer", Value: "youtube"},
	}); err != nil {
		return s, err
	}

	if s.Cheater, _, err = pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198000000042", Name: "xX_Aimbot_Xx"}); err != nil {
		return s, err
	}
	if s.CheaterBan, err = pb.BanCreate(ctx, playerbase.BanCreateParams{
		Reason:     "Aimbot, confirmed on three servers",
		Identities: []bans.Identity{bans.CustomerIdentity(s.Cheater.ID), {Type: bans.Steam, Value: s.Cheater.PlatformID.Value}},
		Actor:      "admin:alice",
	}); err != nil {
		return s, err
	}
	if s.Notch, _, err = pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: "069a79f444e94726a5befca90e38aaf5", Name: "Notch"}); err != nil {
		return s, err
	}
	if s.Notch, err = pb.CustomerRecordCheckout(ctx, s.Notch.ID, playerbase.CustomerRecordCheckoutParams{IP: "198.51.100.23"}); err != nil {
		return s, err
	}
	expires := clock.Now().Add(90 * day)
	if s.RangeBan, err = pb.BanCreate(ctx, playerbase.BanCreateParams{
		Reason: "Chargeback fraud ring", ExpiresAt: &expires,
		Identities: []bans.Identity{{Type: bans.IPRange, Value: "198.51.100.0/24"}}, Actor: "admin:bob",
	}); err != nil {
		return s, err
	}
	for _, n := range []struct{ id, name string }{
		{"76561197960287930", "Gabe"}, {"STEAM_1:1:11101", "Robin"}, {"[U:1:5000]", "Garrett"},
	} {
		if _, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: n.id, Name: n.name}); err != nil {
			return s, err
		}
	}
	return s, nil
}

func buy(ctx context.Context, pb *playerbase.Client, id customer.ID, p inventory.ProductID, cur money.Currency, ref, fee string) (orders.Order, error) {
	o, err := pb.OrderCreate(ctx, id, playerbase.OrderCreateParams{
		Currency: cur, Lines: []playerbase.OrderLineParams{{ProductID: p, Quantity: 1}},
		IP: "203.0.113.7", Email: "garry@example.com",
	})
	if err != nil {
		return orders.Order{}, err
	}
	return pb.OrderComplete(ctx, playerbase.OrderCompleteParams{OrderID: o.ID, PaymentRef: ref, Fees: money.MustParse(fee, cur.Code())})
}

func subscribe(ctx context.Context, pb *playerbase.Client, id customer.ID, p inventory.ProductID, cur money.Currency) (subscriptions.Subscription, error) {
	s, err := pb.SubscriptionCreate(ctx, id, playerbase.SubscriptionCreateParams{
		ProductID: p, Currency: cur, Period: period.Period{Count: 1, Unit: period.Month},
	})
	if err != nil {
		return subscriptions.Subscription{}, err
	}
	return pb.SubscriptionActivate(ctx, s.ID)
}
