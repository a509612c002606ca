-- Listing bans by identity type: each type's ban IDs in order, so a page
-- is a merge of this index with the bans' primary key, read backwards from
-- the cursor, however many or few bans hold the type (an array test on
-- bans.identity_types cannot use an index and read every ban when no ban
-- holds the type).
create index ban_identities_type_idx on ban_identities (type, ban_id);
