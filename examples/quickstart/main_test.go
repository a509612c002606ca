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
		"SteamID64 76561198006409530, profile https://steamcommunity.com/profiles/76561198006409530",
		`renamed to "Garry N." (version 1)`,
		"metadata: discord=garry#0001 vip_since=2024-03",
		`("launcher") authenticates cus_`,
		"after revoke: ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
