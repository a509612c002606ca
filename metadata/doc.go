// Package metadata holds a customer's string key/value pairs.
//
// Rules (docs/RULES.md "Metadata", Stripe's limits):
//   - At most MaxKeys keys; a key is 1–40 characters, a value at most 500
//     (characters, counted as Unicode code points).
//   - Keys are printable and contain neither "[" nor "]". Values may span
//     lines but hold no other control character (NUL included) and are
//     valid UTF-8, so every backend stores them alike.
//   - Apply takes a set of fields, as the Customer Details Page submits them:
//     a field whose key and value are both empty is dropped (an empty row in
//     the form); a key given an empty value is removed; a value with no key
//     is refused. If the result breaks a limit the whole update fails and
//     nothing is applied.
//   - Replace is the seed's form: the submitted rows are the whole set. A
//     row means what it means to Apply (both sides cleared: dropped; a key
//     with a cleared value: removed, since a stored value is never empty),
//     a key not submitted is removed, and a key in two rows is refused,
//     naming the row. The form carries the Version of the metadata it was
//     loaded with; if the metadata has changed since, the replace is a
//     conflict, not an overwrite. A Version names content, so a form whose
//     metadata was changed and changed back is not stale: nothing anyone
//     wrote would be lost.
package metadata
