-- The change feed (package events). seq is taken from event_seq at commit,
-- under a transaction-level advisory lock that the committing transaction
-- holds until its commit is visible (see Backend.Update): so seqs become
-- visible in ascending order, and a follower that has read up to N never
-- later finds an event with a smaller seq. changes is the JSON the events
-- package writes, kept byte for byte (text, not jsonb, which reorders).
-- event_feed's one row holds the newest seq retention deleted;
-- event_cursors the named followers' positions.
create sequence event_seq;

create table events (
    seq         bigint      primary key,
    id          text        collate "C" not null unique,
    type        text        collate "C" not null,
    time        timestamptz not null,
    actor       text        not null,
    customer_id text        collate "C",
    subject     text        collate "C" not null,
    changes     text        not null
);
create index events_customer_idx on events (customer_id, seq) where customer_id is not null;
create index events_time_idx on events (time);

create table event_feed (
    one     boolean primary key default true check (one),
    horizon bigint  not null
);
insert into event_feed (horizon) values (0);

create table event_cursors (
    name text   collate "C" primary key,
    seq  bigint not null
);
