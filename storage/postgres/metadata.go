package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
)

// metadataTx keeps each customer's metadata as one jsonb object: it is
// always read and written whole, and at most 50 small keys.
type metadataTx struct{ *tx }

func (t metadataTx) GetMetadata(ctx context.Context, c customer.ID) (metadata.Metadata, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	rows, err := collect(ctx, t.tx, `select data from customer_metadata where customer_id = $1`, []any{c},
		func(r pgx.Rows) (metadata.Metadata, error) {
			var m metadata.Metadata
			return m, r.Scan(&m)
		})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0] == nil {
		return metadata.Metadata{}, nil
	}
	return rows[0], nil
}

func (t metadataTx) PutMetadata(ctx context.Context, c customer.ID, m metadata.Metadata) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if len(m) == 0 {
		_, err := t.exec(ctx, `delete from customer_metadata where customer_id = $1`, c)
		return translate(err, "metadata", string(c))
	}
	_, err := t.exec(ctx, `insert into customer_metadata (customer_id, data) values ($1, $2)
		on conflict (customer_id) do update set data = excluded.data`, c, map[string]string(m))
	return translate(err, "metadata", string(c))
}
