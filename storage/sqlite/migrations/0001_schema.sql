-- The whole schema as first released. Times are text in one fixed-width
-- UTC form ("2006-01-02T15:04:05.000000Z"), so text order is time order and
-- comparisons use the indexes; money is text holding an exact decimal; IDs
-- are text compared byte by byte (BINARY), so they sort like the ULIDs they
-- are; booleans are 0 or 1.

create table customers (
    id           text    primary key,
    name         text    not null,
    platform     text    not null,
    platform_id  text    not null,
    first_seen   text    not null,
    updated      text    not null,
    version      integer not null,
    known_ips    text    not null default '[]', -- JSON array of addresses
    known_emails text    not null default '[]', -- JSON array
    -- (platform, platform ID) is unique per store; the index serves
    -- GetByPlatformID (login, checkout).
    constraint customers_platform_id_key unique (platform, platform_id)
) strict;

create table customer_tokens (
    -- Insertion order: ListTokens is newest first.
    seq         integer primary key,
    id          text    not null unique,
    customer_id text    not null references customers (id),
    label       text    not null,
    hash        blob    not null check (length(hash) = 32),
    created     text    not null,
    expires_at  text,
    revoked_at  text
) strict;

create index customer_tokens_customer_idx on customer_tokens (customer_id, seq);

create table customer_metadata (
    customer_id text primary key references customers (id),
    data        text not null -- JSON object
) strict, without rowid;

-- Bans are never deleted: unban sets removed_at, and the history stays
-- listable.
create table bans (
    id          text primary key,
    reason      text not null,
    expires_at  text,
    created_by  text not null,
    created_at  text not null,
    updated_by  text not null,
    updated_at  text not null,
    removed_by  text not null default '',
    removed_at  text,
    -- The identities in the ban's order, [[type, value], …], read with the
    -- ban; the rows of ban_identities below index them.
    identities  text not null
) strict, without rowid;

create index bans_live_idx on bans (id) where removed_at is null;

-- One row per identity of a ban, for lookups. The store rewrites a ban's
-- rows with every change of the ban, copying whether it is live (not
-- lifted) and its expiry, so a ban check reads these indexes only.
create table ban_identities (
    ban_id     text    not null references bans (id),
    position   integer not null,
    type       text    not null,
    key        text    not null, -- "type:value", canonical
    live       integer not null, -- the ban is not lifted
    expires_at text,             -- the ban's
    primary key (ban_id, position)
) strict, without rowid;

-- Ban checks among live bans, covering, so the expiry is judged in the
-- index. A range is found by its key too: a check asks for the prefixes
-- holding the address ("ip_range:203.0.113.0/24", …) of every length some
-- live range has, each a probe of this index.
create index ban_identities_live_key_idx on ban_identities (key, ban_id, expires_at) where live;

-- How many live ip_range identities have each prefix length, per address
-- family (4 or 6), kept by the store with every ban write: a check probes
-- only the lengths in use.
create table ban_range_lengths (
    family integer not null,
    bits   integer not null,
    live   integer not null,
    primary key (family, bits)
) strict, without rowid;
-- Listing bans (lifted ones too) that name an identity or a type.
create index ban_identities_key_idx on ban_identities (key, ban_id);
create index ban_identities_type_idx on ban_identities (type, ban_id);

create table products (
    id             text    primary key,
    name           text    not null,
    duration_count integer,          -- null with duration_unit: forever
    duration_unit  text,
    on_expiry      text    not null,
    -- [{"stage", "server", "template", "online_only"}, …] in order.
    commands       text    not null default '[]',
    -- [{"amount", "currency"}, …] sorted by currency code.
    prices         text    not null default '[]',
    stacking       text    not null,
    created        text    not null,
    updated        text    not null,
    version        integer not null,
    check ((duration_count is null) = (duration_unit is null))
) strict, without rowid;

create table items (
    id                     text    primary key,
    customer_id            text    not null references customers (id),
    product_id             text    not null references products (id),
    source_kind            text    not null,
    source_order_id        text    not null default '',
    source_subscription_id text    not null default '',
    source_actor           text    not null default '',
    granted_at             text    not null,
    expires_at             text,    -- null: never expires
    state                  text    not null,
    revoked_at             text,
    revoke_reason          text    not null default '',
    revoked_by             text    not null default '',
    discord_user_id        text    not null default '',
    version                integer not null
) strict, without rowid;

