-- Bans and the identities they name. Bans are never deleted: unban sets
-- removed_at, and the history stays listable.

create table bans (
    id              text collate "C" primary key,
    reason          text        not null,
    expires_at      timestamptz,
    created_by      text        not null,
    created_at      timestamptz not null,
    updated_by      text        not null,
    updated_at      timestamptz not null,
    removed_by      text        not null default '',
    removed_at      timestamptz,
    -- The identities in the ban's order, read with the ban; the rows of
    -- ban_identities below index them.
    identity_types  text[]      not null,
    identity_values text[]      not null
);

-- Listing newest first among the bans that are not lifted.
create index bans_live_idx on bans (id) where removed_at is null;

-- One row per identity of a ban, for lookups. The store rewrites a ban's
-- rows with every change of the ban, copying whether it is live (not
-- lifted) and its expiry, so a ban check reads these indexes only.
create table ban_identities (
    ban_id     text collate "C" not null references bans (id),
    position   integer     not null,
    type       text        not null,
    value      text        not null, -- canonical: equal identities have equal values
    live       boolean     not null, -- the ban is not lifted
    expires_at timestamptz,          -- the ban's
    -- "type:value", so a check finds every identity with one index scan.
    key        text collate "C" generated always as (type || ':' || value) stored,
    -- An ip_range's prefix, for containment (>>=) on the GiST index.
    range      inet generated always as (case when type = 'ip_range' then value::inet end) stored,
    primary key (ban_id, position)
);

-- Ban checks: exact identities, and ranges holding an address, among live
-- bans; covering, so the expiry is judged in the index.
create index ban_identities_live_key_idx on ban_identities (key) include (ban_id, expires_at) where live;
create index ban_identities_live_range_idx on ban_identities using gist (range inet_ops)
    include (ban_id, expires_at) where live and type = 'ip_range';
-- Listing bans (lifted ones too) that name an identity.
create index ban_identities_key_idx on ban_identities (key);
