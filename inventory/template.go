package inventory

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// Template variables.
const (
	VarName           = "name"            // the customer's display name
	VarPlatformID     = "platform_id"     // the canonical platform ID, whatever the platform
	VarSteamID        = "steam_id"        // SteamID64 (Steam customers)
	VarUUID           = "uuid"            // Minecraft Java UUID, or the Floodgate UUID of a Bedrock player
	VarXUID           = "xuid"            // Bedrock XUID
	VarCustomerID     = "customer_id"     // cus_…
	VarOrderID        = "order_id"        // ord_… of the order behind this grant or stage
	VarSubscriptionID = "subscription_id" // sub_… of the subscription behind it
	VarItemID         = "item_id"         // inv_…
	VarProduct        = "product"         // the product's name
	VarProductID      = "product_id"      // prd_…
	VarDiscordID      = "discord_id"      // the item's Discord user ID
	VarExpiresAt      = "expires_at"      // the item's expiry, RFC 3339 UTC; empty if it never expires
)

// Variables lists every variable a template may use.
var Variables = []string{
	VarName, VarPlatformID, VarSteamID, VarUUID, VarXUID, VarCustomerID, VarOrderID,
	VarSubscriptionID, VarItemID, VarProduct, VarProductID, VarDiscordID, VarExpiresAt,
}

// MaxTemplateLen bounds a template, in bytes.
const MaxTemplateLen = 1000

// Vars maps variable names to their values for one rendering.
type Vars map[string]string

// UnknownVariableError refuses a template that names a variable not in
// Variables. It matches errs.ErrInvalid.
type UnknownVariableError struct {
	Field    string // e.g. "commands[2].template"
	Variable string // the name between the braces
	Offset   int    // byte offset of its "{" in the template
}

func (e *UnknownVariableError) Error() string {
	msg := fmt.Sprintf("invalid %s: unknown variable {%s} at byte %d", e.Field, e.Variable, e.Offset)
	if lower := strings.ToLower(e.Variable); lower != e.Variable && isVariable(lower) {
		msg += fmt.Sprintf(" (variables are lower case: {%s})", lower)
	}
	return msg
}

// Is reports ErrInvalid.
func (e *UnknownVariableError) Is(target error) bool { return target == errs.ErrInvalid }

// ValidateTemplate checks a command template: 1 to MaxTemplateLen bytes of
// valid UTF-8 on one line (no control characters, so a template cannot
// smuggle a second command), every variable reference known.
func ValidateTemplate(s string) error { return validateTemplate("template", s) }

func validateTemplate(field, s string) error {
	if s == "" || len(s) > MaxTemplateLen {
		return errs.Invalid(field, s, "want 1 to 1000 bytes")
	}
	if !utf8.ValidString(s) {
		return errs.Invalid(field, s, "not valid UTF-8")
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return errs.Invalid(field, s, "must be one line without control characters")
	}
	var err error
	scan(s, func(name string, off int) {
		if err == nil && !isVariable(name) {
			err = &UnknownVariableError{Field: field, Variable: name, Offset: off}
		}
	})
	return err
}

// TemplateVariables returns the variables s refers to, in order of first
// use.
func TemplateVariables(s string) []string {
	var out []string
	scan(s, func(name string, _ int) {
		for _, n := range out {
			if n == name {
				return
			}
		}
		out = append(out, name)
	})
	return out
}

// Render replaces each variable reference in a template with its value in
// vars (empty if vars has none). Templates are validated when their product
// is saved, so Render never fails.
//
// A value can neither start a second command nor leave the template's
// quotes: control characters (a newline would start a second console
// command) and the characters game consoles read as quotes, escapes or
// command separators (" ' ` \ ;) are dropped from it. IDs never contain
// them; a player's display name may ("O'Brien" renders as "OBrien"), and
// it is the one value a player chooses.
//
// A value keeps its spaces, though, so outside quotes it can add arguments:
// with the name "Steve 64", "give {name} diamond" renders "give Steve 64
// diamond". Only name (a display name) and product (the product's name)
// may hold spaces; every other variable is an ID, a number or an RFC 3339
// time without them. Quote name and product where a console splits
// arguments, unless the players' platform forbids spaces in names
// (Minecraft Java names are [A-Za-z0-9_]).
func Render(template string, vars Vars) string {
	var b strings.Builder
	last := 0
	scan(template, func(name string, off int) {
		b.WriteString(template[last:off])
		b.WriteString(strings.Map(inertRune, vars[name]))
		last = off + len(name) + 2
	})
	b.WriteString(template[last:])
	return b.String()
}

// inertRune keeps r unless a console could read it as more than text.
func inertRune(r rune) rune {
	if unicode.IsControl(r) || strings.ContainsRune("\"'`\\;", r) {
		return -1
	}
	return r
}

// scan calls fn for each reference: "{", a letter or "_", letters, digits
// or "_", "}".
func scan(s string, fn func(name string, off int)) {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' || i+1 >= len(s) || !identStart(s[i+1]) {
			continue
		}
		j := i + 2
		for j < len(s) && identPart(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '}' {
			fn(s[i+1:j], i)
			i = j
		}
	}
}

func identStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func identPart(c byte) bool  { return identStart(c) || c >= '0' && c <= '9' }

func isVariable(name string) bool {
	for _, v := range Variables {
		if v == name {
			return true
		}
	}
	return false
}

// CustomerVars returns the variables a customer supplies: name, platform
// ID, customer ID and the platform's own (steam_id; uuid; xuid and its
// Floodgate uuid).
func CustomerVars(c customer.Customer) Vars {
	v := Vars{VarName: c.Name, VarPlatformID: c.PlatformID.Value, VarCustomerID: string(c.ID)}
	switch c.PlatformID.Platform {
	case customer.Steam:
		v[VarSteamID] = c.PlatformID.Value
	case customer.MinecraftJava:
		v[VarUUID] = c.PlatformID.Value
	case customer.MinecraftBedrock:
		v[VarXUID] = c.PlatformID.Value
		if xuid, err := customer.ParseXUID(c.PlatformID.Value); err == nil {
			v[VarUUID] = customer.FloodgateUUID(xuid)
		}
	}
	return v
}

// ItemVars returns the variables an item and its product supply, including
// the order or subscription it came from.
func ItemVars(it Item, p Product) Vars {
	v := Vars{
		VarItemID: string(it.ID), VarProduct: p.Name, VarProductID: string(p.ID),
		VarDiscordID: it.DiscordUserID,
	}
	if it.ExpiresAt != nil {
		v[VarExpiresAt] = it.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if it.Source.OrderID != "" {
		v[VarOrderID] = it.Source.OrderID
	}
	if it.Source.SubscriptionID != "" {
		v[VarSubscriptionID] = it.Source.SubscriptionID
	}
	return v
}

// Merge returns a new Vars with each later set's values over the earlier
// ones'. Empty values do not override.
func Merge(sets ...Vars) Vars {
	out := Vars{}
	for _, s := range sets {
		for k, val := range s {
			if val != "" {
				out[k] = val
			}
		}
	}
	return out
}
