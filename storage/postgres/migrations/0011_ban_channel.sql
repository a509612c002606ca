-- The ban sync's channel is named after a hash of the schema:
-- "playerbase_bans_" and the md5 of the schema name, 48 ASCII bytes for any
-- schema. 0005 named it "playerbase_bans:<schema>" cut at 63 characters,
-- which for a schema named in a non-Latin script is more than the 63 bytes
-- PostgreSQL allows a channel, and every ban write failed. BanSync listens
-- on the name this function computes, from the schema of the bans table it
-- reads.

create or replace function playerbase_notify_ban() returns trigger
language plpgsql as $$
begin
    perform pg_notify('playerbase_bans_' || md5(tg_table_schema),
                      case when tg_op = 'DELETE' then old.id else new.id end);
    return null;
end
$$;
