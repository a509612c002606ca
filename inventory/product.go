package inventory

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/ids"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/period"
)

// ProductID identifies a product: "prd_" + a ULID.
type ProductID string

// NewProductID returns a new product ID stamped with now.
func NewProductID(now time.Time) ProductID { return ProductID(ids.New("prd", now)) }

// ParseProductID checks a pasted product ID.
func ParseProductID(s string) (ProductID, error) {
	id, err := ids.Parse("prd", "product_id", s)
	return ProductID(id), err
}

// ExpiryAction is what happens in game when an item ends (expires or is
// revoked).
type ExpiryAction string

// On-expiry actions.
const (
	ExpiryNone     ExpiryAction = "none"     // nothing runs
	ExpiryCommands ExpiryAction = "commands" // the product's on_expire commands run
)

// Stacking says what buying a timed product again does while the customer
// holds an active item of it.
type Stacking string

// Stacking policies.
const (
	StackExtend Stacking = "extend" // extend the active item by the duration
	StackAdd    Stacking = "add"    // add a new item
)

// Stage is when a command runs (PayNow's stages).
type Stage string

// Stages.
const (
	OnPurchase   Stage = "on_purchase"
	OnExpire     Stage = "on_expire"
	OnRenew      Stage = "on_renew"
	OnRefund     Stage = "on_refund"
	OnChargeback Stage = "on_chargeback"
)

// Stages lists every stage.
var Stages = []Stage{OnPurchase, OnExpire, OnRenew, OnRefund, OnChargeback}

// CommandTemplate is a command a product runs at a stage on one game server.
type CommandTemplate struct {
	Stage    Stage  `json:"stage"`
	Server   string `json:"server"`   // the game server's name or ID, as the host names them
	Template string `json:"template"` // e.g. "lp user {uuid} parent addtemp vip 30d"
	// OnlineOnly holds the command until the player is on that server (a
	// kit given to an offline player is lost).
	OnlineOnly bool `json:"online_only"`
}

// Product is a package a store sells.
type Product struct {
	ID   ProductID `json:"id"`
	Name string    `json:"name"`
	// Duration is how long an item lasts; nil means forever.
	Duration *period.Period `json:"duration,omitzero"`
	// OnExpiry is ExpiryCommands exactly when Commands has on_expire ones;
	// CheckProduct fills it in when empty.
	OnExpiry ExpiryAction      `json:"on_expiry"`
	Commands []CommandTemplate `json:"commands"`
	// Prices are what a checkout charges, one per currency the product is
	// sold in, sorted by currency code. None: the product is not sold,
	// only assigned by hand.
	Prices []money.Amount `json:"prices"`
	// Stacking applies to timed products; empty means StackExtend.
	Stacking Stacking  `json:"stacking"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
	// Version counts stored changes; Update takes the version the caller
	// read.
	Version int64 `json:"version"`
}

// Limits on a product.
const (
	MaxProductName = 100
	MaxCommands    = 100
	MaxServerLen   = 64
)

// Clone returns a copy that shares no memory with p.
func (p Product) Clone() Product {
	if p.Duration != nil {
		d := *p.Duration
		p.Duration = &d
	}
	p.Commands = append([]CommandTemplate(nil), p.Commands...)
	p.Prices = append([]money.Amount(nil), p.Prices...)
	return p
}

// HasExpiryAction reports whether ending an item runs commands.
func (p Product) HasExpiryAction() bool { return p.OnExpiry == ExpiryCommands }

// CommandsFor returns the product's commands for a stage, in order.
func (p Product) CommandsFor(s Stage) []CommandTemplate {
	var out []CommandTemplate
	for _, c := range p.Commands {
		if c.Stage == s {
			out = append(out, c)
		}
	}
	return out
}

// CheckProduct validates p and returns it normalized: name, servers and
// templates trimmed, empty OnExpiry and Stacking filled in. ID, times and
// Version are left to the caller.
func CheckProduct(p Product) (Product, error) {
	p = p.Clone()
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > MaxProductName || !printable(p.Name) {
		return Product{}, errs.Invalid("name", p.Name, "want 1 to 100 printable characters")
	}
	if p.Duration != nil {
		if err := CheckDuration(*p.Duration); err != nil {
			return Product{}, err
		}
	}
	if len(p.Commands) > MaxCommands {
		return Product{}, errs.Invalid("commands", strconv.Itoa(len(p.Commands)), "at most 100 commands")
	}
	hasExpire := false
	for i := range p.Commands {
		c := &p.Commands[i]
		field := "commands[" + strconv.Itoa(i) + "]"
		if !knownStage(c.Stage) {
			return Product{}, errs.Invalid(field+".stage", string(c.Stage), "want on_purchase, on_expire, on_renew, on_refund or on_chargeback")
		}
		c.Server = strings.TrimSpace(c.Server)
		if c.Server == "" || len(c.Server) > MaxServerLen || !printable(c.Server) || strings.ContainsFunc(c.Server, unicode.IsSpace) {
			return Product{}, errs.Invalid(field+".server", c.Server, "want 1 to 64 printable characters without spaces")
		}
		c.Template = strings.TrimSpace(c.Template)
		if err := validateTemplate(field+".template", c.Template); err != nil {
			return Product{}, err
		}
		hasExpire = hasExpire || c.Stage == OnExpire
	}
	switch p.OnExpiry {
	case "":
		p.OnExpiry = ExpiryNone
		if hasExpire {
			p.OnExpiry = ExpiryCommands
		}
	case ExpiryNone:
		if hasExpire {
			return Product{}, errs.Invalid("on_expiry", string(p.OnExpiry), "the product has on_expire commands; they would never run")
		}
	case ExpiryCommands:
		if !hasExpire {
			return Product{}, errs.Invalid("on_expiry", string(p.OnExpiry), "running commands on expiry needs at least one on_expire command")
		}
	default:
		return Product{}, errs.Invalid("on_expiry", string(p.OnExpiry), "want none or commands")
	}
	switch p.Stacking {
	case "":
		p.Stacking = StackExtend
	case StackExtend, StackAdd:
	default:
		return Product{}, errs.Invalid("stacking", string(p.Stacking), "want extend or add")
	}
	prices, err := checkPrices(p.Prices)
	if err != nil {
		return Product{}, err
	}
	p.Prices = prices
	return p, nil
}

func knownStage(s Stage) bool {
	for _, k := range Stages {
		if s == k {
			return true
		}
	}
	return false
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
