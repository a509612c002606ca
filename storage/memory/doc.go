// Package memory is the in-process storage backend: the default, safe for
// concurrent use.
//
// Transactions serialise writers behind one lock (readers share it), and
// every write inside Update records how to undo itself, so a function that
// fails leaves no trace. Values are copied in and out: nothing a caller
// holds aliases stored state.
//
// A game server's poll reads a queue per server (and per player for
// online-only commands) of the commands open when last written, in ID
// order; entries for commands that got a result since are dropped as a poll
// meets them, so a poll reads the oldest few entries, not every open
// command.
package memory
