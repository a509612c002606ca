package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/playerbase/playerbase/examples/internal/sim"

	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// The walk-through reads the same on the default store and on a SQLite
// file (-db).
func TestRun(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testRun(t, memory.New()) })
	t.Run("sqlite", func(t *testing.T) { testRun(t, sqlitetest.NewBackend(t)) })
}

func testRun(t *testing.T, be storage.Backend) {
	var out bytes.Buffer
	console := sim.NewConsole("lp user ", "give ")
	if err := run(context.Background(), &out, console, be); err != nil {
		t.Fatal(err)
	}
	// IDs are random; the test reads them as ord_1, ord_2… in order of
	// first appearance, so it can tell which order a line is about.
	got := numberIDs(out.String())
	t.Log("\n" + got)
	for _, want := range []string{
		"checkout: Notch buys VIP (30 days) for 4.99 EUR, order ord_1 (created)",
		"payment webhook #1: order ord_1 completed",
		"payment webhook #2: order ord_1 completed",
		"game server, Notch offline: 1 command(s)",
		"game server, Notch online: 1 command(s)",
		// 4.99 − 0.45 fees, one payment though the webhook came twice.
		`details page: Notch, 1 payment(s)
  net spent 4.54 EUR = 4.99 − 0.45 fees
  orders:
    ord_1  completed  total 4.99 EUR, fees 0.45 EUR, refunded 0.00 EUR
  inventory:
    VIP (30 days)  active   expiry 2026-12-25
`,
		"31 days later: 1 item(s) expired, 1 command(s) delivered",
		"    VIP (30 days)  expired  expiry 2026-12-25\n",
		"checkout again: Notch buys VIP (30 days) for 4.99 EUR, order ord_2 (created)",
		"payment webhook: order ord_2 completed",
		"refund webhook #1: order ord_2 refunded",
		"refund webhook #2: order ord_2 refunded",
		"after the refund: 1 command(s) delivered",
		// The refunded order keeps its fee: 9.98 − 0.90 − 4.99.
		`details page: Notch, 2 payment(s)
  net spent 4.09 EUR = 9.98 − 0.90 fees − 4.99 refunded
  orders:
    ord_2  refunded   total 4.99 EUR, fees 0.45 EUR, refunded 4.99 EUR
    ord_1  completed  total 4.99 EUR, fees 0.45 EUR, refunded 0.00 EUR
  inventory:
    VIP (30 days)  revoked  expiry 2027-01-25
    VIP (30 days)  expired  expiry 2026-12-25
`,
		"checkout from a banned network: 403 Forbidden: banned: ban_1",
		"checkout posting a price of 0.01: order of 5.49 USD, overridden false",
		"checkout with coupon HALFOFF: order of 2.50 EUR, overridden true",
		"checkout in GBP: 422 Unprocessable Entity: invalid lines[0].product_id",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	want := []string{
		"lp user 069a79f4-44e9-4726-a5be-fca90e38aaf5 parent add vip",
		"give Notch diamond 5",
		"lp user 069a79f4-44e9-4726-a5be-fca90e38aaf5 parent remove vip",
		"lp user 069a79f4-44e9-4726-a5be-fca90e38aaf5 parent add vip",
		"give Notch diamond 5",
		"lp user 069a79f4-44e9-4726-a5be-fca90e38aaf5 parent remove vip", // once, though the refund came twice
	}
	if ran := console.Ran(); !slices.Equal(ran, want) {
		t.Errorf("console ran %q, want %q", ran, want)
	}
}

var idPattern = regexp.MustCompile(`\b([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}\b`)

// numberIDs replaces each ID (ord_01M8…) with its prefix and its rank
// among the IDs of that prefix: ord_1 is the first order the output names.
func numberIDs(s string) string {
	seen := map[string]string{}
	count := map[string]int{}
	return idPattern.ReplaceAllStringFunc(s, func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		prefix := id[:3]
		count[prefix]++
		seen[id] = fmt.Sprintf("%s_%d", prefix, count[prefix])
		return seen[id]
	})
}
