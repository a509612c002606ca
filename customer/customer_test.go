package customer_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

func TestParseEmail(t *testing.T) {
	for in, want := range map[string]string{
		"name@example.com":       "name@example.com",
		"  Name@Example.COM\n":   "name@example.com",
		"first.last+tag@a.b":     "first.last+tag@a.b",
		"ÜSER@bücher.example":    "üser@bücher.example",
		"x@localhost":            "x@localhost",
		"quoted\"local\"@exa.mp": "quoted\"local\"@exa.mp",
	} {
		got, err := customer.ParseEmail(in)
		if err != nil || got != want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "@", "name", "name@", "@example.com", "a@b@c", "a b@c.d", "a@b\tc", "<a@b.c>",
		"a\x00@b.c", "a\vb@c.d", "a\u00a0b@c.d", "a\xff@b.c", "a@" + strings.Repeat("b", 253),
	} {
		if got, err := customer.ParseEmail(in); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseEmail(%q) = %q, %v; want ErrInvalid", in, got, err)
		}
	}
}

func TestParseIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		" 203.0.113.7 ":           "203.0.113.7",
		"::ffff:203.0.113.7":      "203.0.113.7",
		"::FFFF:cb00:7107":        "203.0.113.7",
		"2001:DB8::1":             "2001:db8::1",
		"fe80::1%eth0":            "fe80::1",
		"::ffff:203.0.113.7%eth0": "203.0.113.7",
	} {
		got, err := customer.ParseIP(in)
		if err != nil || got != netip.MustParseAddr(want) {
			t.Errorf("ParseIP(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.2.3", "1.2.3.256", "203.0.113.0/24", "example.com", "01.2.3.4", "[::1]"} {
		if got, err := customer.ParseIP(in); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseIP(%q) = %v, %v; want ErrInvalid", in, got, err)
		}
	}
}

func TestRecordCheckoutNormalisesAndDedupes(t *testing.T) {
	var c customer.Customer
	if !c.RecordCheckout(netip.MustParseAddr("::ffff:198.51.100.1"), " Buyer@Example.com ") {
		t.Fatal("first checkout reported no change")
	}
	if c.RecordCheckout(netip.MustParseAddr("198.51.100.1"), "buyer@example.COM") {
		t.Error("the same IP and email in another form counted as new")
	}
	if c.RecordCheckout(netip.Addr{}, "") {
		t.Error("a checkout with neither IP nor email changed the customer")
	}
	c.RecordCheckout(netip.MustParseAddr("fe80::1%eth0"), "")
	want := customer.Customer{
		KnownIPs:    []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("fe80::1")},
		KnownEmails: []string{"buyer@example.com"},
	}
	if diff := cmp.Diff(want, c, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("customer after checkouts (-want +got):\n%s", diff)
	}
}

func TestRecordCheckoutBound(t *testing.T) {
	var c customer.Customer
	const n = customer.MaxKnown + 10
	for i := range n {
		c.RecordCheckout(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), fmt.Sprintf("u%d@example.com", i))
	}
	if len(c.KnownIPs) != customer.MaxKnown || len(c.KnownEmails) != customer.MaxKnown {
		t.Fatalf("kept %d IPs and %d emails, want %d each", len(c.KnownIPs), len(c.KnownEmails), customer.MaxKnown)
	}
	// The oldest made room; the rest keep first-seen order.
	for i := range customer.MaxKnown {
		seen := n - customer.MaxKnown + i
		if c.KnownIPs[i] != netip.AddrFrom4([4]byte{10, 0, 0, byte(seen)}) || c.KnownEmails[i] != fmt.Sprintf("u%d@example.com", seen) {
			t.Fatalf("entry %d = %v, %s; want checkout %d", i, c.KnownIPs[i], c.KnownEmails[i], seen)
		}
	}
}

func TestCloneSharesNothing(t *testing.T) {
	c := customer.Customer{KnownIPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, KnownEmails: []string{"a@b.c"}}
	d := c.Clone()
	d.KnownIPs[0] = netip.MustParseAddr("10.0.0.2")
	d.KnownEmails[0] = "x@y.z"
	if c.KnownIPs[0] != netip.MustParseAddr("10.0.0.1") || c.KnownEmails[0] != "a@b.c" {
		t.Error("Clone shares slices with the original")
	}
}

func TestIDs(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	id := customer.NewID(now)
	if !strings.HasPrefix(string(id), "cus_") {
		t.Errorf("NewID = %q, want a cus_ prefix", id)
	}
	if got, err := customer.ParseID(string(id)); err != nil || got != id {
		t.Errorf("ParseID(%q) = %q, %v", id, got, err)
	}
	if _, err := customer.ParseID("tok_01ARZ3NDEKTSV4RRFFQ69G5FAV"); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("ParseID(tok_…) = %v, want ErrInvalid", err)
	}
}
