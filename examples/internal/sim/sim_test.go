package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/playerbase/playerbase/examples/internal/sim"
)

func TestConsole(t *testing.T) {
	c := sim.NewConsole("say ")
	if err := c.Run("say hi"); err != nil {
		t.Fatal(err)
	}
	if err := c.Run("kill @a"); err == nil || err.Error() != `unknown command "kill"` {
		t.Errorf("unknown command = %v", err)
	}
	if got := c.Ran(); !slices.Equal(got, []string{"say hi"}) {
		t.Errorf("Ran = %q", got)
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	c := sim.NewClock(start)
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("Now = %v", got)
	}
}
