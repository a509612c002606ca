package main

import (
	"bytes"
	"context"
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
	con := sim.NewConsole("say ", "inventory.giveto ")
	if err := run(context.Background(), &out, con, be); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Log("\n" + got)
	for _, want := range []string{
		"join Cheater: Cheater may not join: banned (ban_",
		"join Alt: Alt may not join: banned (ban_", // by the IP range
		"round 1 (Garry offline): 1 delivered",
		"round 2: 1 delivered, plugin crashed",
		"round 3 (restarted): 0 delivered, 1 executed reported from the journal",
		"round 4 (the lease would have run out): 0 delivered",
		"executed rust-eu-1  inventory.giveto 76561198006409530 kit.starter (attempts 1)",
		"executed rust-eu-1  say Garry got the starter kit (attempts 1)",
		"Garry's known IPs (from the join): [203.0.113.20]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Each command ran once in game, though the plugin crashed after
	// running one.
	want := []string{"say Garry got the starter kit", "inventory.giveto 76561198006409530 kit.starter"}
	if ran := con.Ran(); !slices.Equal(ran, want) {
		t.Errorf("console ran %q, want %q", ran, want)
	}
}
