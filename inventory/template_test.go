package inventory_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

func TestValidateTemplate(t *testing.T) {
	for _, ok := range []string{
		"oxide.usergroup add {steam_id} vip",
		"lp user {uuid} parent addtemp vip 30d",
		// NBT and JSON braces are literal: they are not {identifier}.
		"give {name} diamond_sword{Enchantments:[{id:sharpness,lvl:5}]} 1",
		`tellraw {name} {"text":"Thanks for buying {product}!"}`,
		"say {} { name } {1st} {name",
		"discord role add {discord_id} vip until {expires_at} for {order_id}{subscription_id}",
	} {
		if err := inventory.ValidateTemplate(ok); err != nil {
			t.Errorf("ValidateTemplate(%q) = %v", ok, err)
		}
	}
	for _, tc := range []struct {
		in       string
		variable string
		offset   int
	}{
		{"give {player} kit", "player", 5},
		{"say {name} {Name}", "Name", 11},
		{"{steamid}", "steamid", 0},
	} {
		err := inventory.ValidateTemplate(tc.in)
		var uv *inventory.UnknownVariableError
		if !errors.As(err, &uv) || !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ValidateTemplate(%q) = %v, want *UnknownVariableError matching ErrInvalid", tc.in, err)
			continue
		}
		if uv.Variable != tc.variable || uv.Offset != tc.offset {
			t.Errorf("ValidateTemplate(%q) names {%s} at %d, want {%s} at %d", tc.in, uv.Variable, uv.Offset, tc.variable, tc.offset)
		}
	}
	if err := inventory.ValidateTemplate("say {Name}"); err == nil || !strings.Contains(err.Error(), "{name}") {
		t.Errorf("ValidateTemplate({Name}) = %v, want a hint naming {name}", err)
	}
	for _, bad := range []string{"", "say hi\nop {name}", "say\thi", strings.Repeat("x", inventory.MaxTemplateLen+1), "say \xff"} {
		if err := inventory.ValidateTemplate(bad); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ValidateTemplate(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestRender(t *testing.T) {
	cust := customer.Customer{ID: "cus_01JD3Z0000000000000000000A", Name: "Garry",
		PlatformID: customer.MustPlatformID(customer.Steam, "STEAM_0:0:23071901")}
	vars := inventory.Merge(inventory.CustomerVars(cust), inventory.Vars{inventory.VarOrderID: "ord_1"})
	for _, tc := range []struct{ tpl, want string }{
		{"oxide.usergroup add {steam_id} vip", "oxide.usergroup add 76561198006409530 vip"},
		{"say {name} bought {order_id} {order_id}", "say Garry bought ord_1 ord_1"},
		// A Steam customer has no uuid: it renders empty.
		{"lp user {uuid} x", "lp user  x"},
		{"give {name} stone{Count:1b}", "give Garry stone{Count:1b}"},
	} {
		if got := inventory.Render(tc.tpl, vars); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.tpl, got, tc.want)
		}
	}
	// A value cannot break a command onto a second line.
	if got := inventory.Render("say {name}", inventory.Vars{"name": "a\nop evil\r"}); got != "say aop evil" {
		t.Errorf("Render with a newline in a value = %q", got)
	}
	// Nor close the template's quotes, escape them, or chain a command: a
	// Steam display name is free text the player chose.
	for name, want := range map[string]string{
		`x"; ownerid 76561198006409530; say "`: `say "x ownerid 76561198006409530 say  joined"`,
		`O'Brien`:                              `say "OBrien joined"`,
		"back`tick\\":                          `say "backtick joined"`,
	} {
		if got := inventory.Render(`say "{name} joined"`, inventory.Vars{"name": name}); got != want {
			t.Errorf("Render with name %q = %q, want %q", name, got, want)
		}
	}
	// The template's own text is the store owner's and stays as written.
	if got := inventory.Render(`say "hi; {name}"`, inventory.Vars{"name": "Garry"}); got != `say "hi; Garry"` {
		t.Errorf("Render kept the template = %q", got)
	}
}

