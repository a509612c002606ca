// Package memory is the in-process storage backend: the default, safe for
// concurrent use.
//
// Transactions serialise writers behind one lock (readers share it), and
// every write inside Update records how to undo itself, so a function that
// fails leaves no trace. Values are copied in and out: nothing a caller
// holds aliases stored state.
package memory
