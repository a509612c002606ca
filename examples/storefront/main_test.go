package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/playerbase/playerbase/examples/internal/gamesim"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	console := &gamesim.RecordingConsole{}
	if err := run(context.Background(), &out, console); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"checkout: order of 4.99 EUR",
		"payment webhook #2: order completed",
		"game server, Notch offline: 1 command(s)",
		"game server, Notch online: 1 command(s)",
		// 4.99 − 0.45 fees, one payment though the webhook came twice.
		"details: Notch, net spent [4.54 EUR], 1 payment(s), orders [4.99 EUR completed], inventory [VIP (30 days) active, expiry 2026-12-25]",
		"31 days later: 1 item(s) expired, 1 command(s) delivered",
		"inventory [VIP (30 days) expired, expiry 2026-12-25]",
		"refund webhook #1: order refunded",
		"refund webhook #2: order refunded",
		"after the refund: 1 command(s) delivered",
		// The second order nets −0.45 (its fee): 4.54 − 0.45.
		"details: Notch, net spent [4.09 EUR], 2 payment(s), orders [4.99 EUR refunded 4.99 EUR completed], inventory [VIP (30 days) revoked, expiry 2027-01-25] [VIP (30 days) expired, expiry 2026-12-25]",
		"checkout from a banned network: 403 Forbidden: banned: ban_",
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
