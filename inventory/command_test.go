package inventory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

func pendingCommand() inventory.Command {
	it := inventory.Item{ID: inventory.NewItemID(testNow), Customer: cust}
	tpl := inventory.CommandTemplate{Stage: inventory.OnPurchase, Server: "eu-1", Template: "kit {steam_id} starter", OnlineOnly: true}
	return inventory.NewCommand(it, "76561198006409530", tpl, inventory.Vars{inventory.VarSteamID: "76561198006409530"}, testNow)
}

func TestNewCommand(t *testing.T) {
	c := pendingCommand()
	if c.Status != inventory.Pending || c.Command != "kit 76561198006409530 starter" || !c.OnlineOnly ||
		c.Server != "eu-1" || c.Player != "76561198006409530" || c.DeliveryKey() != string(c.ID) {
		t.Errorf("NewCommand = %+v", c)
	}
}

func TestCommandTransitions(t *testing.T) {
	lease := testNow.Add(time.Minute)
	c := pendingCommand()

	leased, err := c.Lease("l1", lease, testNow)
	if err != nil || leased.Status != inventory.Leased || leased.Attempts != 1 || leased.LeaseID != "l1" {
		t.Fatalf("Lease = %+v, %v", leased, err)
	}
	if _, err := leased.Lease("l2", lease.Add(time.Minute), testNow); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Lease of a live lease = %v, want ErrConflict", err)
	}
	if _, err := leased.ExpireLease(lease.Add(-time.Microsecond)); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("ExpireLease before the lease ends = %v, want ErrConflict", err)
	}
	if _, err := leased.Cancel(); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Cancel of a leased command = %v, want ErrConflict (it may be running)", err)
	}
	// A lapsed lease may be taken over directly, or returned to pending.
	retaken, err := leased.Lease("l2", lease.Add(time.Minute), lease)
	if err != nil || retaken.Attempts != 2 || retaken.LeaseID != "l2" {
		t.Errorf("Lease after the lease ran out = %+v, %v", retaken, err)
	}
	back, err := leased.ExpireLease(lease)
	if err != nil || back.Status != inventory.Pending || back.LeaseID != "" || back.LeaseExpiresAt != nil || back.Attempts != 1 {
		t.Errorf("ExpireLease = %+v, %v", back, err)
	}

	done, changed, err := leased.Ack("", testNow.Add(time.Second))
	if err != nil || !changed || done.Status != inventory.Executed || done.ExecutedAt == nil || done.LeaseID != "" {
		t.Fatalf("Ack = %+v, %v, %v", done, changed, err)
	}
	again, changed, err := done.Ack("late error", testNow.Add(time.Hour))
	if err != nil || changed || again.Status != inventory.Executed || !again.ExecutedAt.Equal(*done.ExecutedAt) {
		t.Errorf("repeated Ack = %+v, changed %v, %v; want no effect", again, changed, err)
	}
	// An ack for a command whose lease lapsed still records the execution.
	late, changed, err := back.Ack("  unknown player  ", testNow.Add(time.Hour))
	if err != nil || !changed || late.Status != inventory.Failed || late.Error != "unknown player" {
		t.Errorf("Ack after the lease lapsed = %+v, %v, %v", late, changed, err)
	}

	canceled, err := c.Cancel()
	if err != nil || canceled.Status != inventory.Canceled {
		t.Fatalf("Cancel = %+v, %v", canceled, err)
	}
	if _, _, err := canceled.Ack("", testNow); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Ack of a canceled command = %v, want ErrConflict", err)
	}
	if _, err := c.Resend(testNow); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Resend of a pending command = %v, want ErrConflict", err)
	}
	re, err := late.Resend(testNow.Add(2 * time.Hour))
	if err != nil || re.ID == late.ID || re.ResendOf != late.ID || re.Status != inventory.Pending || re.Attempts != 0 || re.Command != late.Command {
		t.Errorf("Resend = %+v, %v", re, err)
	}
}
