-- The change feed (package events). seq is given by SQLite at insert; one
-- writer at a time makes insert order commit order, and AUTOINCREMENT never
-- hands out a seq again after its row is pruned. changes is the JSON the
-- events package writes, kept byte for byte. event_feed's one row holds
-- the newest seq retention deleted; event_cursors the named followers'
-- positions.
create table events (
    seq         integer primary key autoincrement,
    id          text not null unique,
    type        text not null,
    time        text not null,
    actor       text not null,
    customer_id text,
    subject     text not null,
    changes     text not null
);
create index events_customer_idx on events (customer_id, seq) where customer_id is not null;
create index events_time_idx on events (time);

create table event_feed (
    one     integer primary key check (one = 1),
    horizon integer not null
);
insert into event_feed (one, horizon) values (1, 0);

create table event_cursors (
    name text primary key,
    seq  integer not null
);
