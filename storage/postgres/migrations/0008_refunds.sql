-- Each refund of an order, so a retried refund webhook is recognised by its
-- reference: orders.Order.Refunds, in the order they were made, as
-- [{"ref", "amount", "at"}, …] with the amount a decimal string in the
-- order's currency. Always read and written with the order; a refund
-- reference is unique per order only, which the order's own rule keeps, so
-- there is no index. Orders refunded before this migration list nothing.
alter table orders add column refunds jsonb not null default '[]';
