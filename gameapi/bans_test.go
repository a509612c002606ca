package gameapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
)

// The join check answers banned or not, the ban IDs and the expiry, never
// the reason; from the store, or from a watched index, which has the bans
// made after it started with no help from the host.
func TestBanCheck(t *testing.T) {
	for _, name := range []string{"store", "index"} {
		t.Run(name, func(t *testing.T) {
			opts := &gameapi.Options{}
			if name == "index" {
				opts.BanIndex = watched
			}
			f := newFixture(t, opts)
			_, token := f.server("eu-1")
			ctx := context.Background()
			perm, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "aimbot (internal note)", Actor: "admin:alice",
				Identities: []bans.Identity{{Type: bans.Steam, Value: "STEAM_0:1:42"}, {Type: bans.IPRange, Value: "198.51.100.0/24"}}})
			if err != nil {
				t.Fatal(err)
			}
			until := start.Add(72 * time.Hour)
			temp, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "toxic chat", Actor: "admin:bob", ExpiresAt: &until,
				Identities: []bans.Identity{{Type: bans.Name, Value: "Griefer"}}})
			if err != nil {
				t.Fatal(err)
			}
			c := f.client(token, nil)
			for _, tc := range []struct {
				q       gameclient.BanQuery
				want    []string
				expires *time.Time
			}{
				{gameclient.BanQuery{SteamID: "76561197960265813"}, []string{string(perm.ID)}, nil},
				{gameclient.BanQuery{SteamID: "76561198000000001", IPAddress: "198.51.100.77"}, []string{string(perm.ID)}, nil},
				{gameclient.BanQuery{Name: "ＧＲＩＥＦＥＲ"}, []string{string(temp.ID)}, &until},
				{gameclient.BanQuery{SteamID: "76561198000000001", IPAddress: "203.0.113.1", Name: "Garry"}, nil, nil},
			} {
				got, err := c.CheckBan(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got.Banned != (len(tc.want) > 0) || strings.Join(got.BanIDs, ",") != strings.Join(tc.want, ",") ||
					(got.ExpiresAt == nil) != (tc.expires == nil) || got.ExpiresAt != nil && !got.ExpiresAt.Equal(*tc.expires) {
					t.Errorf("CheckBan(%+v) = %+v, want %v until %v", tc.q, got, tc.want, tc.expires)
				}
			}
			resp, b := f.do("POST", "/v1/delivery/ban-check", token, `{"steam_id":76561197960265813}`)
			wantStatus(t, resp, b, 200)
			if strings.Contains(string(b), "aimbot") {
				t.Errorf("the ban check shows the internal reason: %s", b)
			}
		})
	}
}

// A join reported through events records the IP on the customer: an IP
// ban made on a join address then shows on the customer's banner.
func TestJoinIPReachesBanner(t *testing.T) {
	f := newFixture(t, nil)
	_, token := f.server("eu-1")
	garry := f.customer("Garry")
	ctx := context.Background()
	ban, err := f.pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: "ban evasion", Actor: "admin:alice",
		Identities: []bans.Identity{{Type: bans.IP, Value: "203.0.113.66"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := f.pb.CustomerBanner(ctx, garry.ID); len(ids) != 0 {
		t.Fatalf("banner before the join: %v", ids)
	}
	c := f.client(token, nil)
	if err := c.ReportJoins(ctx,
		gameclient.Join{IPAddress: "203.0.113.66", SteamID: garry.PlatformID.Value},
		gameclient.Join{IPAddress: "203.0.113.67", SteamID: "76561198999999999"}, // not a customer: ignored
	); err != nil {
		t.Fatal(err)
	}
	if ids, _ := f.pb.CustomerBanner(ctx, garry.ID); len(ids) != 1 || ids[0] != ban.ID {
		t.Errorf("banner after the join = %v, want [%s]", ids, ban.ID)
	}
}

// Linking from another host warns with the earlier link.
func TestLinkPreviouslyLinked(t *testing.T) {
	f := newFixture(t, nil)
	s, token := f.server("eu-1")
	c := f.client(token, nil)
	ctx := context.Background()
	first := gameclient.LinkParams{IP: "203.0.113.7", Hostname: "EU 1", Platform: "rust", Version: "1.0.0"}
	for i, p := range []gameclient.LinkParams{first, first} {
		r, err := c.Link(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if r.PreviouslyLinked != nil || r.GameServer.PlayerbaseID != string(s.ID) || r.GameServer.ID != s.ID.Flake() || r.GameServer.Name != "eu-1" || !r.GameServer.Enabled {
			t.Errorf("link %d from the same host = %+v", i, r)
		}
	}
	f.clock.Advance(time.Hour)
	r, err := c.Link(ctx, gameclient.LinkParams{IP: "198.51.100.8", Hostname: "EU 1 copy", Platform: "rust", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.PreviouslyLinked; p == nil || p.IP != "203.0.113.7" || p.HostName != "EU 1" || !p.LastLinkedAt.Equal(start) {
		t.Errorf("link from another host: previously_linked = %+v", r.PreviouslyLinked)
	}
	got, _ := f.pb.GameServerGet(ctx, s.ID)
	if got.LastLink == nil || got.LastLink.IP != "198.51.100.8" {
		t.Errorf("stored link = %+v", got.LastLink)
	}
}
