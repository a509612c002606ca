package inventory

import (
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/internal/textin"
)

// CommandID identifies a command record: "cmd_" + a ULID.
type CommandID string

// NewCommandID returns a new command ID stamped with now.
func NewCommandID(now time.Time) CommandID { return CommandID(ids.New("cmd", now)) }

// ParseCommandID checks a pasted command ID.
func ParseCommandID(s string) (CommandID, error) {
	id, err := ids.Parse("cmd", "command_id", s)
	return CommandID(id), err
}

// CommandStatus is where a command is in its delivery.
type CommandStatus string

// Command statuses. Executed, Failed and Canceled are final.
const (
	Pending  CommandStatus = "pending"  // waiting for its server to poll
	Leased   CommandStatus = "leased"   // handed to a server until LeaseExpiresAt
	Executed CommandStatus = "executed" // the server ran it
	Failed   CommandStatus = "failed"   // the server ran it and reported an error
	Canceled CommandStatus = "canceled" // withdrawn before delivery
)

// Final reports whether no transition leaves s.
func (s CommandStatus) Final() bool { return s == Executed || s == Failed || s == Canceled }

// MaxErrorLen bounds the error text a server reports, in bytes.
const MaxErrorLen = 2000

// Command is one rendered command an item queued for one game server.
type Command struct {
	// ID is also the delivery key: it stays the same across leases, so a
	// server that executed a command and crashed before acknowledging it
	// recognises the command when it is leased again. A resend is a new
	// command with a new ID.
	ID       CommandID   `json:"id"`
	ItemID   ItemID      `json:"item_id"`
	Customer customer.ID `json:"customer_id"`
	Server   string      `json:"server"`
	Command  string      `json:"command"` // exactly as rendered at queue time
	Stage    Stage       `json:"stage"`
	// OnlineOnly commands are leased only while Player is online on Server.
	OnlineOnly bool `json:"online_only"`
	// Player is the customer's canonical platform ID, which a server's
	// online list names players by.
	Player    string        `json:"player"`
	Status    CommandStatus `json:"status"`
	Attempts  int           `json:"attempts"` // leases handed out
	CreatedAt time.Time     `json:"created_at"`
	// ExecutedAt is when the server's result was recorded (for executed
	// and failed commands).
	ExecutedAt *time.Time `json:"executed_at,omitzero"`
	Error      string     `json:"error"` // the server's error text, for failed commands
	// LeaseID names the current lease ("" unless Leased); a server
	// acknowledging under an older lease is told apart by it.
	LeaseID        string     `json:"lease_id"`
	LeaseExpiresAt *time.Time `json:"lease_expires_at,omitzero"` // nil unless Leased
	// ResendOf is the command this one repeats, or "".
	ResendOf CommandID `json:"resend_of"`
	// Version counts stored changes; Update takes the version the caller
	// read, so two pollers cannot both lease one command.
	Version int64 `json:"version"`
}

// Clone returns a copy that shares no memory with c.
func (c Command) Clone() Command {
	c.ExecutedAt = cloneTime(c.ExecutedAt)
	c.LeaseExpiresAt = cloneTime(c.LeaseExpiresAt)
	return c
}

// DeliveryKey is the key a game server de-duplicates executions on: the
// command's ID.
func (c Command) DeliveryKey() string { return string(c.ID) }

// NewCommand renders t with vars into a pending command for item it, whose
// player (for online checks) is player.
func NewCommand(it Item, player string, t CommandTemplate, vars Vars, now time.Time) Command {
	return Command{
		ID: NewCommandID(now), ItemID: it.ID, Customer: it.Customer, Server: t.Server,
		Command: Render(t.Template, vars), Stage: t.Stage, OnlineOnly: t.OnlineOnly, Player: player,
		Status: Pending, CreatedAt: now,
	}
}

// TransitionError refuses a status change the command's status does not
// allow. It matches errs.ErrConflict.
type TransitionError struct {
	Command CommandID
	From    CommandStatus
	To      CommandStatus
}

