// Package fold turns names and email addresses into the keys they are
// compared by, so that text which looks the same matches the same ban
// (docs/RULES.md "Text, numbers and times from outside"). Bans, customers, the
// ban index and every storage backend compare these keys and nothing else.
//
// A key is Unicode's compatibility caseless match (D146: NFKD, full case
// folding from golang.org/x/text/cases, NFKD, folding again), stored in
// NFKC: fullwidth "Ｇａｒｒｙ" is "garry", "Jose\u0301" and "José" meet,
// "ΣΟΦΟΣ" and "σοφος" meet at "σοφοσ", "STRASSE" and "straße" at
// "strasse". The code points nobody sees are removed before and after, and
// surrounding white space trimmed; the steps repeat until the text stops
// changing, so a key folds to itself. x/text swaps the case of Cherokee
// letters where Unicode folds small ones to the capitals; keys follow
// Unicode.
//
// Removed, not refused: a key exists to make look-alikes meet, and
// refusing "Garry\u034F" would leave the text it stands for unbanned. The
// removed set is built from the standard library's Unicode tables, after
// the derivation of Default_Ignorable_Code_Point: Other_Default_Ignorable_
// Code_Point (U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, …),
// Variation_Selector, and every format character (Cf: U+200B, U+200D,
// U+2060, U+00AD, tags, …) except the Prepended_Concatenation_Marks, which
// are visible; never White_Space. Unlike that derivation it also drops the
// interlinear annotation and Egyptian hieroglyph format controls: a player
// name has no use for them. Callers refuse a name whose key is empty
// ("\u3164" alone) and keep showing names as entered.
//
// Email keys fold the whole address the same way (so fullwidth
// "ｂｏｂ@example.com" is "bob@example.com") and drop trailing dots from the
// domain: "example.com." is the fully qualified spelling of "example.com".
//
// Pure ASCII, the common case, takes a short path with the same result.
// Version names the folding; a store that keeps keys re-folds them when it
// changes.
package fold
