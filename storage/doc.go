// Package storage is the seam between the playerbase workflows and a storage
// backend.
//
// Each domain package (customer, metadata, bans, orders, subscriptions,
// inventory) declares the store interface it needs. A Backend hands them out
// inside a transaction: Update runs a function atomically — every write it
// made is kept if it returns nil and none if it returns an error — and View
// runs a read-only one. Workflows that touch several entities (checkout, a
// completed payment granting items) therefore commit whole or not at all on
// every backend.
//
// Backends: storage/memory (the default, in-process, nothing kept),
// storage/sqlite (one file, one machine) and storage/postgres (a fleet).
// storage/storagetest is the conformance suite all three run.
package storage
