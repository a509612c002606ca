package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
)

// Fresh identities, unique per call, so tests sharing a database only see
// their own bans through them.
func newEmail() bans.Identity {
	return bans.MustIdentity(bans.Email, fmt.Sprintf("p%d@example.com", rand.Uint64()))
}

func newBanName() bans.Identity {
	return bans.MustIdentity(bans.Name, fmt.Sprintf("n%d", rand.Uint64N(1e15)))
}

// newV6Range returns a random /64 in 2001:db8::/32 and an address inside it.
func newV6Range() (bans.Identity, bans.Identity) {
	hi := uint64(0x20010db8)<<32 | rand.Uint64N(1<<32)
	var b [16]byte
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
	}
	b[15] = 7
	ip := netip.AddrFrom16(b)
	p := netip.PrefixFrom(ip, 64).Masked()
	return bans.MustIdentity(bans.IPRange, p.String()), bans.MustIdentity(bans.IP, ip.String())
}

func newBan(ids ...bans.Identity) bans.Ban {
	return bans.Ban{
		ID: bans.NewID(now), Reason: "cheating", Identities: ids,
		CreatedBy: "admin:test", CreatedAt: now, UpdatedBy: "admin:test", UpdatedAt: now,
	}
}

// mine keeps the bans among got whose IDs are in want's, in got's order:
// a shared database holds other tests' bans too.
func mine(got []bans.Ban, want ...bans.Ban) []bans.ID {
	var out []bans.ID
	for _, b := range got {
		if slices.ContainsFunc(want, func(w bans.Ban) bool { return w.ID == b.ID }) {
			out = append(out, b.ID)
		}
	}
	return out
}

