// Package money holds amounts of one ISO 4217 currency and totals kept per
// currency.
//
// Rules (RULES.md "Money"):
//   - An Amount is a shopspring/decimal value with a Currency. Currency codes
//     and their minor units come from golang.org/x/text/currency: JPY has 0
//     decimals, KWD 3. Codes starting with X (gold, test, "no currency") are
//     refused: a store never prices in them.
//   - Amounts of different currencies are never added: Amount.Add returns a
//     *MismatchError, and Totals keeps one running sum per currency.
//   - Prices are never negative (ParsePrice, NewPrice). Other amounts, such as
//     net spent after a chargeback, may be.
//   - Sums keep full precision; Totals.Rounded rounds each total once, at the
//     end, to the currency's minor unit, half away from zero.
package money
