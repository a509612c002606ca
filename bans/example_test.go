package bans_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
)

// A game-server plugin keeps an Index and asks it on every join.
func ExampleIndex() {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	until := now.Add(time.Hour)
	ban, _ := bans.New(bans.Draft{
		Reason:    "aimbot",
		ExpiresAt: &until,
		Identities: []bans.Identity{
			{Type: bans.Steam, Value: "STEAM_0:0:23071901"},
			{Type: bans.IPRange, Value: "203.0.113.0/24"},
		},
		Actor: "admin:alice",
	}, now)
	idx := bans.NewIndex([]bans.Ban{ban})

	// At join: the keys of what the game server knows, made once.
	steamID, _ := customer.ParseSteamID("[U:1:46143802]")
	player := []bans.Key{bans.SteamKey(steamID), bans.NameKey("Garry")}
	other := []bans.Key{bans.SteamKey(steamID + 1), bans.IPKey(netip.MustParseAddr("::ffff:203.0.113.9"))}
	clean := []bans.Key{bans.SteamKey(steamID + 1), bans.IPKey(netip.MustParseAddr("198.51.100.1"))}

	fmt.Println(idx.Banned(now, player), idx.Banned(now, other), idx.Banned(now, clean))
	fmt.Println(idx.Banned(until, player)) // over at its expiry instant

	lifted, _ := ban.Unban("admin:bob", now)
	idx.Put(lifted)
	fmt.Println(idx.Banned(now, player))
	// Output:
	// true true false
	// false
	// false
}
