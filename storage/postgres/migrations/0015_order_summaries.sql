-- The details page's stats read a running summary of each customer's paid
-- orders per currency (orders.Summary), never the orders: one row per
-- (customer, currency), kept by triggers in the same statement as every
-- order write, so it is as current as the orders whatever writes them. A
-- row whose payments fall to 0 stays, with zero sums; reads skip it.

create table order_summaries (
    customer_id text collate "C" not null references customers (id),
    currency    text    not null,
    payments    bigint  not null, -- paid orders
    refunds     bigint  not null, -- paid orders with a refund
    chargebacks bigint  not null, -- orders charged back
    gross       numeric not null, -- Σ total
    fees        numeric not null, -- Σ fees + dispute_fee
    reversed    numeric not null, -- Σ refunded, or total once charged back
    primary key (customer_id, currency)
);

-- What one paid order adds to its summary row, times sign.
create function playerbase_order_summary(o orders, sign integer)
returns order_summaries
language sql immutable as $$
    select o.customer_id, o.currency, sign, sign * (o.refunded > 0)::integer,
           sign * (o.status = 'chargeback')::integer, sign * o.total, sign * (o.fees + o.dispute_fee),
           sign * case when o.status = 'chargeback' then o.total else o.refunded end
$$;

-- Adds the shares ds to the summary rows, one upsert per (customer,
-- currency) whose sums change: an update that changes nothing the summary
-- counts (a grant recorded, an email fixed) writes no summary row, so it
-- takes no lock another order of the same customer would wait on.
create function playerbase_add_order_summaries(ds order_summaries[]) returns void
language sql set search_path from current as $$
    insert into order_summaries as s
    select customer_id, currency, sum(payments), sum(refunds), sum(chargebacks), sum(gross), sum(fees), sum(reversed)
    from unnest(ds)
    group by customer_id, currency
    having sum(payments) <> 0 or sum(refunds) <> 0 or sum(chargebacks) <> 0
        or sum(gross) <> 0 or sum(fees) <> 0 or sum(reversed) <> 0
    on conflict (customer_id, currency) do update
    set payments = s.payments + excluded.payments, refunds = s.refunds + excluded.refunds,
        chargebacks = s.chargebacks + excluded.chargebacks, gross = s.gross + excluded.gross,
        fees = s.fees + excluded.fees, reversed = s.reversed + excluded.reversed
$$;

-- Moves the written orders' shares from their old rows to their new ones,
-- once per statement (transition tables), not once per order: a statement
-- writing many orders of one customer, such as an import, updates the
-- customer's row once; a row updated once per order in one transaction
-- would leave a chain of versions each update walks.
create function playerbase_summarize_orders() returns trigger
language plpgsql set search_path from current as $$
declare
    paid constant text[] := array['completed', 'refunded', 'chargeback'];
begin
    if tg_op = 'INSERT' then
        perform playerbase_add_order_summaries(array(
            select playerbase_order_summary(n, 1) from new_rows n where n.status = any(paid)));
    elsif tg_op = 'UPDATE' then
        perform playerbase_add_order_summaries(array(
            select playerbase_order_summary(n, 1) from new_rows n where n.status = any(paid)
            union all
            select playerbase_order_summary(o, -1) from old_rows o where o.status = any(paid)));
    else
        perform playerbase_add_order_summaries(array(
            select playerbase_order_summary(o, -1) from old_rows o where o.status = any(paid)));
    end if;
    return null;
end
$$;

create trigger orders_summarize_insert after insert on orders
    referencing new table as new_rows
    for each statement execute function playerbase_summarize_orders();
create trigger orders_summarize_update after update on orders
    referencing old table as old_rows new table as new_rows
    for each statement execute function playerbase_summarize_orders();
create trigger orders_summarize_delete after delete on orders
    referencing old table as old_rows
    for each statement execute function playerbase_summarize_orders();

-- The orders stored before this migration.
insert into order_summaries
select customer_id, currency, count(*), count(*) filter (where refunded > 0),
       count(*) filter (where status = 'chargeback'), sum(total), sum(fees + dispute_fee),
       sum(case when status = 'chargeback' then total else refunded end)
from orders
where status in ('completed', 'refunded', 'chargeback')
group by customer_id, currency;

-- The stats no longer read the paid orders' index.
drop index orders_paid_idx;
