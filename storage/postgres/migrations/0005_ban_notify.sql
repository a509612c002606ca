-- Fleet ban sync: every committed change to a ban notifies the channel
-- "playerbase_bans:<schema>" with the ban's ID, so game servers listening
-- there reload that ban (see BanSync). NOTIFY is delivered on commit, once
-- per ban and transaction; a rolled-back change sends nothing.

create function playerbase_notify_ban() returns trigger
language plpgsql as $$
begin
    perform pg_notify(left('playerbase_bans:' || tg_table_schema, 63),
                      case when tg_op = 'DELETE' then old.id else new.id end);
    return null;
end
$$;

create trigger bans_notify
    after insert or update or delete on bans
    for each row execute function playerbase_notify_ban();
