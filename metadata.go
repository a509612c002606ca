package playerbase

import (
	"context"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage"
)

// Metadata returns a customer's metadata.
func (c *Client) MetadataGet(ctx context.Context, id customer.ID) (m metadata.Metadata, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		m, err = tx.Metadata().GetMetadata(ctx, id)
		return err
	})
	return m, err
}

// MetadataUpdate applies fields to a customer's metadata (see
// metadata.Apply) and returns the result. An update that breaks a limit
// fails whole and changes nothing.
func (c *Client) MetadataUpdate(ctx context.Context, id customer.ID, fields []metadata.Field) (m metadata.Metadata, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		cur, err := tx.Metadata().GetMetadata(ctx, id)
		if err != nil {
			return err
		}
		if m, err = metadata.Apply(cur, fields); err != nil {
			return err
		}
		return putMetadata(ctx, tx, now, id, cur, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// MetadataReplace makes rows, the seed's metadata form as submitted, the
// customer's whole metadata (see metadata.Replace) and returns the result.
// loaded is the Version of the metadata the form was shown with
// (Metadata(ctx, id) or CustomerDetails, then .Version()). If the metadata
// changed since, it returns an error matching ErrConflict and changes
// nothing: the staff member reloads the form rather than silently undo
// someone else's edit. Bad rows match ErrInvalid and change nothing.
func (c *Client) MetadataReplace(ctx context.Context, id customer.ID, rows []metadata.Field, loaded metadata.Version) (m metadata.Metadata, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		// The version is compared with metadata read in the transaction
		// that writes, so of two forms loaded at one version only one can
		// commit: PostgreSQL aborts the other (SERIALIZABLE) and its retry
		// reads the winner's metadata.
		cur, err := tx.Metadata().GetMetadata(ctx, id)
		if err != nil {
			return err
		}
		if m, err = metadata.Replace(cur, rows, loaded); err != nil {
			return err
		}
		return putMetadata(ctx, tx, now, id, cur, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// putMetadata stores a customer's new metadata and appends its event: the
// keys set, changed or removed, each with its value before and after. The
// subject is the customer, whose metadata it is. A write that changes no
// key appends nothing.
func putMetadata(ctx context.Context, tx storage.Tx, now time.Time, id customer.ID, before, after metadata.Metadata) error {
	if err := tx.Metadata().PutMetadata(ctx, id, after); err != nil {
		return err
	}
	return record(ctx, tx, now, events.MetadataChanged, id, string(id), before, after)
}
