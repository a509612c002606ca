package sqlite

import (
	"context"
	"strings"

	"github.com/playerbase/playerbase/customer"
)

// Search answers an email or IP in SQL over the JSON arrays of known
// emails and IPs, and a name prefix by folding the names in Go (SQLite
// cannot fold them), in ID order, stopping at the limit. Both read every
// customer after the cursor in the worst case: no index serves them yet.
func (t customersTx) Search(ctx context.Context, q customer.SearchQuery) ([]customer.Customer, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var a args
	sql := `select ` + customerColumns + ` from customers where id > ` + a.add(string(q.After))
	switch {
	case q.Email != "":
		sql += ` and exists (select 1 from json_each(known_emails) where value = ` + a.add(q.Email) + `)`
	case q.IP.IsValid():
		sql += ` and exists (select 1 from json_each(known_ips) where value = ` + a.add(q.IP.String()) + `)`
	}
	sql += ` order by id`
	if q.Email != "" || q.IP.IsValid() {
		if q.Limit > 0 {
			sql += ` limit ` + a.add(q.Limit)
		}
		return collect(ctx, t.tx, sql, a, scanCustomer)
	}
	rows, err := t.tx.tx.QueryContext(ctx, sql, a...)
	if err != nil {
		return nil, t.b.wrap(err)
	}
	// rows.Err below reports a failed read; closing a read has nothing
	// to add.
	defer func() { _ = rows.Close() }()
	var out []customer.Customer
	for rows.Next() && (q.Limit <= 0 || len(out) < q.Limit) {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, t.b.wrap(err)
		}
		if strings.HasPrefix(customer.FoldName(c.Name), q.NamePrefix) {
			out = append(out, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, t.b.wrap(err)
	}
	return out, nil
}
