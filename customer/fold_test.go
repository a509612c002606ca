package customer_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
)

// Look-alike names compare equal to what they imitate; names are still
// kept as entered.
func TestFoldNameLookalikes(t *testing.T) {
	for variant, of := range map[string]string{
		"Garry\u034F": "Garry", "Garry\uFE0F": "Garry", "Garry\u3164": "Garry", "Ｇａｒｒｙ": "garry",
		"Jose\u0301": "José", "ΣΟΦΟΣ": "σοφος", "STRASSE": "straße",
	} {
		if customer.FoldName(variant) != customer.FoldName(of) {
			t.Errorf("FoldName(%+q) = %+q, FoldName(%+q) = %+q; want equal", variant, customer.FoldName(variant), of, customer.FoldName(of))
		}
		name, err := customer.CheckName(customer.Steam, variant)
		if err != nil || name != variant {
			t.Errorf("CheckName(%+q) = %+q, %v; want it as entered", variant, name, err)
		}
	}
}

// A name with nothing visible in it is no name.
func TestCheckNameRefusesInvisible(t *testing.T) {
	for _, s := range []string{"\u3164", "\u3164\u3164", "\u034F", "\uFE0F\u115F", "\uFFA0"} {
		if got, err := customer.CheckName(customer.Steam, s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("CheckName(%+q) = %+q, %v; want ErrInvalid", s, got, err)
		}
	}
}

func TestParseEmailLookalikes(t *testing.T) {
	for in, want := range map[string]string{
		"bob@example.com.":        "bob@example.com",
		"ｂｏｂ@example.com":         "bob@example.com",
		"ＢＯＢ＠ＥＸＡＭＰＬＥ．ＣＯＭ":         "bob@example.com",
		"bob\u200B@example.com":   "bob@example.com",
		"STRASSE@example.com":     "strasse@example.com",
		"straße@example.com":      "strasse@example.com",
		" Bob@Example.COM. ":      "bob@example.com",
		"bob@example.com\uFE0F.":  "bob@example.com",
		"jose\u0301@example.com.": "josé@example.com",
	} {
		got, err := customer.ParseEmail(in)
		if err != nil || got != want {
			t.Errorf("ParseEmail(%+q) = %+q, %v; want %+q", in, got, err, want)
		}
		if n := customer.NormalizeEmail(in); n != want {
			t.Errorf("NormalizeEmail(%+q) = %+q, want %+q", in, n, want)
		}
	}
	for _, in := range []string{"bob@.", "bob@\u3164", "\u200B@example.com", "bob@example.com\u00a0x"} {
		if got, err := customer.ParseEmail(in); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseEmail(%+q) = %+q, %v; want ErrInvalid", in, got, err)
		}
	}
}

// Checkout addresses are known once, whatever their spelling.
func TestRecordCheckoutFoldsEmails(t *testing.T) {
	var c customer.Customer
	for _, e := range []string{"bob@example.com", "BOB@example.com.", "ｂｏｂ@example.com", "bob\u034F@example.com"} {
		c.RecordCheckout(netip.Addr{}, e)
	}
	if d := cmp.Diff([]string{"bob@example.com"}, c.KnownEmails); d != "" {
		t.Errorf("KnownEmails (-want +got):\n%s", d)
	}
}
