package money

import (
	"fmt"
	"sort"
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

// New returns an amount; it refuses the zero Currency.
func New(value decimal.Decimal, c Currency) (Amount, error) {
	if c.IsZero() {
		return Amount{}, errs.Invalid("currency", "", "missing")
	}
	return Amount{Value: value, Currency: c}, nil
}

// NewPrice is New for prices: a negative value is refused.
func NewPrice(value decimal.Decimal, c Currency) (Amount, error) {
	if value.IsNegative() {
		return Amount{}, errs.Invalid("price", value.String(), "must not be negative")
	}
	return New(value, c)
}

// Parse reads a decimal string such as "10.00" and a currency code.
func Parse(value, code string) (Amount, error) {
	c, err := ParseCurrency(code)
	if err != nil {
		return Amount{}, err
	}
	d, err := parseDecimal(value)
	if err != nil {
		return Amount{}, err
	}
	return New(d, c)
}

// ParsePrice is Parse for prices: a negative value is refused.
func ParsePrice(value, code string) (Amount, error) {
	a, err := Parse(value, code)
	if err != nil {
		return Amount{}, err
	}
	return NewPrice(a.Value, a.Currency)
}

// MustParse is Parse for constants in tests and examples; it panics on error.
func MustParse(value, code string) Amount {
	a, err := Parse(value, code)
	if err != nil {
		panic(err)
	}
	return a
}

// Parsed amounts are bounded so a hostile string cannot make a huge number:
// at most maxInput bytes, a magnitude of at most 10^maxDigits and at most
// maxDigits decimals (trailing zeros aside). The bounds are on the value,
// not the spelling, so every accepted amount's String ("-.5" gives "-0.5")
// and display form (rounding may carry: 99.999 USD shows as "100.00") parse
// again.
const (
	maxDigits = 40
	maxInput  = 100
)

var maxAbs = decimal.New(1, maxDigits)

func parseDecimal(s string) (decimal.Decimal, error) {
	bad := errs.Invalid("amount", s, "want a decimal number such as 10.00")
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
		return decimal.Decimal{}, errs.Invalid("amount", s, fmt.Sprintf("at most 10^%d, with at most %d decimals", maxDigits, maxDigits))
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
func (t Totals) Rounded() []Amount {
	out := make([]Amount, 0, len(t.sums))
	for c, v := range t.sums {
		out = append(out, Amount{Value: v, Currency: c}.Rounded())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency.Code() < out[j].Currency.Code() })
	return out
}
