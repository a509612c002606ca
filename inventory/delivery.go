package inventory

import (
	"strconv"
	"strings"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// LeaseQuery selects the commands one poll of a game server may lease.
type LeaseQuery struct {
	Server string
	// Players are the players online on Server, in canonical form
	// (CanonicalPlayer). An online-only command is leasable only if its
	// Player is one of them; other commands ignore the list.
	Players []string
	// Now decides which leases have run out (Command.LeaseExpired).
	Now time.Time
	// Limit caps how many commands are returned; it is at least 1.
	Limit int
}

// Leasable reports whether q's poll may lease c: c is queued for q.Server,
// pending or leased under a lease that ran out at q.Now, and, if it is
// online-only, its player is online. It is the rule CommandStore.Leasable
// implements.
func (q LeaseQuery) Leasable(c Command) bool {
	if c.Server != q.Server || c.Status != Pending && !c.LeaseExpired(q.Now) {
		return false
	}
	if !c.OnlineOnly {
		return true
	}
	for _, p := range q.Players {
		if p == c.Player {
			return true
		}
	}
	return false
}

// CanonicalPlayer returns the form Command.Player records (a customer's
// canonical platform ID) of a player ID a game server reports: a SteamID64
// in any form ParseSteamID reads, a Java UUID dashed or not in any case, or
// a Bedrock player's Floodgate UUID (whose XUID it returns) or decimal XUID.
// Anything else comes back trimmed, unchanged, and matches only itself.
func CanonicalPlayer(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 32 || len(s) == 36 {
		if u, err := customer.ParseUUID(s); err == nil {
			if xuid, err := customer.ParseXUID(s); err == nil {
				return strconv.FormatUint(xuid, 10)
			}
			return customer.FormatUUID(u)
		}
	}
	if id, err := customer.ParseSteamID(s); err == nil {
		return strconv.FormatUint(id, 10)
	}
	return s
}

// WrongServerError refuses an acknowledgement from a server for a command
// queued for another one: the key was mistyped or the plugin is configured
// with the wrong server name. It matches errs.ErrForbidden.
type WrongServerError struct {
	Command CommandID
	Server  string // the server that acknowledged
	Queued  string // the server the command is queued for
}

func (e *WrongServerError) Error() string {
	return "command " + string(e.Command) + " is queued for server " + strconv.Quote(e.Queued) +
		", not " + strconv.Quote(e.Server)
}

// Is reports ErrForbidden.
func (e *WrongServerError) Is(target error) bool { return target == errs.ErrForbidden }

// OpenResend returns the command of cmds (an item's commands) that resends
// id and has no result yet, if there is one. Resending id again before it
// ran would run the command twice, so a second resend is refused.
func OpenResend(cmds []Command, id CommandID) (Command, bool) {
	for _, c := range cmds {
		if c.ResendOf == id && !c.Status.Final() {
			return c, true
		}
	}
	return Command{}, false
}

// ResendAll returns the commands of cmds (an item's commands, in queue
// order) that resending all of them repeats: the latest attempt of each
// command, if it has a result (executed or failed). A command a resend
// superseded is history; a pending or leased one is still on its way; a
// canceled one was withdrawn on purpose, and is resent on its own
// (Command.Resend) if at all.
func ResendAll(cmds []Command) []Command {
	resent := make(map[CommandID]bool, len(cmds))
	for _, c := range cmds {
		if c.ResendOf != "" {
			resent[c.ResendOf] = true
		}
	}
	var out []Command
	for _, c := range cmds {
		if !resent[c.ID] && (c.Status == Executed || c.Status == Failed) {
			out = append(out, c)
		}
	}
	return out
}
