package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		" (created)\n",
		"SteamID64 76561198006409530, profile https://steamcommunity.com/profiles/76561198006409530",
		`renamed to "Garry N." (version 1)`,
		"metadata: discord=garry#0001 vip_since=2024-03",
		`("launcher") authenticates cus_`,
		"after revoke the token is refused: forbidden",
		"checkout: VIP (30 days) for 10.00 EUR, order ord_",
		" completed, fees 0.79 EUR\n",
		"details: net spent 9.21 EUR = 10.00 EUR paid − 0.79 EUR fees; 1 payment(s), 0 active ban(s)\n",
		"  owns VIP (30 days): active until ",
		`    on_purchase on rust-eu-1: "oxide.usergroup add 76561198006409530 vip" (pending)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
