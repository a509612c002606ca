package bans_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
)

func draft(ids ...bans.Identity) bans.Draft {
	return bans.Draft{Reason: "cheating", Identities: ids, Actor: "admin:alice"}
}

func mustNew(t *testing.T, d bans.Draft, at time.Time) bans.Ban {
	t.Helper()
	b, err := bans.New(d, at)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestActive(t *testing.T) {
	exp := now.Add(time.Hour)
	b := mustNew(t, bans.Draft{Reason: "r", ExpiresAt: &exp, Identities: []bans.Identity{{bans.Name, "x"}}, Actor: "a"}, now)
	removed, _ := b.Unban("a", now.Add(time.Minute))
	permanent := b
	permanent.ExpiresAt = nil
	for _, c := range []struct {
		name string
		ban  bans.Ban
		at   time.Time
		want bool
	}{
		{"before expiry", b, exp.Add(-time.Nanosecond), true},
		{"ending exactly at now", b, exp, false},
		{"after expiry", b, exp.Add(time.Nanosecond), false},
		{"permanent, far future", permanent, now.AddDate(100, 0, 0), true},
		{"removed before expiry", removed, now.Add(2 * time.Minute), false},
		{"removed ban read before its removal", removed, now, false},
	} {
		if got := c.ban.Active(c.at); got != c.want {
			t.Errorf("%s: Active = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMatches(t *testing.T) {
	ban := bans.Ban{Identities: []bans.Identity{
		bans.MustIdentity(bans.IPRange, "203.0.113.0/24"),
		bans.MustIdentity(bans.IPRange, "2001:db8:1::/48"),
		bans.MustIdentity(bans.IP, "198.51.100.9"),
		bans.MustIdentity(bans.Steam, "STEAM_0:1:42"),
		bans.MustIdentity(bans.Name, "Griefer"),
		bans.MustIdentity(bans.Email, "Bad@Example.com"),
	}}
	for _, c := range []struct {
		typ  bans.IdentityType
		raw  string
		want bool
	}{
		{bans.IP, "203.0.113.200", true},               // v4 range containment
		{bans.IP, "::ffff:203.0.113.200", true},        // mapped form, same address
		{bans.IP, "203.0.114.1", false},                // just outside
		{bans.IP, "2001:db8:1:ffff::1", true},          // v6 range containment
		{bans.IP, "2001:db8:2::1", false},              // outside the /48
		{bans.IP, "::ffff:198.51.100.9", true},         // IPv4-mapped equality
		{bans.IP, "198.51.100.10", false},              // a different address
		{bans.Steam, "STEAM_1:1:42", true},             // STEAM_1 = STEAM_0
		{bans.Steam, "[U:1:85]", true},                 // 2·42+1
		{bans.Steam, "[U:1:84]", false},                // the other Y
		{bans.Name, "GRIEFER", true},                   // case-folded
		{bans.Email, "bad@EXAMPLE.com", true},          // case-folded
		{bans.IPRange, "203.0.113.9/24", true},         // an equal range
		{bans.IPRange, "203.0.113.0/25", false},        // a narrower range is not the same
		{bans.IP, "2001:db8:1::", true},                // the range's first address
		{bans.IPRange, "::ffff:203.0.113.0/120", true}, // the mapped form of the range
	} {
		id := bans.MustIdentity(c.typ, c.raw)
		if got := ban.Matches(id); got != c.want {
			t.Errorf("Matches(%s %q) = %v, want %v", c.typ, c.raw, got, c.want)
		}
	}
}

func TestNewRules(t *testing.T) {
	name := bans.Identity{Type: bans.Name, Value: "Griefer"}
	past, at := now.Add(-time.Second), now
	for _, c := range []struct {
		name  string
		d     bans.Draft
		field string
	}{
		{"reason required", bans.Draft{Reason: "  ", Identities: []bans.Identity{name}, Actor: "a"}, "reason"},
		{"actor required", bans.Draft{Reason: "r", Identities: []bans.Identity{name}}, "actor"},
		{"an identity required", bans.Draft{Reason: "r", Actor: "a"}, "identities"},
		{"expiry in the past", bans.Draft{Reason: "r", ExpiresAt: &past, Identities: []bans.Identity{name}, Actor: "a"}, "expires_at"},
		{"expiry at now", bans.Draft{Reason: "r", ExpiresAt: &at, Identities: []bans.Identity{name}, Actor: "a"}, "expires_at"},
		{"bad identity named", bans.Draft{Reason: "r", Identities: []bans.Identity{name, {bans.Steam, "x"}}, Actor: "a"}, "identities[1].steam"},
	} {
		_, err := bans.New(c.d, now)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: New = %v, want an InvalidError on %q", c.name, err, c.field)
		}
	}

	exp := time.Date(2027, 1, 1, 0, 0, 0, 123456789, time.FixedZone("X", 3600))
	b := mustNew(t, bans.Draft{Reason: " cheating ", ExpiresAt: &exp, Identities: []bans.Identity{{bans.Steam, "STEAM_0:0:23071901"}}, Actor: "admin:alice"}, now)
	want := bans.Ban{
		ID: b.ID, Reason: "cheating", ExpiresAt: new(exp.UTC().Truncate(time.Microsecond)),
		Identities: []bans.Identity{{bans.Steam, "76561198006409530"}},
		CreatedBy:  "admin:alice", CreatedAt: now, UpdatedBy: "admin:alice", UpdatedAt: now,
	}
	if d := cmp.Diff(want, b); d != "" {
		t.Errorf("New (-want +got):\n%s", d)
	}
	if _, err := bans.ParseID(string(b.ID)); err != nil {
		t.Errorf("ID %q: %v", b.ID, err)
	}
}

func TestApply(t *testing.T) {
	steam := bans.MustIdentity(bans.Steam, "76561198006409530")
	name := bans.MustIdentity(bans.Name, "griefer")
	ip := bans.MustIdentity(bans.IP, "203.0.113.7")
	b := mustNew(t, draft(steam, name), now)
	later := now.Add(time.Hour)
	reason := "alt account"
	exp := now.Add(48 * time.Hour)

	got, err := b.Apply(bans.Change{
		Reason: &reason, SetExpiry: true, ExpiresAt: &exp,
		Add:    []bans.Identity{{bans.IP, "::ffff:203.0.113.7"}, {bans.Steam, "STEAM_1:0:23071901"}},
		Remove: []bans.Identity{{bans.Name, "GRIEFER"}, {bans.Email, "not-on@the.ban"}},
		Actor:  "admin:bob",
	}, later)
	if err != nil {
		t.Fatal(err)
	}
	want := b.Clone()
	want.Reason, want.ExpiresAt, want.Identities = reason, &exp, []bans.Identity{steam, ip}
	want.UpdatedBy, want.UpdatedAt = "admin:bob", later
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Apply (-want +got):\n%s", d)
	}
	if len(b.Identities) != 2 || b.Identities[1] != name {
		t.Errorf("Apply changed the original: %v", b.Identities)
	}

	// Making it permanent again.
	perm, err := got.Apply(bans.Change{SetExpiry: true, Actor: "a"}, later)
	if err != nil || perm.ExpiresAt != nil {
		t.Errorf("SetExpiry nil = %v, %v; want permanent", perm.ExpiresAt, err)
	}

	for _, c := range []struct {
		name  string
		ch    bans.Change
		field string
	}{
		{"removing the last identity", bans.Change{Remove: []bans.Identity{steam, name}, Actor: "a"}, "remove"},
		{"empty reason", bans.Change{Reason: new(""), Actor: "a"}, "reason"},
		{"expiry in the past", bans.Change{SetExpiry: true, ExpiresAt: &now, Actor: "a"}, "expires_at"},
		{"bad identity named", bans.Change{Add: []bans.Identity{name, {bans.IP, "x"}}, Actor: "a"}, "add[1].ip"},
		{"no actor", bans.Change{Reason: &reason}, "actor"},
	} {
		_, err := b.Apply(c.ch, later)
		var ie *errs.InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: Apply = %v, want an InvalidError on %q", c.name, err, c.field)
		}
	}
	// Swapping the last identity for another is fine: one stays.
	one := mustNew(t, draft(steam), now)
	if got, err := one.Apply(bans.Change{Remove: []bans.Identity{steam}, Add: []bans.Identity{name}, Actor: "a"}, later); err != nil || len(got.Identities) != 1 || got.Identities[0] != name {
		t.Errorf("swap last identity = %v, %v", got.Identities, err)
	}
}

func TestUnban(t *testing.T) {
	b := mustNew(t, draft(bans.MustIdentity(bans.Name, "x")), now)
	later := now.Add(time.Hour)
	got, err := b.Unban("admin:bob", later)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Removed() || *got.RemovedAt != later || got.RemovedBy != "admin:bob" || got.UpdatedAt != later {
		t.Errorf("Unban = %+v", got)
	}
	if got.CreatedBy != "admin:alice" || got.Reason != "cheating" || len(got.Identities) != 1 {
		t.Errorf("Unban lost history: %+v", got)
	}
	for name, err := range map[string]error{
		"unban twice":         second(got.Unban("admin:bob", later)),
		"update after unban ": second(got.Apply(bans.Change{Reason: new("x"), Actor: "a"}, later)),
	} {
		var re *bans.RemovedError
		if !errors.As(err, &re) || re.ID != b.ID || !errors.Is(err, errs.ErrConflict) {
			t.Errorf("%s = %v, want *RemovedError matching ErrConflict", name, err)
		}
	}
	if _, err := b.Unban(" ", later); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Unban without actor = %v, want ErrInvalid", err)
	}
	// An expired ban may still be lifted, to record it.
	exp := now.Add(time.Minute)
	short := mustNew(t, bans.Draft{Reason: "r", ExpiresAt: &exp, Identities: []bans.Identity{{bans.Name, "y"}}, Actor: "a"}, now)
	if _, err := short.Unban("a", later); err != nil {
		t.Errorf("Unban expired = %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestBannedError(t *testing.T) {
	err := error(&bans.BannedError{IDs: []bans.ID{"ban_A", "ban_B"}})
	if !errors.Is(err, errs.ErrForbidden) || err.Error() != "banned: ban_A, ban_B" {
		t.Errorf("BannedError = %v", err)
	}
}

func TestActiveMatching(t *testing.T) {
	ip := bans.MustIdentity(bans.IP, "10.1.2.3")
	exp := now.Add(time.Hour)
	a := mustNew(t, draft(bans.MustIdentity(bans.IPRange, "10.0.0.0/8")), now)
	b := mustNew(t, draft(ip), now)
	c := mustNew(t, bans.Draft{Reason: "r", ExpiresAt: &exp, Identities: []bans.Identity{ip}, Actor: "a"}, now)
	d := mustNew(t, draft(bans.MustIdentity(bans.Name, "other")), now)
	all := []bans.Ban{a, b, c, d}
	if got := bans.IDs(bans.ActiveMatching(all, []bans.Identity{ip}, now)); !cmp.Equal(got, []bans.ID{a.ID, b.ID, c.ID}) {
		t.Errorf("every matching ban: %v", got)
	}
	if got := bans.IDs(bans.ActiveMatching(all, []bans.Identity{ip}, exp)); !cmp.Equal(got, []bans.ID{a.ID, b.ID}) {
		t.Errorf("at c's expiry: %v", got)
	}
}

// An edit form loaded before another change is refused, not applied over it.
func TestApplyStaleForm(t *testing.T) {
	b := mustNew(t, draft(bans.MustIdentity(bans.IP, "203.0.113.7")), now)
	loaded := b.UpdatedAt
	reason := "alt account"
	edited, err := b.Apply(bans.Change{Reason: &reason, Actor: "admin:bob", Loaded: &loaded}, now.Add(time.Minute))
	if err != nil {
		t.Fatalf("Apply with a fresh form = %v", err)
	}
	again := "other"
	if _, err := edited.Apply(bans.Change{Reason: &again, Actor: "admin:carol", Loaded: &loaded}, now.Add(2*time.Minute)); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Apply with a stale form = %v, want ErrConflict", err)
	}
	if _, err := edited.Apply(bans.Change{Reason: &again, Actor: "admin:carol"}, now.Add(2*time.Minute)); err != nil {
		t.Errorf("Apply without Loaded = %v, want the change applied", err)
	}
}
