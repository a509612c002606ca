-- The admin search finds customers by name prefix, checkout email and
-- checkout IP. name_key is the folded name (internal/fold, as ban name
-- identities are), written by Go on every insert and update; rows stored
-- before this file get theirs from Refold, which the reset below makes run.

alter table customers add column name_key text collate "C" not null default '';

-- Collate "C" orders the keys by byte, so a prefix is one range scan.
create index customers_name_key_idx on customers (name_key, id);
create index customers_known_emails_idx on customers using gin (known_emails);
create index customers_known_ips_idx on customers using gin (known_ips);

update playerbase_text_fold set version = '';
