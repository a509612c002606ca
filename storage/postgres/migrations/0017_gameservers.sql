-- Game servers as records (package gameserver): a unique name (the server
-- commands are queued for), an enabled flag, the hash of the one live
-- token (all zero bytes once revoked), and the last link a plugin
-- reported (all link columns null until the first link).
create table gameservers (
    id               text        collate "C" primary key,
    name             text        collate "C" not null unique,
    enabled          boolean     not null,
    token_hash       bytea       not null check (length(token_hash) = 32),
    token_issued_at  timestamptz not null,
    token_revoked_at timestamptz,
    link_ip          text,
    link_hostname    text,
    link_platform    text,
    link_version     text,
    linked_at        timestamptz,
    created          timestamptz not null,
    updated          timestamptz not null,
    version          bigint      not null
);
