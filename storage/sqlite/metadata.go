package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
)

// metadataTx keeps each customer's metadata as one JSON object: it is
// always read and written whole, and at most 50 small keys.
type metadataTx struct{ *tx }

func (t metadataTx) GetMetadata(ctx context.Context, c customer.ID) (metadata.Metadata, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	m := metadata.Metadata{}
	err := t.queryRow(ctx, `select data from customer_metadata where customer_id = ?1`, c).Scan(jsonCol{&m})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, t.b.wrap(err)
	}
	if m == nil {
		m = metadata.Metadata{}
	}
	return m, nil
}

func (t metadataTx) PutMetadata(ctx context.Context, c customer.ID, m metadata.Metadata) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if len(m) == 0 {
		_, err := t.exec(ctx, `delete from customer_metadata where customer_id = ?1`, c)
		return t.translate(ctx, err, "metadata", string(c))
	}
	_, err := t.exec(ctx, `insert into customer_metadata (customer_id, data) values (?1, ?2)
		on conflict (customer_id) do update set data = excluded.data`, c, jsonText(map[string]string(m)))
	return t.translate(ctx, err, "metadata", string(c), parent{"customer", "customers", string(c)})
}
