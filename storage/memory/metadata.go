package memory

import (
	"context"
	"maps"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
)

type metadataState struct {
	byCustomer map[customer.ID]metadata.Metadata
}

func (s *metadataState) init() { s.byCustomer = map[customer.ID]metadata.Metadata{} }

type metadataTx struct{ *tx }

func (t metadataTx) GetMetadata(ctx context.Context, c customer.ID) (metadata.Metadata, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	m := maps.Clone(t.db.metadata.byCustomer[c])
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
		del(t.tx, t.db.metadata.byCustomer, c)
		return nil
	}
	put(t.tx, t.db.metadata.byCustomer, c, maps.Clone(m))
	return nil
}
