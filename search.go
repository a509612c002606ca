package playerbase

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/storage"
)

// CustomerSearchParams is a search of the admin's Customers page.
type CustomerSearchParams struct {
	// Query is what the staff member typed. It is read as, in this order:
	// a customer ID (cus_…) or an order ID (ord_…); a platform ID in any
	// form a platform accepts (SteamID64, STEAM_X:Y:Z, [U:1:W], a UUID
	// with or without dashes, a XUID); an email address; an IP address;
	// otherwise the start of a name, compared folded (Ｇａｒｒｙ finds
	// Garry).
	Query  string
	Cursor customer.ID // the NextCursor of the previous page
	Limit  int         // ≤ 0: DefaultSearchPage; at most MaxSearchPage
}

// Page sizes for CustomerSearch.
const (
	DefaultSearchPage = 25
	MaxSearchPage     = 200
)

// How CustomerSearch read a query (CustomerSearchPage.Matched).
const (
	MatchedCustomerID = "customer ID"
	MatchedOrderID    = "order ID"
	MatchedPlatformID = "platform ID"
	MatchedEmail      = "email"
	MatchedIP         = "IP"
	MatchedName       = "name"
)

// CustomerSearchResult is one customer found, with the bans active now that
// match them (the search list marks banned customers).
type CustomerSearchResult struct {
	Customer customer.Customer
	Bans     []bans.ID
}

// CustomerSearchPage is one page of a search, by customer ID. NextCursor is
// "" on the last page.
type CustomerSearchPage struct {
	Results    []CustomerSearchResult
	NextCursor customer.ID
	// Matched says how the query was read, e.g. MatchedPlatformID.
	Matched string
}

// maxQuery bounds a search query; no key it can match is longer.
const maxQuery = 320

// CustomerSearch finds customers for the admin's Customers page, in one
// read-only transaction. An empty query is an *errs.InvalidError for
// "q"; a query that names nothing finds nothing.
func (c *Client) CustomerSearch(ctx context.Context, p CustomerSearchParams) (page CustomerSearchPage, err error) {
	q := strings.TrimSpace(p.Query)
	if q == "" || len(q) > maxQuery {
		return CustomerSearchPage{}, errs.Invalid("q", q, "type 1 to 320 characters")
	}
	if p.Cursor != "" {
		if p.Cursor, err = customer.ParseID(string(p.Cursor)); err != nil {
			return CustomerSearchPage{}, err
		}
	}
	want := pageSize(p.Limit, DefaultSearchPage, MaxSearchPage)
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		found, matched, err := searchCustomers(ctx, tx, q, p.Cursor, want+1)
		if err != nil {
			return err
		}
		found, page.NextCursor = cutPage(found, want, func(c customer.Customer) customer.ID { return c.ID })
		page.Matched = matched
		for _, cust := range found {
			active, err := activeBansFor(ctx, tx, cust, now)
			if err != nil {
				return err
			}
			page.Results = append(page.Results, CustomerSearchResult{Customer: cust, Bans: bans.IDs(active)})
		}
		return nil
	})
	if err != nil {
		return CustomerSearchPage{}, err
	}
	return page, nil
}

// searchCustomers reads q as the first kind of key it parses as and returns
// up to limit customers after cursor.
func searchCustomers(ctx context.Context, tx storage.Tx, q string, after customer.ID, limit int) ([]customer.Customer, string, error) {
	one := func(cust customer.Customer, err error, matched string) ([]customer.Customer, string, error) {
		switch {
		case errors.Is(err, errs.ErrNotFound):
			return nil, matched, nil
		case err != nil:
			return nil, "", err
		case cust.ID <= after:
			return nil, matched, nil
		}
		return []customer.Customer{cust}, matched, nil
	}
	if id, err := customer.ParseID(q); err == nil {
		cust, err := tx.Customers().Get(ctx, id)
		return one(cust, err, MatchedCustomerID)
	}
	if id, err := orders.ParseID(q); err == nil {
		o, err := tx.Orders().Get(ctx, id)
		if err != nil {
			return one(customer.Customer{}, err, MatchedOrderID)
		}
		cust, err := tx.Customers().Get(ctx, o.Customer)
		return one(cust, err, MatchedOrderID)
	}
	// A platform ID: Steam's forms and Java UUIDs cannot be mistaken for
	// each other; a run of digits that is no SteamID64 may be a XUID.
	var found []customer.Customer
	for _, pl := range []customer.Platform{customer.Steam, customer.MinecraftJava, customer.MinecraftBedrock} {
		pid, err := customer.ParsePlatformID(pl, q)
		if err != nil {
			continue
		}
		cust, err := tx.Customers().GetByPlatformID(ctx, pid)
		if errors.Is(err, errs.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		if cust.ID > after {
			found = append(found, cust)
		}
	}
	if len(found) > 0 || looksLikePlatformID(q) {
		return found, MatchedPlatformID, nil
	}
	query := customer.SearchQuery{After: after, Limit: limit}
	matched := MatchedName
	if strings.Contains(q, "@") {
		email, err := customer.ParseEmail(q)
		if err != nil {
			return nil, "", err
		}
		query.Email, matched = email, MatchedEmail
	} else if ip, err := netip.ParseAddr(q); err == nil {
		query.IP, matched = customer.NormalizeIP(ip), MatchedIP
	} else if query.NamePrefix = customer.FoldName(q); query.NamePrefix == "" {
		return nil, MatchedName, nil
	}
	found, err := tx.Customers().Search(ctx, query)
	return found, matched, err
}

// looksLikePlatformID reports whether q parses as some platform's ID, so a
// search for an unknown one says "platform ID" rather than look for a name.
func looksLikePlatformID(q string) bool {
	for _, pl := range []customer.Platform{customer.Steam, customer.MinecraftJava, customer.MinecraftBedrock} {
		if _, err := customer.ParsePlatformID(pl, q); err == nil {
			return true
		}
	}
	return false
}
