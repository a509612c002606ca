package gameclient_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/playerbase/playerbase/gameclient"
)

// A FileJournal reopened after a crash knows what ran, what was running,
// and nothing that was forgotten; reopening compacts the file.
func TestFileJournalSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	j, err := gameclient.OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { return j.Begin("cmd_a") },
		func() error { return j.Finish("cmd_a", "") },
		func() error { return j.Begin("cmd_b") },
		func() error { return j.Finish("cmd_b", "Unknown command: \"kit\"\nline two") },
		func() error { return j.Begin("cmd_c") }, // the crash comes while c runs
		func() error { return j.Begin("cmd_d") },
		func() error { return j.Finish("cmd_d", "") },
		func() error { return j.Forget("cmd_d") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.Stat(path)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = gameclient.OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = j.Close() }()
	for key, want := range map[string]gameclient.Entry{
		"cmd_a": {Key: "cmd_a", Done: true},
		"cmd_b": {Key: "cmd_b", Done: true, Error: "Unknown command: \"kit\"\nline two"},
		"cmd_c": {Key: "cmd_c"},
	} {
		got, ok, err := j.Get(key)
		if err != nil || !ok || got != want {
			t.Errorf("Get(%s) = %+v, %v, %v; want %+v", key, got, ok, err, want)
		}
	}
	if _, ok, _ := j.Get("cmd_d"); ok {
		t.Error("a forgotten key came back")
	}
	// Entries lists what Get finds, by key, for Deliver to report.
	want := []gameclient.Entry{
		{Key: "cmd_a", Done: true},
		{Key: "cmd_b", Done: true, Error: "Unknown command: \"kit\"\nline two"},
		{Key: "cmd_c"},
	}
	if got, err := j.Entries(); err != nil || !slices.Equal(got, want) {
		t.Errorf("Entries() = %+v, %v; want %+v", got, err, want)
	}
	if after, _ := os.Stat(path); after.Size() >= before.Size() {
		t.Errorf("reopening did not compact: %d bytes, was %d", after.Size(), before.Size())
	}
}

func TestNewNeedsURLAndToken(t *testing.T) {
	if _, err := gameclient.New(gameclient.Config{BaseURL: "http://x"}); err == nil {
		t.Error("New without a token succeeded")
	}
}
