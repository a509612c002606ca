package storagetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/storage"
)

// testCustomerSearch checks customer.Store.Search: a folded-name prefix, a
// known email and a known IP each find their customers, by ID, a page at a
// time, and an update moves a customer's keys. Names, emails and IPs are
// random so tests sharing a database see only their own customers.
func testCustomerSearch(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	tag := ""
	for range 8 {
		tag += string(rune('a' + rand.IntN(26)))
	}
	email := tag + "@example.com"
	ip := netip.AddrFrom4([4]byte{10, byte(rand.IntN(256)), byte(rand.IntN(256)), byte(1 + rand.IntN(254))})
	ip6 := netip.MustParseAddr(fmt.Sprintf("2001:db8::%x:%x", rand.IntN(1<<16), rand.IntN(1<<16)))

	mk := func(name string) customer.Customer {
		c := newCustomer()
		c.ID = customer.NewID(now)
		c.Name = name
		return c
	}
	garry, garrett, bob := mk(tag+"Garry"), mk("ＧＡＲＲＥＴＴ"+tag), mk(tag+"Bob")
	garrett.Name = tag + "ＧＡＲＲＥＴＴ" // fullwidth: folds to "garrett"
	garry.KnownEmails = []string{email}
	garry.KnownIPs = []netip.Addr{ip, ip6}
	bob.KnownIPs = []netip.Addr{ip}
	update(t, b, func(tx storage.Tx) error {
		for _, c := range []customer.Customer{garry, garrett, bob} {
			if err := tx.Customers().Create(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})

	search := func(q customer.SearchQuery) []customer.ID {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 10
		}
		var ids []customer.ID
		view(t, b, func(tx storage.Tx) error {
			found, err := tx.Customers().Search(ctx, q)
			for _, c := range found {
				ids = append(ids, c.ID)
			}
			return err
		})
		return ids
	}
	check := func(what string, got []customer.ID, want ...customer.ID) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	gar := customer.FoldName(tag + "GAR")
	check("name prefix", search(customer.SearchQuery{NamePrefix: gar}), garry.ID, garrett.ID)
	check("whole folded name", search(customer.SearchQuery{NamePrefix: customer.FoldName(tag + "garrett")}), garrett.ID)
	check("page 1", search(customer.SearchQuery{NamePrefix: gar, Limit: 1}), garry.ID)
	check("page 2", search(customer.SearchQuery{NamePrefix: gar, Limit: 1, After: garry.ID}), garrett.ID)
	check("page 3", search(customer.SearchQuery{NamePrefix: gar, Limit: 1, After: garrett.ID}))
	check("no such name", search(customer.SearchQuery{NamePrefix: tag + "zz"}))
	check("email", search(customer.SearchQuery{Email: email}), garry.ID)
	check("IP", search(customer.SearchQuery{IP: ip}), garry.ID, bob.ID)
	check("IPv6", search(customer.SearchQuery{IP: ip6}), garry.ID)
	check("IP after", search(customer.SearchQuery{IP: ip, After: garry.ID}), bob.ID)

	// A rename and a new checkout move the keys.
	bob.Name = tag + "Garfield"
	bob.KnownEmails = []string{email}
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Update(ctx, bob) })
	check("after rename", search(customer.SearchQuery{NamePrefix: gar}), garry.ID, garrett.ID, bob.ID)
	check("old name", search(customer.SearchQuery{NamePrefix: customer.FoldName(tag + "bob")}))
	check("email after update", search(customer.SearchQuery{Email: email}), garry.ID, bob.ID)

	// A rolled-back create is not found.
	ghost := mk(tag + "Garbage")
	if err := b.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Customers().Create(ctx, ghost); err != nil {
			return err
		}
		return errRollback
	}); err != errRollback {
		t.Fatalf("rolled-back Update = %v", err)
	}
	check("after rollback", search(customer.SearchQuery{NamePrefix: gar}), garry.ID, garrett.ID, bob.ID)
}
