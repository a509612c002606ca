-- Game-server polls (CommandStore.Leasable): a server's open (pending or
-- leased) commands in queue order, those that run whenever apart from the
-- online-only ones, which are looked up by player, so a poll walks neither
-- finished commands nor commands waiting for players who are offline.
-- commands_server_status_idx (0003) orders by status first, which a poll
-- for "pending, or leased under a lapsed lease, oldest first" cannot use
-- without sorting every open command of the server.
create index commands_open_idx on commands (server, id)
    where status in ('pending', 'leased') and not online_only;
create index commands_open_online_idx on commands (server, player, id)
    where status in ('pending', 'leased') and online_only;
