package bans_test

import (
	"net/netip"
	"time"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
