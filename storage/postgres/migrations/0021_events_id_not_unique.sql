-- An event's id is a ULID the writer draws (monotonic, stamped with the
-- event's time): unique by construction, and nothing reads an event by
-- it. Its unique index cost every event an index entry written in the
-- commit of the workflow that appended it, for a check that never fires;
-- the memory and SQLite feeds keep no such index.
alter table events drop constraint if exists events_id_key;
