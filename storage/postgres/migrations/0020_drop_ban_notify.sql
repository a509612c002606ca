-- Ban indexes follow the change feed now (Client.BanWatch): every ban
-- change appends a ban.created|updated|removed event in its transaction,
-- and the feed wakes its followers. The per-ban NOTIFY of 0005 and 0011,
-- which only the removed BanSync listened to, would be a second, unread
-- signal on every ban write.

drop trigger if exists bans_notify on bans;
drop function if exists playerbase_notify_ban();
