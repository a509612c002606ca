-- Names and emails are compared by folded keys (NFKC, full case folding,
-- invisible code points removed, an email's trailing domain dot dropped):
-- ban identities of type name and email, and customers' known emails.
-- The folding is Go's (internal/fold), which SQL cannot compute, so this
-- table records which folding the stored keys were made with, and Migrate
-- (or Backend.Refold, for a host that applies these files with its own
-- tool) re-folds them in Go when the running build's is newer. Keys written
-- before this file were lower-cased only: '' says so.

create table playerbase_text_fold (
    singleton boolean primary key default true check (singleton),
    version   text    not null -- internal/fold.Version of the stored keys
);

insert into playerbase_text_fold (version) values ('');
