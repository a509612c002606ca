-- A grant reads what stacking needs (ItemStore.Lapsed and Extendable) by
-- customer, product and expiry: the lapsed items are a range at the start,
-- the item a purchase extends is the last entry (latest expiry, lowest ID
-- among those that share it, hence id descending) that no subscription
-- granted. Both are index range reads, whatever else the customer holds;
-- the old index by customer and product made a grant read every active
-- item of the product, so an order of N units read O(N²) rows.
create index items_stack_idx on items (customer_id, product_id, expires_at, id desc)
    where state = 'active' and expires_at is not null;
drop index items_active_product_idx;
