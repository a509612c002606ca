-- Prices live in the catalog. products.prices is inventory.Product.Prices:
-- [{"amount", "currency"}, …] sorted by currency code, the amount a decimal
-- string so no precision is lost to JSON numbers; always read and written
-- with the product. Products stored before this migration are priced in no
-- currency: assigned by hand only until an editor gives them prices.
alter table products add column prices jsonb not null default '[]';

-- A subscription whose amount the host set instead of the product's price
-- says so (subscriptions.Subscription.PriceOverridden). Order lines record
-- the same in orders.lines, which needs no new column.
alter table subscriptions add column price_overridden boolean not null default false;
