package customer

import (
	"net/netip"
	"unicode/utf8"
)

// SearchQuery selects customers for the admin search by exactly one key.
// Results are ordered by ID, oldest first; After continues a list.
type SearchQuery struct {
	// NamePrefix matches customers whose folded name (FoldName) starts
	// with it; give it folded.
	NamePrefix string
	// Email matches customers who checked out with it; give it
	// normalised (NormalizeEmail).
	Email string
	// IP matches customers who checked out from it; give it normalised
	// (NormalizeIP).
	IP netip.Addr

	After ID  // the last ID of the previous page; "" for the first
	Limit int // at most this many; > 0
}

// NameKeyEnd returns the smallest string after every string that starts with
// prefix, for a backend that scans an ordered index of folded names from
// prefix up to it (byte order, as collate "C" sorts).
func NameKeyEnd(prefix string) string {
	return prefix + string(utf8.MaxRune)
}
