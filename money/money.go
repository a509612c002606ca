package money

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"

	"github.com/playerbase/playerbase/errs"
)

// Currency is an ISO 4217 currency. The zero Currency is not valid; make one
// with ParseCurrency. Currencies are comparable and usable as map keys.
type Currency struct{ unit currency.Unit }

// ParseCurrency accepts a three-letter ISO 4217 code in any case.
func ParseCurrency(code string) (Currency, error) {
	if len(code) != 3 {
		return Currency{}, errs.Invalid("currency", code, "want a three-letter ISO 4217 code")
	}
	u, err := currency.ParseISO(code)
	if err != nil {
		return Currency{}, errs.Invalid("currency", code, "unknown ISO 4217 code")
	}
	if strings.HasPrefix(u.String(), "X") {
		return Currency{}, errs.Invalid("currency", code, "not a currency a store can price in")
	}
	return Currency{unit: u}, nil
}

// MustCurrency is ParseCurrency for constants in tests and examples; it panics
// on an unknown code.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Code returns the upper-case ISO code, or "" for the zero Currency.
func (c Currency) Code() string {
	if c.IsZero() {
		return ""
	}
	return c.unit.String()
}

// String returns the ISO code.
func (c Currency) String() string { return c.Code() }

// IsZero reports whether c was never set.
func (c Currency) IsZero() bool { return c == Currency{} }

// MinorUnits returns the number of decimals the currency is counted in
// (2 for USD, 0 for JPY, 3 for KWD).
func (c Currency) MinorUnits() int32 {
	scale, _ := currency.Standard.Rounding(c.unit)
	return int32(scale)
}

// Amount is a decimal value in one currency.
type Amount struct {
	Value    decimal.Decimal
	Currency Currency
}

// Parse reads an amount that comes from outside as text (a form, a
// webhook, a config file): a decimal string such as "10.00" and a currency
// code. The value may be negative; ParsePrice refuses that too. A value
// finer than the currency's minor unit ("0.004" USD, "0.4" JPY) is an
// *errs.InvalidError for "amount".
func Parse(value, code string) (Amount, error) { return parse("amount", value, code) }

// ParsePrice is Parse for prices, fees and refunds: a negative value is
// refused too. Its errors name the field "price".
func ParsePrice(value, code string) (Amount, error) {
	a, err := parse("price", value, code)
	if err != nil {
		return Amount{}, err
	}
	if err := a.CheckPrice("price"); err != nil {
		return Amount{}, err
	}
	return a, nil
}

func parse(field, value, code string) (Amount, error) {
	c, err := ParseCurrency(code)
	if err != nil {
		return Amount{}, err
	}
	d, err := parseDecimal(field, value)
	if err != nil {
		return Amount{}, err
	}
	a := Amount{Value: d, Currency: c}
	if err := a.checkMinor(field, value); err != nil {
		return Amount{}, err
	}
	return a, nil
}

// MustParse is Parse for constants in tests and examples; it panics on what
// Parse refuses.
func MustParse(value, code string) Amount {
	a, err := Parse(value, code)
	if err != nil {
		panic(err)
	}
	return a
}

// Check is for an Amount that enters from outside already built (a struct
// literal, a host's own decimal): it returns an *errs.InvalidError naming
// field unless the currency is set, the value is within Parse's bounds and
// it has no more decimals than the currency's minor unit. It accepts
// exactly what Parse accepts. Amounts computed from checked ones (sums,
// MRR fractions) keep full precision and are never checked.
func (a Amount) Check(field string) error {
	v := quote(a.Value)
	if a.Currency.IsZero() {
		return errs.Invalid(field, v, "missing currency")
	}
	if err := a.checkMinor(field, v); err != nil {
		return err
	}
	// Counting digits first keeps a huge exponent from being expanded by
	// the comparison.
	if int64(a.Value.NumDigits())+int64(a.Value.Exponent()) > maxDigits+1 || a.Value.Abs().GreaterThan(maxAbs) {
		return errs.Invalid(field, v, fmt.Sprintf("at most 10^%d", maxDigits))
	}
	return nil
}

// CheckPrice is Check for prices, fees and refunds: a negative value is
// refused too.
func (a Amount) CheckPrice(field string) error {
	if err := a.Check(field); err != nil {
		return err
	}
	if a.Value.IsNegative() {
		return errs.Invalid(field, a.String(), "must not be negative")
	}
	return nil
}

// quote spells v for an error message; a value whose plain spelling would
// be long (a huge exponent) is spelled with its exponent instead.
func quote(v decimal.Decimal) string {
	if exp := int64(v.Exponent()); exp < -maxInput || exp > maxInput {
		return v.Coefficient().String() + "e" + strconv.FormatInt(exp, 10)
	}
	return v.String()
}

// checkMinor refuses a value finer than the currency's minor unit, quoting
// the input as given.
func (a Amount) checkMinor(field, input string) error {
	minor := a.Currency.MinorUnits()
	if !finer(a.Value, minor) {
		return nil
	}
	reason := fmt.Sprintf("finer than the currency's minor unit: %s has %d decimals", a.Currency.Code(), minor)
	if minor == 0 {
		reason = fmt.Sprintf("finer than the currency's minor unit: %s has no decimals", a.Currency.Code())
	}
	return errs.Invalid(field, input+" "+a.Currency.Code(), reason)
}

