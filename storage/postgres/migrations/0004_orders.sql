-- Orders and subscriptions. Money is numeric (exact, any scale) with the
-- ISO 4217 code beside it; an order's amounts share its currency.

create table orders (
    id             text collate "C" primary key,
    customer_id    text collate "C" not null references customers (id),
    -- [{"product_id", "quantity", "unit_price", "currency"}, …] in order:
    -- always read and written with the order.
    lines          jsonb       not null,
    currency       text        not null,
    total          numeric     not null,
    fees           numeric     not null,
    refunded       numeric     not null,
    dispute_fee    numeric     not null,
    status         text        not null,
    payment_ref    text        not null default '',
    checkout_ip    inet,
    checkout_email text        not null default '',
    created_at     timestamptz not null,
    updated_at     timestamptz not null,
    completed_at   timestamptz,
    refunded_at    timestamptz,
    chargeback_at  timestamptz,
    canceled_at    timestamptz,
    version        bigint      not null
);

-- A retried payment webhook finds the order its reference names.
create unique index orders_payment_ref_key on orders (payment_ref) where payment_ref <> '';
-- A customer's orders newest first (IDs are ULIDs stamped at creation),
-- all of them or by status.
create index orders_customer_idx on orders (customer_id, id);
create index orders_customer_status_idx on orders (customer_id, status, id);
-- The stats' GROUP BY currency over paid orders reads this index only.
create index orders_paid_idx on orders (customer_id, currency)
    include (status, total, fees, refunded, dispute_fee)
    where status in ('completed', 'refunded', 'chargeback');

create table subscriptions (
    id                   text collate "C" primary key,
    customer_id          text collate "C" not null references customers (id),
    product_id           text        not null,
    amount               numeric     not null,
    currency             text        not null,
    period_count         integer     not null,
    period_unit          text        not null,
    status               text        not null,
    trial                boolean     not null,
    activated_at         timestamptz,
    periods              integer     not null,
    current_period_end   timestamptz,
    cancel_at_period_end boolean     not null,
    canceled_at          timestamptz,
    created_at           timestamptz not null,
    updated_at           timestamptz not null,
    version              bigint      not null
);

-- A customer's subscriptions newest first; the active ones for MRR.
create index subscriptions_customer_idx on subscriptions (customer_id, id);
create index subscriptions_active_idx on subscriptions (customer_id, id) where status = 'active';
