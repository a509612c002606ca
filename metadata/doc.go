// Package metadata holds a customer's string key/value pairs.
//
// Rules (docs/RULES.md "Metadata", Stripe's limits):
//   - At most MaxKeys keys; a key is 1–40 characters, a value at most 500
//     (characters, counted as Unicode code points).
//   - Keys are printable and contain neither "[" nor "]".
//   - Apply takes a set of fields, as the Customer Details Page submits them:
//     a field whose key and value are both empty is dropped (an empty row in
//     the form); a key given an empty value is removed; a value with no key
//     is refused. If the result breaks a limit the whole update fails and
//     nothing is applied.
package metadata