// finer reports whether v has a nonzero digit beyond decimal place minor.
// It reads the coefficient instead of rescaling, so a value built with a
// huge negative exponent costs no more than its own digits.
func finer(v decimal.Decimal, minor int32) bool {
	shift := -(int64(v.Exponent()) + int64(minor))
	c := v.Coefficient()
	if shift <= 0 || c.Sign() == 0 {
		return false
	}
	if shift > int64(v.NumDigits()) {
		return true
	}
	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(shift), nil)
	return new(big.Int).Rem(c, unit).Sign() != 0
}

// Parsed amounts are bounded so a hostile string cannot make a huge number:
// at most maxInput bytes, a magnitude of at most 10^maxDigits and at most
// maxDigits decimals (trailing zeros aside). The bounds are on the value,
// not the spelling, so every accepted amount's String ("-.5" gives "-0.5")
// parses again, and so does the display form of a computed amount
// (rounding may carry: 99.999 USD shows as "100.00").
const (
	maxDigits = 40
	maxInput  = 100
)

var maxAbs = decimal.New(1, maxDigits)

func parseDecimal(field, s string) (decimal.Decimal, error) {
	bad := errs.Invalid(field, s, "want a decimal number such as 10.00")
	if s == "" || len(s) > maxInput {
		return decimal.Decimal{}, bad
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '.':
		case r == '-' && i == 0:
		default:
			return decimal.Decimal{}, bad
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, bad
	}
	_, frac, _ := strings.Cut(s, ".")
	if d.Abs().GreaterThan(maxAbs) || len(strings.TrimRight(frac, "0")) > maxDigits {
		return decimal.Decimal{}, errs.Invalid(field, s, fmt.Sprintf("at most 10^%d, with at most %d decimals", maxDigits, maxDigits))
	}
	return d, nil
}

// MismatchError is returned when amounts of two currencies meet.
type MismatchError struct{ A, B Currency }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("currency mismatch: %s and %s", e.A.Code(), e.B.Code())
}

// Is reports errs.ErrInvalid.
func (e *MismatchError) Is(target error) bool { return target == errs.ErrInvalid }

// Add returns a+b at full precision, or a *MismatchError.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, &MismatchError{A: a.Currency, B: b.Currency}
	}
	return Amount{Value: a.Value.Add(b.Value), Currency: a.Currency}, nil
}

// Sub returns a-b at full precision, or a *MismatchError.
func (a Amount) Sub(b Amount) (Amount, error) {
	return a.Add(b.Neg())
}

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{Value: a.Value.Neg(), Currency: a.Currency} }

// Mul returns a×n at full precision.
func (a Amount) Mul(n decimal.Decimal) Amount {
	return Amount{Value: a.Value.Mul(n), Currency: a.Currency}
}

// Rounded returns a rounded to the currency's minor unit, half away from zero.
func (a Amount) Rounded() Amount {
	return Amount{Value: a.Value.Round(a.Currency.MinorUnits()), Currency: a.Currency}
}

// Equal reports whether a and b have the same currency and numeric value
// (10.0 equals 10.00).
func (a Amount) Equal(b Amount) bool {
	return a.Currency == b.Currency && a.Value.Equal(b.Value)
}

// String formats the amount with the currency's minor units, e.g. "10.14 EUR".
// It rounds for display only; the Amount keeps its precision.
func (a Amount) String() string {
	return a.Value.StringFixed(a.Currency.MinorUnits()) + " " + a.Currency.Code()
}

// Totals keeps one running sum per currency at full precision. The zero
// Totals is ready to use; it is not safe for concurrent use.
type Totals struct{ sums map[Currency]decimal.Decimal }

// Add adds a to the running sum of its currency.
func (t *Totals) Add(a Amount) {
	if t.sums == nil {
		t.sums = make(map[Currency]decimal.Decimal)
	}
	t.sums[a.Currency] = t.sums[a.Currency].Add(a.Value)
}

// Get returns the unrounded sum for c (zero if none).
func (t Totals) Get(c Currency) Amount {
	return Amount{Value: t.sums[c], Currency: c}
}

// Len returns how many currencies have a sum.
func (t Totals) Len() int { return len(t.sums) }

// Rounded returns each currency's sum rounded once to its minor unit, sorted
// by currency code.
func (t Totals) Rounded() Amounts {
	out := make(Amounts, 0, len(t.sums))
	for c, v := range t.sums {
		out = append(out, Amount{Value: v, Currency: c}.Rounded())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency.Code() < out[j].Currency.Code() })
	return out
}

// Amounts is a list with one amount per currency, as Totals.Rounded
// returns it, so a host can ask for one currency instead of looping.
type Amounts []Amount

// In returns the amount in the currency with the given ISO code (any
// case): zero in that currency if the list has none, and the zero Amount
// if code is not a currency.
func (as Amounts) In(code string) Amount {
	c, err := ParseCurrency(code)
	if err != nil {
		return Amount{}
	}
	for _, a := range as {
		if a.Currency == c {
			return a
		}
	}
	return Amount{Value: decimal.Zero, Currency: c}
}

// Currencies returns the currencies of the list, in its order.
func (as Amounts) Currencies() []Currency {
	out := make([]Currency, len(as))
	for i, a := range as {
		out[i] = a.Currency
	}
	return out
}
