-- What each order and subscription granted, for the refund, chargeback and
-- cancellation workflows.

-- The items an order's payment granted or extended (inv_… IDs, once each,
-- in grant order): orders.Order.Granted.
alter table orders add column granted jsonb not null default '[]';

-- The items whose source is an order or a subscription
-- (ItemStore.ListBySource). Manual items name neither, so both indexes are
-- partial.
create index items_source_order_idx on items (source_order_id, id) where source_order_id <> '';
create index items_source_subscription_idx on items (source_subscription_id, id) where source_subscription_id <> '';
