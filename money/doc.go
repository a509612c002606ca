// Package money holds amounts of one ISO 4217 currency and totals kept per
// currency.
//
// Rules (docs/RULES.md "Money"):
//   - An Amount is a shopspring/decimal value with a Currency. Currency codes
//     and their minor units come from golang.org/x/text/currency: JPY has 0
//     decimals, USD 2, KWD 3. Codes starting with X (gold, test, "no
//     currency") are refused: a store never prices in them.
//   - Money that enters from outside — prices, fees, refunds, dispute fees,
//     subscription amounts — is never finer than its currency's minor unit:
//     0.004 USD or 0.4 JPY is an *errs.InvalidError naming the field, since
//     it would be shown rounded (0.00) and then refuse what is shown (a
//     refund of 10.00 after it). Text goes through Parse (any sign) or
//     ParsePrice (not negative); MustParse is Parse for tests and examples.
//     An Amount built otherwise is checked where it enters with
//     Amount.Check or Amount.CheckPrice, which accept exactly what Parse
//     and ParsePrice accept.
//   - Prices are never negative (ParsePrice, CheckPrice). Other amounts,
//     such as net spent after a chargeback, may be.
//   - Amounts of different currencies are never added: Amount.Add returns a
//     *MismatchError, and Totals keeps one running sum per currency.
//   - Computed amounts (sums, MRR fractions) keep full precision;
//     Totals.Rounded rounds each total once, at the end, to the currency's
//     minor unit, half away from zero, into Amounts, which answers
//     In("EUR") so a host need not loop over currencies.
//
// JSON: an Amount is {"amount": "9.40", "currency": "EUR"}, the decimal as a
// string with exactly the currency's minor-unit decimals ("1500" for JPY).
// JSON never rounds: Marshal refuses an amount finer than its minor unit (an
// unrounded intermediate such as stats.Monthly; round it with Rounded), and
// Unmarshal refuses one too, with any other malformed input, naming the
// field at fault. Every amount a record holds is at the minor unit (inputs
// are checked where they enter, totals are rounded), so records round-trip
// exactly. Totals is a list of amounts sorted by currency code, [] when
// empty. The zero Amount is null.
package money
