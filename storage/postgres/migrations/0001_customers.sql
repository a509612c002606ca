-- Customers, their tokens and their metadata.

create table customers (
    id           text        collate "C" primary key,
    name         text        not null,
    platform     text        not null,
    platform_id  text        not null,
    first_seen   timestamptz not null,
    updated      timestamptz not null,
    version      bigint      not null,
    known_ips    inet[]      not null default '{}',
    known_emails text[]      not null default '{}',
    -- (platform, platform ID) is unique per store; the index serves
    -- GetByPlatformID (login, checkout).
    constraint customers_platform_id_key unique (platform, platform_id)
);

create table customer_tokens (
    id          text        collate "C" primary key,
    customer_id text        collate "C" not null references customers (id),
    label       text        not null,
    hash        bytea       not null check (length(hash) = 32),
    created     timestamptz not null,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    -- Insertion order: ListTokens is newest first.
    seq         bigint      generated always as identity
);

create index customer_tokens_customer_idx on customer_tokens (customer_id, seq);

create table customer_metadata (
    customer_id text  collate "C" primary key references customers (id),
    data        jsonb not null
);
