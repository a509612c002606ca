// Package sim holds what the runnable examples pretend: a game server's
// console and a clock that moves only when told to. It is not part of the
// library.
package sim

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Console runs the commands that start with one of its known prefixes,
// refuses others as a game server's console would, and remembers every
// command it ran, in order. It is safe for concurrent use.
type Console struct {
	known []string
	mu    sync.Mutex
	ran   []string
}

// NewConsole returns a console that knows the commands starting with one
// of known ("say ", "lp user ").
func NewConsole(known ...string) *Console { return &Console{known: known} }

// Run records command, or fails if it is not a known one.
func (c *Console) Run(command string) error {
	for _, k := range c.known {
		if strings.HasPrefix(command, k) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.ran = append(c.ran, command)
			return nil
		}
	}
	verb, _, _ := strings.Cut(command, " ")
	return fmt.Errorf("unknown command %q", verb)
}

// Ran returns the commands run so far, in order.
func (c *Console) Ran() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ran)
}

// Clock is an example's time: it moves only when told to, so a lease can
// run out or a month pass without waiting. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
