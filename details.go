package playerbase

import (
	"context"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/stats"
	"github.com/playerbase/playerbase/storage"
)

// Details is everything the Customer Details Page shows, read in one
// transaction at one "now", so its parts agree with each other.
type Details struct {
	Customer customer.Customer `json:"customer"`
	// ProfileURL links to the platform profile (Steam, NameMC); "" for
	// Bedrock, which has none.
	ProfileURL string      `json:"profile_url"`
	Stats      stats.Stats `json:"stats"`
	// Banner holds the IDs of the bans active now that match the customer
	// (see Banner), newest first; empty if none.
	Banner []bans.ID `json:"banner"`
	// The first page of each list, as Inventory, Orders and Subscriptions
	// return it with default parameters: NextCursor continues the list
	// through those methods.
	Inventory     ItemPage          `json:"inventory"`
	Orders        OrderPage         `json:"orders"`
	Subscriptions SubscriptionPage  `json:"subscriptions"`
	Metadata      metadata.Metadata `json:"metadata"`

	// MetadataVersion is Metadata's version, for the page's metadata form
	// to send back to MetadataReplace; a page script reading Details as
	// JSON could not compute it.
	MetadataVersion metadata.Version `json:"metadata_version"`
}

// CustomerDetails reads a customer's details page in one read-only
// transaction: profile, stats, ban banner, the first page of inventory,
// orders and subscriptions, and metadata. An unknown customer is an error
// matching ErrNotFound.
func (c *Client) CustomerDetails(ctx context.Context, id customer.ID) (d Details, err error) {
	now := c.clock()
	err = c.view(ctx, func(tx storage.Tx) error {
		cust, err := tx.Customers().Get(ctx, id)
		if err != nil {
			return err
		}
		d = Details{Customer: cust, ProfileURL: cust.PlatformID.ProfileURL()}
		if d.Stats, err = c.customerStats(ctx, tx, id, now); err != nil {
			return err
		}
		found, err := activeBansFor(ctx, tx, cust, now)
		if err != nil {
			return err
		}
		d.Banner = bans.IDs(found)
		if d.Inventory, err = inventoryPage(ctx, tx, id, ItemListParams{}, now); err != nil {
			return err
		}
		if d.Orders, err = ordersPage(ctx, tx, id, OrderListParams{}); err != nil {
			return err
		}
		if d.Subscriptions, err = subscriptionsPage(ctx, tx, id, SubscriptionListParams{}, now); err != nil {
			return err
		}
		if d.Metadata, err = tx.Metadata().GetMetadata(ctx, id); err != nil {
			return err
		}
		d.MetadataVersion = d.Metadata.Version()
		return nil
	})
	if err != nil {
		return Details{}, err
	}
	return d, nil
}