-- A customer's items newest first, paged by ID.
create index items_customer_idx on items (customer_id, id);
-- Stacking (ItemStore.Lapsed and Extendable): a customer's active items of
-- a product by expiry; the lapsed ones are a range at the start, the item a
-- purchase extends the last entry no subscription granted, so a grant
-- reads a range whatever else the customer holds.
create index items_stack_idx on items (customer_id, product_id, expires_at, id desc)
    where state = 'active' and expires_at is not null;
-- The expiry sweep: recorded active items by expiry.
create index items_due_idx on items (expires_at, id) where state = 'active' and expires_at is not null;
-- What an order or a subscription granted.
create index items_source_order_idx on items (source_order_id, id) where source_order_id <> '';
create index items_source_subscription_idx on items (source_subscription_id, id) where source_subscription_id <> '';

create table commands (
    id               text    primary key,
    item_id          text    not null references items (id),
    customer_id      text    not null references customers (id),
    server           text    not null,
    command          text    not null,
    stage            text    not null,
    online_only      integer not null,
    player           text    not null,
    status           text    not null,
    attempts         integer not null,
    created_at       text    not null,
    executed_at      text,
    error            text    not null default '',
    lease_id         text    not null default '',
    lease_expires_at text,
    resend_of        text    not null default '',
    version          integer not null
) strict, without rowid;

-- An item's commands in queue order.
create index commands_item_idx on commands (item_id, id);
-- Game-server polls: a server's open commands in queue order, those that
-- run whenever apart from the online-only ones, looked up by player.
create index commands_open_idx on commands (server, id)
    where status in ('pending', 'leased') and not online_only;
create index commands_open_online_idx on commands (server, player, id)
    where status in ('pending', 'leased') and online_only;

create table orders (
    id             text    primary key,
    customer_id    text    not null references customers (id),
    -- [{"product_id", "quantity", "unit_price", "currency",
    -- "price_overridden"}, …] in order.
    lines          text    not null,
    currency       text    not null,
    total          text    not null, -- exact decimals
    fees           text    not null,
    refunded       text    not null,
    dispute_fee    text    not null,
    status         text    not null,
    payment_ref    text    not null default '',
    checkout_ip    text    not null default '',
    checkout_email text    not null default '',
    created_at     text    not null,
    updated_at     text    not null,
    completed_at   text,
    refunded_at    text,
    chargeback_at  text,
    canceled_at    text,
    version        integer not null,
    granted        text    not null default '[]', -- JSON array of item IDs
    refunds        text    not null default '[]'  -- [{"ref", "amount", "at"}, …]
) strict, without rowid;

-- A retried payment webhook finds the order its reference names.
create unique index orders_payment_ref_key on orders (payment_ref) where payment_ref <> '';
-- A customer's orders newest first, all of them or by status.
create index orders_customer_idx on orders (customer_id, id);
create index orders_customer_status_idx on orders (customer_id, status, id);

-- Each customer's running orders.Summary, one row per currency with a paid
-- order: the store adds an order's share when it writes it and takes the
-- old share away when it rewrites it, so the stats read a row or two
-- whatever the number of orders. Sums are exact decimals (text).
create table order_sums (
    customer_id text    not null references customers (id),
    currency    text    not null,
    payments    integer not null,
    refunds     integer not null,
    chargebacks integer not null,
    gross       text    not null,
    fees        text    not null,
    reversed    text    not null,
    primary key (customer_id, currency)
) strict, without rowid;

create table subscriptions (
    id                   text    primary key,
    customer_id          text    not null references customers (id),
    product_id           text    not null,
    amount               text    not null,
    currency             text    not null,
    period_count         integer not null,
    period_unit          text    not null,
    status               text    not null,
    trial                integer not null,
    activated_at         text,
    periods              integer not null,
    current_period_end   text,
    cancel_at_period_end integer not null,
    canceled_at          text,
    created_at           text    not null,
    updated_at           text    not null,
    version              integer not null,
    price_overridden     integer not null default 0 -- the host set the amount
) strict, without rowid;

-- A customer's subscriptions newest first; the active ones for MRR.
create index subscriptions_customer_idx on subscriptions (customer_id, id);
create index subscriptions_active_idx on subscriptions (customer_id, id) where status = 'active';

-- Names and emails are compared by folded keys (ban identities of type name
-- and email, customers' known emails), folded in Go (internal/fold), which
-- SQL cannot compute: this records which folding the stored keys were made
-- with, and Migrate re-folds them when the running build's is newer. ''
-- means no folding is recorded yet.
create table playerbase_text_fold (
    singleton integer primary key default 1 check (singleton = 1),
    version   text    not null -- internal/fold.Version of the stored keys
) strict;

insert into playerbase_text_fold (version) values ('');
