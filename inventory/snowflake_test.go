package inventory_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// snowflakeAt returns the smallest snowflake made at t.
func snowflakeAt(t time.Time) string {
	return strconv.FormatUint(uint64(t.Sub(inventory.DiscordEpoch).Milliseconds())<<22, 10)
}

func TestParseSnowflake(t *testing.T) {
	for _, tc := range []struct {
		in   string
		time time.Time
	}{
		// Discord's documentation example.
		{"175928847299117063", time.Date(2016, 4, 30, 11, 18, 25, 796_000_000, time.UTC)},
		// The smallest 17-digit ID: already after 2015-01-01.
		{"10000000000000000", inventory.DiscordEpoch.Add(2384185791 * time.Millisecond)},
		{snowflakeAt(testNow), testNow},
		{snowflakeAt(testNow.Add(inventory.SnowflakeSkew)), testNow.Add(inventory.SnowflakeSkew)},
	} {
		got, err := inventory.ParseSnowflake(tc.in, testNow)
		if err != nil {
			t.Errorf("ParseSnowflake(%q) = %v", tc.in, err)
			continue
		}
		if got.String() != tc.in || !got.Time().Equal(tc.time) {
			t.Errorf("ParseSnowflake(%q) = %s at %v, want %s at %v", tc.in, got, got.Time(), tc.in, tc.time)
		}
	}
}

func TestParseSnowflakeRejects(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"16 digits", "1759288472991170"},
		{"21 digits", "175928847299117063000"},
		{"non-digits", "17592884729911706x"},
		{"sign", "+75928847299117063"},
		{"spaces", " 175928847299117063"},
		{"mention form", "<@175928847299117063>"},
		// With leading zeros the value is a timestamp at or just after the
		// epoch: not a 2015+ Discord ID.
		{"before 2015 (leading zeros)", "00000000000000000"},
		{"leading zero", "0175928847299117063"},
		{"overflows uint64", "18446744073709551616"},
		{"extra digit lands in the future", "1759288472991170630"},
		{"just past the skew", snowflakeAt(testNow.Add(inventory.SnowflakeSkew + time.Millisecond))},
	} {
		if got, err := inventory.ParseSnowflake(tc.in, testNow); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("%s: ParseSnowflake(%q) = %v, %v; want ErrInvalid", tc.name, tc.in, got, err)
		}
	}
}

func FuzzParseSnowflake(f *testing.F) {
	for _, s := range []string{
		"175928847299117063", "10000000000000000", "18446744073709551615", "18446744073709551616",
		"00000000000000000", "1759288472991170", "abc", "", "٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣", snowflakeAt(testNow),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := inventory.ParseSnowflake(s, testNow)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("ParseSnowflake(%q) error %v does not match ErrInvalid", s, err)
			}
			return
		}
		if id.String() != s {
			t.Fatalf("ParseSnowflake(%q) accepted a non-canonical form of %s", s, id)
		}
		if len(s) < 17 || len(s) > 20 {
			t.Fatalf("ParseSnowflake(%q) accepted %d digits", s, len(s))
		}
		if !id.Time().After(inventory.DiscordEpoch) || id.Time().After(testNow.Add(inventory.SnowflakeSkew)) {
			t.Fatalf("ParseSnowflake(%q) accepted timestamp %v", s, id.Time())
		}
	})
}
