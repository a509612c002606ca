// Package eventdiff works out an event's changes from the versions of a
// record: Diff, the fast form of events.Diff for the records playerbase
// keeps, and Pack and Unpack, which keep a created record in a compact
// binary form a store can hold instead of its changes and turn into them
// (Diff(nil, record)) only when the event is read.
package eventdiff
