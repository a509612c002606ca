// Package memory is the in-process storage backend: the default, safe for
// concurrent use.
//
// Transactions serialise writers behind one lock (readers share it), and
// every write inside Update records how to undo itself, so a function that
// fails leaves no trace. Values are copied in and out: nothing a caller
// holds aliases stored state. A game server's join check (CheckBans) takes
// only the bans' own lock, held by a transaction from its first ban write
// to its end, so a large write elsewhere (an order of many units) does not
// hold it up.
//
// Bans are kept in ID order, all of them and per identity type, so a page
// of a listing is a walk back from the cursor, and a filter by a type no
// ban holds costs nothing; an IP's ranges are found by masking it once per
// prefix length in use, not by testing every range.
//
// A customer's items of one product that are recorded active and expire
// are kept ordered by expiry in a persistent tree, so a grant reads the
// lapsed ones and the one it may extend without walking the others.
//
// Reads cost what their answer costs: a customer's stats read a running
// summary of their orders kept on every write, a status filter walks a
// per-customer, per-status list of order IDs, so neither walks the
// customer's orders, and the expiry sweep reads every item recorded active
// that expires from one tree ordered by expiry, a batch at its start.
//
// Stored orders are laid out for the garbage collector, which marks every
// stored value on each collection, so the collection a read's garbage
// brings costs in proportion to the pointers stored, not to the read:
// an order's times and its only line are kept as values, not behind
// pointers, and its amounts of equal value share one (immutable) decimal.
// A read builds a fresh Order from the record, as a copy would.
//
// A game server's poll reads a queue per server (and per player for
// online-only commands) of the commands open when last written, in ID
// order. The write that gives a command its result (an ack) drops the
// finished entries at the front of its queue — a poll takes the oldest, so
// an ack usually finishes the front — and a poll drops those it meets
// elsewhere, so a poll reads the oldest few entries, not every open
// command. Writes of commands (a poll's leases, an ack's results) record
// their undo in a log of plain values the next writer reuses, not a
// closure per command.
//
// The change feed keeps its events as bytes in chunks the collector never
// scans. A workflow's change reaches it as the record's two versions
// (events.RecordAppender): the fields that changed, or every field of a
// record created, are kept packed as they are (eventdiff.Pack: no JSON, no
// map), packed in place at the end of the last chunk, and their JSON is
// written when the event is read, which most events never are; so is the
// text of an ID the store gave (kept as its 16 bytes). A rollback takes
// the transaction's events back in one step after its other writes'.
// Subscribers get each commit's events without their changes, and only
// when there are subscribers.
//
// Customer search (customer.Store.Search) reads indexes kept with every
// customer write: the folded names in a persistent tree, and per email and
// per IP the customers who checked out with it, in ID order.
package memory
