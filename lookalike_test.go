package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/storage"
)

// lookalikes are the ways a ban was dodged before names and emails were
// folded (docs/RULES.md "Text, numbers and times from outside"): each variant
// must meet the ban on the text it imitates.
var lookalikes = []struct {
	typ             bans.IdentityType
	banned, variant string
}{
	{bans.Name, "Garry", "Garry\u034F"}, // combining grapheme joiner
	{bans.Name, "Garry", "Garry\uFE0F"}, // variation selector
	{bans.Name, "Garry", "Garry\u3164"}, // Hangul filler
	{bans.Name, "Garry", "Ｇａｒｒｙ"},       // fullwidth
	{bans.Name, "José", "Jose\u0301"},   // NFC ban, NFD name
	{bans.Name, "Jose\u0301", "José"},   // and the other way round
	{bans.Name, "σοφος", "ΣΟΦΟΣ"},
	{bans.Name, "straße", "STRASSE"},
	{bans.Email, "bob@example.com", "bob@example.com."},
	{bans.Email, "bob@example.com", "ｂｏｂ@example.com"},
	{bans.Email, "BOB@example.com.", "bob@EXAMPLE.com"},
}

func TestLookalikesMatchBans(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		clock := &comClock{t: comStart}
		pb := comClient(t, b, &playerbase.Config{Now: clock.Now})
		for i, tc := range lookalikes {
			t.Run(fmt.Sprintf("%s %+q as %+q", tc.typ, tc.banned, tc.variant), func(t *testing.T) {
				ban, err := pb.BanCreate(ctx, playerbase.BanCreateParams{
					Reason: "ban dodging", Actor: "admin:alice",
					Identities: []bans.Identity{{Type: tc.typ, Value: tc.banned}},
				})
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					if _, err := pb.BanRemove(ctx, ban.ID, playerbase.BanRemoveParams{Actor: "admin:alice"}); err != nil {
						t.Fatal(err)
					}
				}()
				want := []bans.ID{ban.ID}
				variant := bans.Identity{Type: tc.typ, Value: tc.variant}

				got, err := pb.BanCheck(ctx, []bans.Identity{variant})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("BannedBy (-want +got):\n%s", d)
				}

				watch, err := pb.BanWatch(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				idx := watch.Index()
				if err := watch.Close(); err != nil {
					t.Fatal(err)
				}
				if id, ok := idx.FirstMatch(clock.Now(), bans.KeysOf([]bans.Identity{variant})); !ok || id != ban.ID {
					t.Errorf("Index.FirstMatch = %v, %v; want %v", id, ok, ban.ID)
				}
				if got := idx.Check(clock.Now(), variant); !cmp.Equal(want, got) {
					t.Errorf("Index.Check = %v, want %v", got, want)
				}

				// A customer known by the variant: named so at login, or
				// paying with the variant address.
				in := playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: fmt.Sprintf("[U:1:%d]", 47000000+i), Name: "Player"}
				var email string
				if tc.typ == bans.Name {
					in.Name = tc.variant
				} else {
					email = tc.variant
				}
				cust, _, err := pb.CustomerIdentify(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if cust.Name != in.Name {
					t.Errorf("Identify stored the name %+q, want it as entered, %+q", cust.Name, in.Name)
				}
				if email != "" {
					// A refused checkout stores nothing: record the address
					// the way a checkout that went through did, for Banner.
					if _, err := pb.CustomerRecordCheckout(ctx, cust.ID, playerbase.CustomerRecordCheckoutParams{Email: email}); err != nil {
						t.Fatal(err)
					}
				}
				_, err = pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: euro, Lines: vipLine(), Email: email})
				var be *bans.BannedError
				if !errors.As(err, &be) || !errors.Is(err, playerbase.ErrForbidden) || !cmp.Equal(be.IDs, want) {
					t.Errorf("checkout = %v, want a BannedError with %v", err, want)
				}
				banner, err := pb.CustomerBanner(ctx, cust.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, banner); d != "" {
					t.Errorf("Banner (-want +got):\n%s", d)
				}
			})
		}
	})
}
