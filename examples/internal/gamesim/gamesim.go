// Package gamesim simulates a game server with a playerbase plugin in it,
// for the example programs and their tests. The plugin does the two things
// a real one does:
//
//   - At join it asks an in-memory bans.Index (a playerbase.BanWatch's,
//     current by itself; no database round trip) and refuses a banned
//     player, naming the ban.
//   - It runs a delivery loop: Poll the store for this server's commands,
//     run each on the console, Ack the results. A Journal of the delivery
//     keys it has run, which outlives the plugin (on a real server, a file
//     written before the command runs), makes a command run at most once
//     even when the plugin dies between running a command and
//     acknowledging it: the store hands the command out again once the
//     lease runs out, and the plugin acknowledges it without running it.
package gamesim

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
)

// Store is the part of *playerbase.Client the plugin uses; a test may wrap
// it to inject faults.
type Store interface {
	DeliveryPoll(ctx context.Context, p playerbase.DeliveryPollParams) ([]playerbase.Delivery, error)
	DeliveryAck(ctx context.Context, server string, results []playerbase.DeliveryResult) ([]playerbase.DeliveryOutcome, error)
}

// Journal remembers which delivery keys the plugin has run and what came
// of each ("" for success, else the console's error). It is safe for
// concurrent use.
type Journal struct {
	mu   sync.Mutex
	done map[string]string
}

// NewJournal returns an empty journal.
func NewJournal() *Journal { return &Journal{done: map[string]string{}} }

// runOnce runs fn unless key is recorded, records its result, and returns
// the result (the recorded one for a key run before).
func (j *Journal) runOnce(key string, fn func() string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	if res, ok := j.done[key]; ok {
		return res
	}
	res := fn()
	j.done[key] = res
	return res
}

// Len returns how many keys the journal holds.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.done)
}

// Player is someone joining the server.
type Player struct {
	ID   string // SteamID64 on a Steam game, the UUID on Minecraft
	Name string
	IP   netip.Addr
}

// RefusedError is what Join returns for a banned player.
type RefusedError struct {
	Player string
	Ban    bans.ID
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s may not join: banned (%s)", e.Player, e.Ban)
}

// Console runs one command in game; an error means it failed there.
type Console interface {
	Run(player Player, command string) error
}

// Server is one game server with the plugin loaded.
type Server struct {
	Name    string
	store   Store
	bans    *bans.Index
	journal *Journal
	console Console
	now     func() time.Time

	mu     sync.Mutex
	online map[string]Player // by ID
}

// New starts server name. journal is the plugin's record of what it has
// run; pass the same one to a restarted server.
func New(name string, store Store, index *bans.Index, journal *Journal, console Console, now func() time.Time) *Server {
	return &Server{
		Name: name, store: store, bans: index, journal: journal, console: console, now: now,
		online: map[string]Player{},
	}
}

// Join lets p in, or refuses with a *RefusedError if an active ban matches
// their platform ID, name or IP.
func (s *Server) Join(p Player) error {
	ids := []bans.Identity{{Type: bans.Name, Value: p.Name}}
	if strings.Contains(p.ID, "-") || len(p.ID) == 32 {
		ids = append(ids, bans.Identity{Type: bans.MinecraftUUID, Value: p.ID})
	} else {
		ids = append(ids, bans.Identity{Type: bans.Steam, Value: p.ID})
	}
	if p.IP.IsValid() {
		ids = append(ids, bans.Identity{Type: bans.IP, Value: p.IP.String()})
	}
	ids, err := bans.ParseIdentities(ids)
	if err != nil {
		return err
	}
	if ban, banned := s.bans.FirstMatch(s.now(), bans.KeysOf(ids)); banned {
		return &RefusedError{Player: p.Name, Ban: ban}
	}
	s.mu.Lock()
	s.online[p.ID] = p
	s.mu.Unlock()
	return nil
}

// Leave takes a player off the server.
func (s *Server) Leave(id string) {
	s.mu.Lock()
	delete(s.online, id)
	s.mu.Unlock()
}

// Online returns the IDs of the players on the server, sorted.
func (s *Server) Online() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.online))
	for id := range s.online {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *Server) player(id string) Player {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.online[id]; ok {
		return p
	}
	return Player{ID: id}
}

// Round is what one delivery round did.
type Round struct {
	Delivered int                          // commands the store handed out
	Outcomes  []playerbase.DeliveryOutcome // what the store recorded; nil if the plugin crashed first
}

// Deliver runs one delivery round: poll, run what is new, acknowledge.
func (s *Server) Deliver(ctx context.Context) (Round, error) {
	return s.deliver(ctx, false)
}

// DeliverAndCrash runs a round in which the plugin dies after running the
// commands and before acknowledging them.
func (s *Server) DeliverAndCrash(ctx context.Context) (Round, error) {
	return s.deliver(ctx, true)
}

func (s *Server) deliver(ctx context.Context, crash bool) (Round, error) {
	ds, err := s.store.DeliveryPoll(ctx, playerbase.DeliveryPollParams{Server: s.Name, OnlinePlayers: s.Online()})
	if err != nil {
		return Round{}, err
	}
	results := make([]playerbase.DeliveryResult, len(ds))
	for i, d := range ds {
		res := s.journal.runOnce(d.Key, func() string {
			if err := s.console.Run(s.player(d.Player), d.Command); err != nil {
				return err.Error()
			}
			return ""
		})
		results[i] = playerbase.DeliveryResult{Key: d.Key, Error: res}
	}
	if crash || len(ds) == 0 {
		return Round{Delivered: len(ds)}, nil
	}
	outcomes, err := s.store.DeliveryAck(ctx, s.Name, results)
	if err != nil {
		return Round{Delivered: len(ds)}, err
	}
	return Round{Delivered: len(ds), Outcomes: outcomes}, nil
}

// RecordingConsole runs a few well-known commands, refuses others, and
// remembers every command it ran, in order. It is safe for concurrent use.
type RecordingConsole struct {
	mu  sync.Mutex
	ran []string
}

// Known command prefixes; anything else fails as an unknown command.
var knownCommands = []string{"say ", "oxide.usergroup ", "inventory.giveto ", "lp user ", "give "}

// Run records command, or fails if it is not a known one.
func (c *RecordingConsole) Run(_ Player, command string) error {
	for _, k := range knownCommands {
		if strings.HasPrefix(command, k) {
			c.mu.Lock()
			c.ran = append(c.ran, command)
			c.mu.Unlock()
			return nil
		}
	}
	verb, _, _ := strings.Cut(command, " ")
	return fmt.Errorf("unknown command %q", verb)
}

// Ran returns the commands run so far, in order.
func (c *RecordingConsole) Ran() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ran)
}

// Clock is the simulation's time: it moves only when told to, so a program
// can let a lease run out or a month pass without waiting. It is safe for
// concurrent use.
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
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
