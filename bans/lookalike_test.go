package bans_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// lookalikes imitate a banned name or address; each must meet its ban
// (docs/RULES.md "Text, numbers and times from outside").
var lookalikes = []struct {
	typ             bans.IdentityType
	banned, variant string
}{
	{bans.Name, "Garry", "Garry\u034F"},
	{bans.Name, "Garry", "Garry\uFE0F"},
	{bans.Name, "Garry", "Garry\u3164"},
	{bans.Name, "Garry", "Ｇａｒｒｙ"},
	{bans.Name, "Garry", "G\u200Barry"},
	{bans.Name, "José", "Jose\u0301"},
	{bans.Name, "σοφος", "ΣΟΦΟΣ"},
	{bans.Name, "straße", "STRASSE"},
	{bans.Email, "bob@example.com", "bob@example.com."},
	{bans.Email, "bob@example.com", "ｂｏｂ@example.com"},
	{bans.Email, "bob@example.com", "BOB＠ＥＸＡＭＰＬＥ.COM"},
}

func TestLookalikeIdentitiesMeet(t *testing.T) {
	for _, tc := range lookalikes {
		ban := bans.MustIdentity(tc.typ, tc.banned)
		got, err := bans.ParseIdentity(tc.typ, tc.variant)
		if err != nil || got != ban {
			t.Errorf("ParseIdentity(%s, %+q) = %v, %v; want %v", tc.typ, tc.variant, got, err, ban)
		}
		var made bans.Identity
		var key bans.Key
		if tc.typ == bans.Name {
			made, key = bans.NameIdentity(tc.variant), bans.NameKey(tc.variant)
		} else {
			made, key = bans.EmailIdentity(tc.variant), bans.EmailKey(tc.variant)
		}
		if made != ban {
			t.Errorf("constructor of %+q = %v, want %v", tc.variant, made, ban)
		}
		if key != bans.KeyOf(ban) || bans.KeyOf(bans.Identity{Type: tc.typ, Value: tc.variant}) != bans.KeyOf(ban) {
			t.Errorf("the key of %+q differs from the key of %v", tc.variant, ban)
		}

		idx := bans.NewIndex([]bans.Ban{{ID: "ban_1", Identities: []bans.Identity{ban}}})
		keys := []bans.Key{key}
		if id, ok := idx.FirstMatch(now, keys); !ok || id != "ban_1" {
			t.Errorf("FirstMatch(%+q) = %v, %v; want ban_1", tc.variant, id, ok)
		}
		if n := testing.AllocsPerRun(100, func() { idx.FirstMatch(now, keys) }); n != 0 {
			t.Errorf("FirstMatch(%+q) allocates %v times", tc.variant, n)
		}
		if !(bans.Ban{Identities: []bans.Identity{ban}}).Matches(got) {
			t.Errorf("a ban on %v does not match %+q", ban, tc.variant)
		}
	}
}

// A customer known by look-alikes is known by the banned forms; the
// display name stays as entered.
func TestIdentitiesOfFolds(t *testing.T) {
	c := customer.Customer{ID: customer.NewID(now), Name: "Ｇａｒｒｙ\u3164", PlatformID: customer.MustPlatformID(customer.Steam, "76561198006409530")}
	c.RecordCheckout(mustAddr("203.0.113.7"), "ｂｏｂ@Example.com.")
	got := bans.IdentitiesOf(c)
	want := []bans.Identity{
		bans.CustomerIdentity(c.ID),
		bans.MustIdentity(bans.Name, "garry"),
		bans.MustIdentity(bans.Steam, "76561198006409530"),
		bans.MustIdentity(bans.IP, "203.0.113.7"),
		bans.MustIdentity(bans.Email, "bob@example.com"),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("IdentitiesOf (-want +got):\n%s", d)
	}
	if c.Name != "Ｇａｒｒｙ\u3164" {
		t.Errorf("the name changed to %+q", c.Name)
	}
}

// Text that folds to nothing, or is not text, names no one.
func TestFoldedIdentityRefusals(t *testing.T) {
	for _, c := range []struct {
		typ bans.IdentityType
		raw string
	}{
		{bans.Name, "\u3164"},
		{bans.Name, "\u034F\uFE0F\u200B"},
		{bans.Name, "Garry\xff"},
		{bans.Email, "bob@."},
		{bans.Email, "\u3164@example.com"},
		{bans.Email, "bob@\uFE0F"},
	} {
		_, err := bans.ParseIdentity(c.typ, c.raw)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != string(c.typ) {
			t.Errorf("ParseIdentity(%s, %+q) = %v, want an InvalidError on %s", c.typ, c.raw, err, c.typ)
		}
	}
}

// A banned name is at most 32 characters as entered; its folded form may
// be longer (up to 64) and still parses to itself.
func TestNameLengthBounds(t *testing.T) {
	long := strings.Repeat("ß", 32) // folds to 64 characters
	id, err := bans.ParseIdentity(bans.Name, long)
	if err != nil || id.Value != strings.Repeat("ss", 32) {
		t.Fatalf("ParseIdentity(32 × ß) = %v, %v", id, err)
	}
	if again, err := bans.ParseIdentity(bans.Name, id.Value); err != nil || again != id {
		t.Errorf("its key parses to %v, %v", again, err)
	}
	for _, s := range []string{strings.Repeat("X", 33), strings.Repeat("ß", 33), strings.Repeat("x", 65)} {
		if _, err := bans.ParseIdentity(bans.Name, s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseIdentity(%d characters) = %v, want ErrInvalid", len([]rune(s)), err)
		}
	}
}
