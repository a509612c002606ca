package demo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/internal/demo"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/subscriptions"
)

// The demo holds what the admin page's demo promises.
func TestSeed(t *testing.T) {
	ctx := context.Background()
	clock := &demo.Clock{}
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock.Now})
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	})
	s, err := demo.Seed(ctx, pb, clock)
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := pb.CustomerBanner(ctx, s.Cheater.ID); len(ids) != 1 || ids[0] != s.CheaterBan.ID {
		t.Errorf("Cheater's banner = %v", ids)
	}
	if ids, _ := pb.CustomerBanner(ctx, s.Notch.ID); len(ids) != 1 || ids[0] != s.RangeBan.ID || s.RangeBan.ExpiresAt == nil {
		t.Errorf("Notch's banner = %v, want the expiring range ban", ids)
	}
	if ids, _ := pb.CustomerBanner(ctx, s.Garry.ID); len(ids) != 0 {
		t.Errorf("Garry is banned by %v", ids)
	}
	for _, c := range []struct {
		id   inventory.ItemID
		want inventory.State
	}{{s.ActiveVIP.ID, inventory.Active}, {s.ExpiredKit.ID, inventory.Expired}, {s.Badge0.ID, inventory.Active}} {
		if it, _ := pb.ItemGet(ctx, c.id); it.State != c.want {
			t.Errorf("item %s is %s, want %s", c.id, it.State, c.want)
		}
	}
	var re *inventory.RevokeError
	if _, err := pb.ItemRevoke(ctx, s.Badge0.ID, playerbase.ItemRevokeParams{Actor: "t"}); !errors.As(err, &re) || re.Why != inventory.RefusedNoExpiryAction {
		t.Errorf("revoking the badge = %v, want RefusedNoExpiryAction", err)
	}
	cmds, _ := pb.CommandList(ctx, s.ActiveVIP.ID)
	if len(cmds) != 1 || cmds[0].ID != s.FailedCommand || cmds[0].Status != inventory.Failed || cmds[0].Error == "" {
		t.Errorf("VIP commands = %+v, want one failed", cmds)
	}
	for id, want := range map[orders.ID]orders.Status{s.Completed.ID: orders.Completed, s.Refunded.ID: orders.Refunded, s.Chargeback.ID: orders.Chargeback} {
		if o, _ := pb.OrderGet(ctx, id); o.Status != want {
			t.Errorf("order %s is %s, want %s", id, o.Status, want)
		}
	}
	for id, want := range map[subscriptions.ID]subscriptions.Status{s.ActiveSub.ID: subscriptions.Active, s.CanceledSub.ID: subscriptions.Canceled} {
		if sub, _ := pb.SubscriptionGet(ctx, id); sub.Status != want {
			t.Errorf("subscription %s is %s, want %s", id, sub.Status, want)
		}
	}
	if m, _ := pb.MetadataGet(ctx, s.Garry.ID); len(m) != 3 {
		t.Errorf("Garry's metadata = %v", m)
	}
}
