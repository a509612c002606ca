package events

import (
	"slices"
	"strings"

	"github.com/playerbase/playerbase/errs"
)

// Type names a kind of change, "<noun>.<past verb>". The names are part of
// the JSON and the webhooks: they never change.
type Type string

// The event types.
const (
	CustomerCreated Type = "customer.created"
	CustomerUpdated Type = "customer.updated"

	TokenIssued  Type = "token.issued"
	TokenRevoked Type = "token.revoked"

	MetadataChanged Type = "metadata.changed"

	OrderCreated     Type = "order.created"
	OrderCompleted   Type = "order.completed"
	OrderRefunded    Type = "order.refunded"
	OrderChargedBack Type = "order.charged_back"
	OrderCanceled    Type = "order.canceled"

	SubscriptionCreated   Type = "subscription.created"
	SubscriptionActivated Type = "subscription.activated"
	SubscriptionRenewed   Type = "subscription.renewed"
	SubscriptionCanceled  Type = "subscription.canceled"

	ItemGranted    Type = "item.granted"
	ItemExtended   Type = "item.extended"
	ItemRevoked    Type = "item.revoked"
	ItemExpired    Type = "item.expired"
	DiscordLinked  Type = "item.discord_linked"
	DiscordCleared Type = "item.discord_cleared"

	CommandQueued   Type = "command.queued"
	CommandExecuted Type = "command.executed"
	CommandFailed   Type = "command.failed"
	CommandCanceled Type = "command.canceled"
	CommandResent   Type = "command.resent"

	BanCreated Type = "ban.created"
	BanUpdated Type = "ban.updated"
	BanRemoved Type = "ban.removed"

	ProductCreated Type = "product.created"
	ProductUpdated Type = "product.updated"
)

// Types lists every event type, sorted.
var Types = sorted(
	CustomerCreated, CustomerUpdated, TokenIssued, TokenRevoked, MetadataChanged,
	OrderCreated, OrderCompleted, OrderRefunded, OrderChargedBack, OrderCanceled,
	SubscriptionCreated, SubscriptionActivated, SubscriptionRenewed, SubscriptionCanceled,
	ItemGranted, ItemExtended, ItemRevoked, ItemExpired, DiscordLinked, DiscordCleared,
	CommandQueued, CommandExecuted, CommandFailed, CommandCanceled, CommandResent,
	BanCreated, BanUpdated, BanRemoved, ProductCreated, ProductUpdated,
)

func sorted(ts ...Type) []Type { slices.Sort(ts); return ts }

// ParseType reads a type name, case-insensitively.
func ParseType(s string) (Type, error) {
	t := Type(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := slices.BinarySearch(Types, t); !ok {
		return "", errs.Invalid("type", s, "not an event type; see events.Types")
	}
	return t, nil
}

// IsBan reports whether t is a ban's event: what a ban index follows.
func (t Type) IsBan() bool { return strings.HasPrefix(string(t), "ban.") }
