-- Game servers as records (package gameserver): a unique name (the server
-- commands are queued for), an enabled flag, the hash of the one live token
-- (all zero bytes once revoked), and the last link a plugin reported (all
-- link columns null until the first link).
create table gameservers (
    id               text    primary key,
    name             text    not null unique,
    enabled          integer not null,
    token_hash       blob    not null check (length(token_hash) = 32),
    token_issued_at  text    not null,
    token_revoked_at text,
    link_ip          text,
    link_hostname    text,
    link_platform    text,
    link_version     text,
    linked_at        text,
    created          text    not null,
    updated          text    not null,
    version          integer not null
) strict;
