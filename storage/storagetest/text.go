package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// lastInstant is the latest time the domain lets in (textin.MaxTime): the
// last microsecond of year 9999.
var lastInstant = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)

// testText feeds text and times from outside through the domain's checks
// and stores what they let through: a backend must store and return it
// exactly, so no backend refuses what another accepts. Staff text with a
// NUL or invalid UTF-8 never reaches a backend; a game server's or payment
// provider's is cleaned on the way.
func testText(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })
	const (
		nul     = "nul\x00here"
		invalid = "Unknown item \xa7cDiamond"
		// What staff may type: lines from a textarea, tabs, any script, a
		// replacement character that was typed, not made.
		typed = "line 1\r\nline 2\tend — 日本語 \uFFFD"
	)
	refused := func(field string, err error) {
		t.Helper()
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("%s: %v, want an *errs.InvalidError for %s", field, err, field)
		}
	}

	t.Run("StaffText", func(t *testing.T) {
		steam := bans.Identity{Type: bans.Steam, Value: string(c.PlatformID.Value)}
		for _, bad := range []string{nul, invalid} {
			_, err := bans.New(bans.Draft{Reason: bad, Identities: []bans.Identity{steam}, Actor: "admin:alice"}, now)
			refused("reason", err)
			_, err = bans.New(bans.Draft{Reason: "r", Identities: []bans.Identity{steam}, Actor: bad}, now)
			refused("actor", err)
			_, _, err = customer.NewToken(c.ID, bad, nil, now)
			refused("label", err)
			_, err = metadata.Apply(nil, []metadata.Field{{Key: "note", Value: bad}})
			refused("metadata.note", err)
			_, err = metadata.Apply(nil, []metadata.Field{{Key: bad, Value: "v"}})
			refused("metadata.key", err)
		}
		ban, err := bans.New(bans.Draft{Reason: typed, Identities: []bans.Identity{steam}, Actor: "admin:alice", ExpiresAt: &lastInstant}, now)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := customer.NewToken(c.ID, "phone — 日本", &lastInstant, now)
		if err != nil {
			t.Fatal(err)
		}
		m, err := metadata.Apply(nil, []metadata.Field{{Key: "note", Value: typed}})
		if err != nil {
			t.Fatal(err)
		}
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Bans().Create(ctx, ban); err != nil {
				return err
			}
			if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
				return err
			}
			return tx.Metadata().PutMetadata(ctx, c.ID, m)
		})
		view(t, b, func(tx storage.Tx) error {
			gotBan, err := tx.Bans().Get(ctx, ban.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(ban, gotBan, cmpOpts...); d != "" {
				t.Errorf("ban (-made +stored):\n%s", d)
			}
			if _, err := json.Marshal(gotBan); err != nil {
				t.Errorf("json.Marshal(stored ban): %v", err)
			}
			gotTok, err := tx.Tokens().GetToken(ctx, tok.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(tok, gotTok, cmpOpts...); d != "" {
				t.Errorf("token (-made +stored):\n%s", d)
			}
			gotM, err := tx.Metadata().GetMetadata(ctx, c.ID)
			if err != nil {
				return err
			}
			if d := cmp.Diff(m, gotM); d != "" {
				t.Errorf("metadata (-made +stored):\n%s", d)
			}
			return nil
		})
		tooLate := lastInstant.Add(time.Microsecond)
		_, err = bans.New(bans.Draft{Reason: "r", Identities: []bans.Identity{steam}, Actor: "admin:alice", ExpiresAt: &tooLate}, now)
		refused("expires_at", err)
		_, _, err = customer.NewToken(c.ID, "", &tooLate, now)
		refused("expires_at", err)
	})

	t.Run("ServerText", func(t *testing.T) {
		p := newProduct()
		it := newItem(c.ID, p.ID, now, nil)
		cmd := newCommand(it, now)
		leased, err := cmd.Lease("lse_text", now.Add(time.Minute), now)
		if err != nil {
			t.Fatal(err)
		}
		done, _, err := leased.Ack(invalid+"\x00\r\n\x1b[0mline 2", now)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Unknown item \uFFFDcDiamond\n[0mline 2"; done.Error != want {
			t.Errorf("Ack kept %q, want %q", done.Error, want)
		}
		update(t, b, func(tx storage.Tx) error {
			if err := tx.Products().Create(ctx, p); err != nil {
				return err
			}
			if err := tx.Items().Create(ctx, it); err != nil {
				return err
			}
			return tx.Commands().Create(ctx, leased)
		})
		update(t, b, func(tx storage.Tx) error {
			unchanged, err := tx.Commands().UpdateMany(ctx, []inventory.Command{done})
			if err == nil && len(unchanged) > 0 {
				t.Errorf("UpdateMany left %v unchanged", unchanged)
			}
			return err
		})
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Commands().Get(ctx, cmd.ID)
			if err != nil {
				return err
			}
			done.Version++
			if d := cmp.Diff(done, got, cmpOpts...); d != "" {
				t.Errorf("acknowledged command (-made +stored):\n%s", d)
			}
			return nil
		})
	})

	t.Run("ProviderText", func(t *testing.T) {
		raw := " " + newPaymentRef() + "\x00\xa7\r\n"
		ref, err := orders.CheckPaymentRef(raw)
		if err != nil {
			t.Fatal(err)
		}
		o := newOrder(t, c.ID, "5.00", "EUR", raw, now)
		if o.PaymentRef != ref {
			t.Fatalf("order reference %q, want %q as CheckPaymentRef cleans it", o.PaymentRef, ref)
		}
		update(t, b, func(tx storage.Tx) error { return tx.Orders().Create(ctx, o) })
		// A retried webhook carries the same raw bytes; cleaned, they find it.
		again, err := orders.CheckPaymentRef(raw)
		if err != nil {
			t.Fatal(err)
		}
		view(t, b, func(tx storage.Tx) error {
			got, err := tx.Orders().GetByPaymentRef(ctx, again)
			if err != nil {
				return err
			}
			if got.ID != o.ID {
				t.Errorf("GetByPaymentRef(%q) = %s, want %s", again, got.ID, o.ID)
			}
			return nil
		})
	})
}
