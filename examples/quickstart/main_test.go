package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playerbase/playerbase/examples/internal/backend"
	"github.com/playerbase/playerbase/storage/memory"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, memory.New()); err != nil {
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

// On a SQLite file the walk-through runs twice: what the first run stored
// stays, and the second pays a second order.
func TestRunTwiceOnSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "quickstart.db")
	for i, want := range []string{"1 payment(s)", "2 payment(s)"} {
		be, err := backend.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(ctx, &out, be); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("run %d: output lacks %q:\n%s", i+1, want, out.String())
		}
	}
}