func (e *TransitionError) Error() string {
	return "command " + string(e.Command) + ": cannot go from " + string(e.From) + " to " + string(e.To)
}

// Is reports ErrConflict.
func (e *TransitionError) Is(target error) bool { return target == errs.ErrConflict }

// LeaseExpired reports whether c is leased and its lease has run out at now.
func (c Command) LeaseExpired(now time.Time) bool {
	return c.Status == Leased && c.LeaseExpiresAt != nil && !now.Before(*c.LeaseExpiresAt)
}

// Lease hands a pending command (or one whose lease ran out) to a server
// under leaseID until until, counting an attempt.
func (c Command) Lease(leaseID string, until, now time.Time) (Command, error) {
	if c.Status != Pending && !c.LeaseExpired(now) {
		return Command{}, &TransitionError{Command: c.ID, From: c.Status, To: Leased}
	}
	if leaseID == "" || !until.After(now) {
		return Command{}, errs.Invalid("lease", leaseID, "want a lease ID and an end after now")
	}
	c = c.Clone()
	c.Status, c.LeaseID, c.LeaseExpiresAt = Leased, leaseID, &until
	c.Attempts++
	return c, nil
}

// ExpireLease returns a leased command whose lease ran out to pending.
func (c Command) ExpireLease(now time.Time) (Command, error) {
	if !c.LeaseExpired(now) {
		return Command{}, &TransitionError{Command: c.ID, From: c.Status, To: Pending}
	}
	c = c.Clone()
	c.Status, c.LeaseID, c.LeaseExpiresAt = Pending, "", nil
	return c, nil
}

// Ack records a server's result: executed if errText is empty, failed with
// errText otherwise. errText is cleaned first (textin.Clean: invalid UTF-8
// replaced, control characters but newlines and tabs dropped, cut to
// MaxErrorLen bytes), so any bytes a console printed can be stored, the
// same on every backend. A command that was leased at least once takes the
// result, under any lease, current or lapsed, and even if it was canceled
// after its lease lapsed: the server did run it, and the record says what
// happened in game. A command that already has a result keeps it and
// changed is false, so the first ack wins and repeated acks have one
// effect. A command never leased cannot have run: *TransitionError.
func (c Command) Ack(errText string, now time.Time) (_ Command, changed bool, err error) {
	to := Executed
	if errText = textin.Clean(errText, MaxErrorLen); errText != "" {
		to = Failed
	}
	switch {
	case c.Status == Executed || c.Status == Failed:
		return c.Clone(), false, nil
	case c.Attempts == 0:
		return Command{}, false, &TransitionError{Command: c.ID, From: c.Status, To: to}
	}
	c = c.Clone()
	c.Status, c.Error, c.ExecutedAt = to, errText, &now
	c.LeaseID, c.LeaseExpiresAt = "", nil
	return c, true, nil
}

// Cancel withdraws a pending command. A leased one may be running on its
// server already, so it cannot be canceled.
func (c Command) Cancel() (Command, error) {
	if c.Status != Pending {
		return Command{}, &TransitionError{Command: c.ID, From: c.Status, To: Canceled}
	}
	c = c.Clone()
	c.Status = Canceled
	return c, nil
}

// Resend returns a new pending command repeating c's text on c's server.
// c must be final; it is kept as history.
func (c Command) Resend(now time.Time) (Command, error) {
	if !c.Status.Final() {
		return Command{}, &TransitionError{Command: c.ID, From: c.Status, To: Pending}
	}
	return Command{
		ID: NewCommandID(now), ItemID: c.ItemID, Customer: c.Customer, Server: c.Server,
		Command: c.Command, Stage: c.Stage, OnlineOnly: c.OnlineOnly, Player: c.Player,
		Status: Pending, CreatedAt: now, ResendOf: c.ID,
	}, nil
}