func testBans(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	create := func(t *testing.T, b storage.Backend, bs ...bans.Ban) {
		t.Helper()
		update(t, b, func(tx storage.Tx) error {
			for _, x := range bs {
				if err := tx.Bans().Create(ctx, x); err != nil {
					return err
				}
			}
			return nil
		})
	}
	get := func(t *testing.T, b storage.Backend, id bans.ID) (got bans.Ban) {
		t.Helper()
		view(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Bans().Get(ctx, id)
			return err
		})
		return got
	}
	list := func(t *testing.T, b storage.Backend, p bans.ListParams) (got []bans.Ban) {
		t.Helper()
		view(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Bans().List(ctx, p)
			return err
		})
		return got
	}
	matching := func(t *testing.T, b storage.Backend, ids ...bans.Identity) (got []bans.Ban) {
		t.Helper()
		view(t, b, func(tx storage.Tx) (err error) {
			got, err = tx.Bans().Matching(ctx, ids)
			return err
		})
		return got
	}

	t.Run("CreateGet", func(t *testing.T) {
		b := newBackend(t)
		r, _ := newV6Range()
		ban := newBan(newEmail(), newBanName(), r, bans.SteamIdentity(uint64(76561197960265728)+rand.Uint64N(1<<31)+1))
		exp := now.Add(72 * time.Hour)
		ban.ExpiresAt = &exp
		create(t, b, ban)
		if d := cmp.Diff(ban, get(t, b, ban.ID), cmpOpts...); d != "" {
			t.Errorf("Get (-want +got):\n%s", d)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		b := newBackend(t)
		err := b.View(ctx, func(tx storage.Tx) error { _, err := tx.Bans().Get(ctx, bans.NewID(now)); return err })
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Get unknown = %v, want ErrNotFound", err)
		}
		err = b.Update(ctx, func(tx storage.Tx) error { return tx.Bans().Update(ctx, newBan(newEmail())) })
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Update unknown = %v, want ErrNotFound", err)
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		b := newBackend(t)
		ban := newBan(newEmail())
		create(t, b, ban)
		err := b.Update(ctx, func(tx storage.Tx) error { return tx.Bans().Create(ctx, ban) })
		if !errors.Is(err, errs.ErrConflict) {
			t.Errorf("Create twice = %v, want ErrConflict", err)
		}
	})

	t.Run("UpdateReplaces", func(t *testing.T) {
		b := newBackend(t)
		kept, dropped, added := newEmail(), newBanName(), newBanName()
		ban := newBan(kept, dropped)
		create(t, b, ban)
		later := now.Add(time.Hour)
		ban.Identities = []bans.Identity{kept, added}
		ban.Reason, ban.UpdatedBy, ban.UpdatedAt = "alt account", "admin:other", later
		ban.RemovedBy, ban.RemovedAt = "admin:other", &later
		update(t, b, func(tx storage.Tx) error { return tx.Bans().Update(ctx, ban) })
		if d := cmp.Diff(ban, get(t, b, ban.ID), cmpOpts...); d != "" {
			t.Errorf("Get after Update (-want +got):\n%s", d)
		}
		// Removed: gone from Matching, still listed.
		if got := mine(matching(t, b, kept, added), ban); len(got) != 0 {
			t.Errorf("Matching finds a removed ban: %v", got)
		}
		if got := mine(list(t, b, bans.ListParams{Type: bans.Email, Value: kept.Value, State: bans.StateRemoved, Now: later}), ban); len(got) != 1 {
			t.Errorf("removed ban not listed as removed: %v", got)
		}
	})

	t.Run("UpdateMovesIdentities", func(t *testing.T) {
		b := newBackend(t)
		kept, dropped, added := newEmail(), newBanName(), newBanName()
		ban := newBan(kept, dropped)
		create(t, b, ban)
		ban.Identities = []bans.Identity{kept, added}
		update(t, b, func(tx storage.Tx) error { return tx.Bans().Update(ctx, ban) })
		for _, c := range []struct {
			id   bans.Identity
			want int
		}{{kept, 1}, {dropped, 0}, {added, 1}} {
			if got := mine(matching(t, b, c.id), ban); len(got) != c.want {
				t.Errorf("Matching(%v) = %v, want %d of this test's bans", c.id, got, c.want)
			}
			if got := mine(list(t, b, bans.ListParams{Type: c.id.Type, Value: c.id.Value}), ban); len(got) != c.want {
				t.Errorf("List(%v) = %v, want %d of this test's bans", c.id, got, c.want)
			}
		}
	})

	t.Run("ListPagesAndFilters", func(t *testing.T) {
		b := newBackend(t)
		shared := newEmail()
		uuid := bans.MustIdentity(bans.MinecraftUUID, fmt.Sprintf("%032x", rand.Uint64()|1<<63))
		var all []bans.Ban // oldest first
		for i := range 5 {
			ban := newBan(shared)
			if i%2 == 0 {
				ban.Identities = append(ban.Identities, uuid)
			}
			all = append(all, ban)
		}
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		all[1].ExpiresAt = &past // expired
		all[2].ExpiresAt = &now  // over at now exactly
		all[3].ExpiresAt = &future
		all[4].RemovedAt, all[4].RemovedBy = &past, "admin:test"
		create(t, b, all...)
		ids := func(bs ...bans.Ban) []bans.ID {
			out := bans.IDs(bs)
			slices.Reverse(out) // newest first
			return out
		}

		// Pages of 2 over this test's bans, newest first, cover them once.
		var paged []bans.ID
		p := bans.ListParams{Type: bans.Email, Value: shared.Value, Limit: 2}
		for range 10 {
			page := list(t, b, p)
			if len(page) > 2 {
				t.Fatalf("page of %d bans, limit 2", len(page))
			}
			paged = append(paged, bans.IDs(page)...)
			if len(page) < 2 {
				break
			}
			p.Cursor = page[len(page)-1].ID
		}
		if d := cmp.Diff(ids(all...), paged); d != "" {
			t.Errorf("paged listing (-want +got):\n%s", d)
		}

		for _, c := range []struct {
			state bans.State
			want  []bans.ID
		}{
			{bans.StateAny, ids(all...)},
			{bans.StateActive, ids(all[0], all[3])},
			{bans.StateExpired, ids(all[1], all[2])},
			{bans.StateRemoved, ids(all[4])},
		} {
			got := bans.IDs(list(t, b, bans.ListParams{Type: bans.Email, Value: shared.Value, State: c.state, Now: now}))
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("List state %q (-want +got):\n%s", c.state, d)
			}
		}
		// Filter by type only: other tests' bans may show up, ours without
		// a UUID must not.
		got := mine(list(t, b, bans.ListParams{Type: bans.MinecraftUUID}), all...)
		if d := cmp.Diff(ids(all[0], all[2], all[4]), got); d != "" {
			t.Errorf("List by type (-want +got):\n%s", d)
		}
		got = bans.IDs(list(t, b, bans.ListParams{Type: bans.MinecraftUUID, Value: uuid.Value, State: bans.StateActive, Now: now}))
		if d := cmp.Diff(ids(all[0]), got); d != "" {
			t.Errorf("List by type, value and state (-want +got):\n%s", d)
		}
	})

	t.Run("Matching", func(t *testing.T) {
		b := newBackend(t)
		r6, in6 := newV6Range()
		v4 := netip.AddrFrom4([4]byte{10, byte(rand.N(256)), byte(rand.N(256)), 0})
		r4 := bans.MustIdentity(bans.IPRange, v4.String()+"/24")
		in4 := bans.MustIdentity(bans.IP, v4.Next().String())
		out4 := bans.MustIdentity(bans.IP, netip.AddrFrom4([4]byte{11, v4.As4()[1], v4.As4()[2], 1}).String())
		email, name := newEmail(), newBanName()
		past := now.Add(-time.Hour)
		byEmail := newBan(email)
		byRange4 := newBan(r4, name)
		byRange6 := newBan(r6)
		expired := newBan(email)
		expired.ExpiresAt = &past
		removed := newBan(email)
		removed.RemovedAt, removed.RemovedBy = &past, "admin:test"
		all := []bans.Ban{byEmail, byRange4, byRange6, expired, removed}
		create(t, b, all...)

		for _, c := range []struct {
			name string
			ids  []bans.Identity
			want []bans.ID
		}{
			{"exact, expired kept, removed dropped", []bans.Identity{email}, []bans.ID{expired.ID, byEmail.ID}},
			{"IPv4 in range", []bans.Identity{in4}, []bans.ID{byRange4.ID}},
			{"IPv4 outside range", []bans.Identity{out4}, nil},
			{"IPv6 in range", []bans.Identity{in6}, []bans.ID{byRange6.ID}},
			{"range itself", []bans.Identity{r4}, []bans.ID{byRange4.ID}},
			{"each ban once", []bans.Identity{in4, name, email}, []bans.ID{expired.ID, byRange4.ID, byEmail.ID}},
			{"none", []bans.Identity{newEmail()}, nil},
		} {
			got := mine(matching(t, b, c.ids...), all...)
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("%s: Matching (-want +got):\n%s", c.name, d)
			}
		}
	})

	// Names and emails are stored as the folded keys bans.ParseIdentity
	// makes (non-ASCII, NFC) and found again, byte for byte, through the
	// key of any look-alike: fullwidth, decomposed, upper-case, with
	// fillers, with a trailing domain dot.
	t.Run("FoldedKeys", func(t *testing.T) {
		b := newBackend(t)
		n := rand.Uint64N(1e9)
		banned := []bans.Identity{
			bans.MustIdentity(bans.Name, fmt.Sprintf("José%d", n)),
			bans.MustIdentity(bans.Name, fmt.Sprintf("σοφος%d", n)),
			bans.MustIdentity(bans.Email, fmt.Sprintf("straße%d@example.com", n)),
		}
		lookalikes := []bans.Identity{
			bans.MustIdentity(bans.Name, fmt.Sprintf("Jose\u0301%d\u3164", n)),
			bans.MustIdentity(bans.Name, fmt.Sprintf("ΣΟΦΟΣ%d", n)),
			bans.MustIdentity(bans.Email, fmt.Sprintf("ＳＴＲＡＳＳＥ%d@EXAMPLE.COM.", n)),
		}
		var all []bans.Ban
		for _, x := range banned {
			all = append(all, newBan(x))
		}
		create(t, b, all...)
		for i, x := range lookalikes {
			if x != banned[i] {
				t.Fatalf("look-alike %d parsed to %v, not to the banned %v", i, x, banned[i])
			}
			if got := mine(matching(t, b, x), all...); !cmp.Equal(got, []bans.ID{all[i].ID}) {
				t.Errorf("Matching(%v) = %v, want %v", x, got, all[i].ID)
			}
			p := bans.ListParams{Type: x.Type, Value: x.Value}
			if got := mine(list(t, b, p), all...); !cmp.Equal(got, []bans.ID{all[i].ID}) {
				t.Errorf("List(%v) = %v, want %v", x, got, all[i].ID)
			}
			if d := cmp.Diff(banned[i:i+1], get(t, b, all[i].ID).Identities); d != "" {
				t.Errorf("stored identities (-want +got):\n%s", d)
			}
		}
	})

	t.Run("NestedRangesOfManyLengths", func(t *testing.T) {
		b := newBackend(t)
		x, y := byte(rand.N(256)), byte(rand.N(256))
		r16 := bans.MustIdentity(bans.IPRange, fmt.Sprintf("10.%d.0.0/16", x))
		r24 := bans.MustIdentity(bans.IPRange, fmt.Sprintf("10.%d.%d.0/24", x, y))
		r32 := bans.MustIdentity(bans.IPRange, fmt.Sprintf("10.%d.%d.7/32", x, y))
		r6, in6 := newV6Range()
		host6 := bans.MustIdentity(bans.IPRange, in6.Value+"/128")
		wide, mid, narrow, v6, v6host := newBan(r16), newBan(r24), newBan(r32), newBan(r6), newBan(host6)
		all := []bans.Ban{wide, mid, narrow, v6, v6host}
		create(t, b, all...)
		ip := func(s string) bans.Identity { return bans.MustIdentity(bans.IP, s) }
		for _, c := range []struct {
			q    bans.Identity
			want []bans.ID
		}{
			{ip(fmt.Sprintf("10.%d.%d.7", x, y)), []bans.ID{narrow.ID, mid.ID, wide.ID}},
			{ip(fmt.Sprintf("::ffff:10.%d.%d.8", x, y)), []bans.ID{mid.ID, wide.ID}},
			{ip(fmt.Sprintf("10.%d.%d.8", x, y+1)), []bans.ID{wide.ID}},
			{in6, []bans.ID{v6host.ID, v6.ID}},
		} {
			if d := cmp.Diff(c.want, mine(matching(t, b, c.q), all...)); d != "" {
				t.Errorf("Matching(%v) (-want +got):\n%s", c.q, d)
			}
		}
		// A range taken off its ban stops matching; the ban keeps no
		// ip_range, so a listing by that type leaves it out.
		mid.Identities = []bans.Identity{newEmail()}
		update(t, b, func(tx storage.Tx) error { return tx.Bans().Update(ctx, mid) })
		if d := cmp.Diff([]bans.ID{narrow.ID, wide.ID}, mine(matching(t, b, ip(fmt.Sprintf("10.%d.%d.7", x, y))), all...)); d != "" {
			t.Errorf("Matching after the /24 was dropped (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]bans.ID{v6host.ID, v6.ID, narrow.ID, wide.ID}, mine(list(t, b, bans.ListParams{Type: bans.IPRange}), all...)); d != "" {
			t.Errorf("List by ip_range after the /24 was dropped (-want +got):\n%s", d)
		}
	})

	t.Run("ReturnsCopies", func(t *testing.T) {
		b := newBackend(t)
		email := newEmail()
		exp := now.Add(time.Hour)
		ban := newBan(email, newBanName())
		ban.ExpiresAt = new(exp)
		create(t, b, ban)
		ban.Identities[0] = newEmail()
		*ban.ExpiresAt = now
		got := get(t, b, ban.ID)
		if got.Identities[0] != email || !got.ExpiresAt.Equal(exp) {
			t.Fatalf("stored ban changed through the caller's copy: %v %v", got.Identities[0], got.ExpiresAt)
		}
		got.Identities[0] = newEmail()
		*got.ExpiresAt = now
		if again := get(t, b, ban.ID); again.Identities[0] != email || !again.ExpiresAt.Equal(exp) {
			t.Errorf("stored ban changed through a Get result")
		}
		list(t, b, bans.ListParams{Type: bans.Email, Value: email.Value})[0].Identities[0] = newEmail()
		if again := get(t, b, ban.ID); again.Identities[0] != email {
			t.Errorf("stored ban changed through a List result")
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		b := newBackend(t)
		email, dropped, added := newEmail(), newBanName(), newBanName()
		kept := newBan(email, dropped)
		create(t, b, kept)
		fresh := newBan(email)
		err := b.Update(ctx, func(tx storage.Tx) error {
			if err := tx.Bans().Create(ctx, fresh); err != nil {
				return err
			}
			changed := kept.Clone()
			changed.Identities = []bans.Identity{email, added}
			changed.Reason = "changed"
			if err := tx.Bans().Update(ctx, changed); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Update = %v, want errRollback", err)
		}
		err = b.View(ctx, func(tx storage.Tx) error { _, err := tx.Bans().Get(ctx, fresh.ID); return err })
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("rolled-back ban: Get = %v, want ErrNotFound", err)
		}
		if d := cmp.Diff(kept, get(t, b, kept.ID), cmpOpts...); d != "" {
			t.Errorf("rolled-back update kept (-want +got):\n%s", d)
		}
		if got := mine(matching(t, b, email), kept, fresh); !slices.Equal(got, []bans.ID{kept.ID}) {
			t.Errorf("Matching(email) after rollback = %v, want only %s", got, kept.ID)
		}
		if got := mine(matching(t, b, dropped), kept); len(got) != 1 {
			t.Errorf("Matching(dropped) after rollback = %v, want the kept ban", got)
		}
		if got := mine(matching(t, b, added), kept); len(got) != 0 {
			t.Errorf("Matching(added) after rollback = %v, want none", got)
		}
		if got := mine(list(t, b, bans.ListParams{}), kept, fresh); !slices.Equal(got, []bans.ID{kept.ID}) {
			t.Errorf("List after rollback = %v, want only %s", got, kept.ID)
		}
		if got := mine(list(t, b, bans.ListParams{Type: bans.Name}), kept); len(got) != 1 {
			t.Errorf("List by name after rollback = %v, want the kept ban", got)
		}
	})
}
