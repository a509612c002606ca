// Package events is the change feed: one ordered record of every change a
// workflow makes, written in the transaction that makes it, so a change and
// its event commit or vanish together.
//
// Rules:
//   - Every event has a stable ID ("evt_<ULID>"), a Type from the list in
//     this package, the time, the actor (who made the change: "admin:alice",
//     "webhook:stripe", "system:expiry", "gameserver:eu-1"; "system" when
//     the caller named no one), the customer and the record it concerns, and
//     what changed: the before and after of each changed field, as the
//     record's JSON writes it (Diff).
//   - The store gives each event a sequence number (Seq) when its
//     transaction commits, in commit order: a follower that has read up to N
//     never later finds an event with a Seq ≤ N that it has not seen. Seqs
//     grow but may skip numbers (an aborted transaction's).
//   - Events are pruned by age, except those about a ban that is still
//     active: they explain why a player cannot join. A follower whose
//     cursor is older than the newest pruned event gets a *BehindError: it
//     missed events and must resynchronise.
package events