func TestCustomerVars(t *testing.T) {
	bedrock := customer.Customer{ID: "cus_1", Name: "Steve", PlatformID: customer.MustPlatformID(customer.MinecraftBedrock, "2535416409109163")}
	want := inventory.Vars{
		"name": "Steve", "platform_id": "2535416409109163", "customer_id": "cus_1",
		"xuid": "2535416409109163", "uuid": "00000000-0000-0000-0009-01f2a26c32ab",
	}
	if d := cmp.Diff(want, inventory.CustomerVars(bedrock)); d != "" {
		t.Errorf("CustomerVars(Bedrock) (-want +got):\n%s", d)
	}
}

// identityVars maps each variable to its own reference, so rendering a
// valid template with them gives the template back.
func identityVars() inventory.Vars {
	v := inventory.Vars{}
	for _, name := range inventory.Variables {
		v[name] = "{" + name + "}"
	}
	return v
}

func FuzzValidateTemplate(f *testing.F) {
	for _, s := range []string{
		"oxide.usergroup add {steam_id} vip", "give {name} stone{Count:1b}", "{", "}", "{}", "{{name}}",
		"{name", "{Name}", "{ name }", "say {unknown}", "a\nb", "{_}", "{n\x00ame}", "{é}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := inventory.ValidateTemplate(s)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("ValidateTemplate(%q) error %v does not match ErrInvalid", s, err)
			}
			return
		}
		for _, name := range inventory.TemplateVariables(s) {
			if !strings.Contains(strings.Join(inventory.Variables, " "), name) {
				t.Fatalf("valid template %q uses unknown variable %q", s, name)
			}
		}
		if got := inventory.Render(s, identityVars()); got != s {
			t.Fatalf("Render(%q, identity) = %q", s, got)
		}
		out := inventory.Render(s, inventory.Vars{inventory.VarName: "x\ny"})
		if !utf8.ValidString(out) || strings.ContainsFunc(out, unicode.IsControl) {
			t.Fatalf("Render(%q) = %q, not one line of UTF-8", s, out)
		}
	})
}

// Render's rule for spaces, exactly as its doc states it: a value keeps
// them, so only quotes keep a display name one argument, and no variable
// but name and product can hold one.
func TestRenderSpaces(t *testing.T) {
	vars := inventory.Vars{inventory.VarName: "Steve 64"}
	for tpl, want := range map[string]string{
		"give {name} diamond":   "give Steve 64 diamond",
		`give "{name}" diamond`: `give "Steve 64" diamond`,
	} {
		if got := inventory.Render(tpl, vars); got != want {
			t.Errorf("Render(%q) = %q, want %q", tpl, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		cust := customer.Customer{
			ID: customer.NewID(time.Now()), Name: rapid.String().Draw(t, "name"),
			PlatformID: rapid.SampledFrom([]customer.PlatformID{
				customer.MustPlatformID(customer.Steam, "76561198006409530"),
				customer.MustPlatformID(customer.MinecraftJava, "708f6260183d3912bbde5e279a5e739a"),
				customer.MustPlatformID(customer.MinecraftBedrock, "2535416409109163"),
			}).Draw(t, "platform"),
		}
		expires := time.Date(rapid.IntRange(1, 9999).Draw(t, "year"), 1, 2, 3, 4, 5, 6, time.UTC)
		it := inventory.Item{
			ID: inventory.NewItemID(time.Now()), ExpiresAt: &expires, DiscordUserID: "175928847299117063",
			Source: inventory.Source{Kind: inventory.FromOrder, OrderID: "ord_01JD3Z0000000000000000000A"},
		}
		p := inventory.Product{ID: inventory.NewProductID(time.Now()), Name: rapid.String().Draw(t, "product")}
		for k, v := range inventory.Merge(inventory.CustomerVars(cust), inventory.ItemVars(it, p)) {
			if k != inventory.VarName && k != inventory.VarProduct && strings.ContainsFunc(v, unicode.IsSpace) {
				t.Fatalf("{%s} = %q holds a space", k, v)
			}
		}
	})
}
