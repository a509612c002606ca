// Package textin holds the rules for text and times that enter playerbase
// from outside (docs/RULES.md "Text, numbers and times from outside"), so
// every backend stores the same thing and none refuses what another
// accepts. PostgreSQL cannot hold a NUL byte or invalid UTF-8
// in a text column, nor encoding/json a year past 9999; memory holds both,
// so without these rules the backends would disagree.
//
// Two kinds of text, two rules:
//   - Machine text (a game server's error text, a payment provider's
//     reference) is cleaned, never refused: refusing it would lose the
//     event it describes and a retry would fail the same way. Clean
//     replaces invalid UTF-8 with U+FFFD, drops control characters (NUL,
//     the rest of C0, DEL, C1) but keeps "\n" and "\t", which a store owner
//     reading a multi-line console reply wants, and drops "\r" so a CRLF
//     reads as one newline; CleanLine drops "\n" and "\t" too. Both trim
//     surrounding white space and cut to a byte limit at a rune boundary.
//     Cleaning is a pure function of its input, so a retried webhook's
//     reference cleans to the reference stored the first time; two inputs
//     that differ only in dropped bytes, or past the limit, clean alike.
//   - Text staff type (a ban reason, an actor, a token label, a metadata
//     value) is checked and refused with an *errs.InvalidError naming the
//     field: the person typing can fix it. CheckText refuses invalid UTF-8
//     and control characters other than "\t", "\n" and "\r" (a browser's
//     textarea sends CRLF); CheckLine refuses every control character.
//     Format characters (U+200B, bidi marks) are not controls and pass:
//     comparing names and emails deals with them, by folding.
//
// Times: MinTime and MaxTime bound every time that comes from input or is
// computed from it (an expiry, a period end). MaxTime is the last
// microsecond of year 9999, UTC: every backend stores microseconds, and
// encoding/json refuses later years. CheckTime refuses a time outside the
// bounds with an *errs.InvalidError naming the field.
package textin
