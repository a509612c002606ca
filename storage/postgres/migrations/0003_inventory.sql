-- Products (packages), the items customers hold, and the commands items
-- queue for game servers.

create table products (
    id             text collate "C" primary key,
    name           text        not null,
    duration_count integer,              -- null with duration_unit: forever
    duration_unit  text,
    on_expiry      text        not null,
    -- [{"stage", "server", "template", "online_only"}, …] in order: always
    -- read and written with the product.
    commands       jsonb       not null default '[]',
    stacking       text        not null,
    created        timestamptz not null,
    updated        timestamptz not null,
    version        bigint      not null,
    check ((duration_count is null) = (duration_unit is null))
);

create table items (
    id                     text collate "C" primary key,
    customer_id            text collate "C" not null references customers (id),
    product_id             text collate "C" not null references products (id),
    source_kind            text        not null,
    source_order_id        text        not null default '',
    source_subscription_id text        not null default '',
    source_actor           text        not null default '',
    granted_at             timestamptz not null,
    expires_at             timestamptz,  -- null: never expires
    state                  text        not null,
    revoked_at             timestamptz,
    revoke_reason          text        not null default '',
    revoked_by             text        not null default '',
    discord_user_id        text        not null default '',
    version                bigint      not null
);

-- A customer's items newest first, paged by ID.
create index items_customer_idx on items (customer_id, id);
-- Stacking: the customer's active items of a product.
create index items_active_product_idx on items (customer_id, product_id) where state = 'active';
-- The expiry sweep: recorded active items by expiry.
create index items_due_idx on items (expires_at, id) where state = 'active' and expires_at is not null;

create table commands (
    id               text collate "C" primary key,
    item_id          text collate "C" not null references items (id),
    customer_id      text collate "C" not null references customers (id),
    server           text        not null,
    command          text        not null,
    stage            text        not null,
    online_only      boolean     not null,
    player           text        not null,
    status           text        not null,
    attempts         integer     not null,
    created_at       timestamptz not null,
    executed_at      timestamptz,
    error            text        not null default '',
    lease_id         text        not null default '',
    lease_expires_at timestamptz,
    resend_of        text collate "C" not null default '',
    version          bigint      not null
);

-- An item's commands in queue order.
create index commands_item_idx on commands (item_id, id);
-- A game server polling for its work.
create index commands_server_status_idx on commands (server, status, id);
