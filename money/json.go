package money

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase/errs"
)

// amountJSON is the JSON form of an Amount: the decimal as a string, so no
// reader parses money into a float.
type amountJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

const amountShape = `want {"amount": "9.40", "currency": "EUR"}`

// MarshalJSON writes {"amount":"9.40","currency":"EUR"}: the value with
// exactly the currency's minor-unit decimals ("1500" for JPY). It refuses an
// amount finer than the minor unit instead of rounding it, so JSON never
// rounds a second time what should be rounded once, at the end (round with
// Rounded first). The zero Amount writes null.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.Currency.IsZero() {
		if a.Value.IsZero() {
			return []byte("null"), nil
		}
		return nil, errs.Invalid("currency", "", "an amount of "+quote(a.Value)+" has no currency")
	}
	if err := a.checkMinor("amount", quote(a.Value)); err != nil {
		return nil, err
	}
	return json.Marshal(amountJSON{Amount: a.Value.StringFixed(a.Currency.MinorUnits()), Currency: a.Currency.Code()})
}

// UnmarshalJSON reads what MarshalJSON writes. It refuses, with the field at
// fault and leaving a unchanged, anything else: another shape, an unknown
// key, a number or null instead of a string, a malformed decimal, an unknown
// currency code, or a value finer than the currency's minor unit. A
// negative amount is accepted (net spent can be negative); prices are
// checked where they enter. null leaves a unchanged, as encoding/json does
// for other types.
func (a *Amount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var raw struct {
		Amount   json.RawMessage `json:"amount"`
		Currency json.RawMessage `json:"currency"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return errs.Invalid("amount", string(b), amountShape+": "+strings.TrimPrefix(err.Error(), "json: "))
	}
	value, ok := jsonString(raw.Amount)
	if !ok {
		return errs.Invalid("amount", string(raw.Amount), `want a decimal string such as "9.40"`)
	}
	code, ok := jsonString(raw.Currency)
	if !ok {
		return errs.Invalid("currency", string(raw.Currency), `want an ISO 4217 code string such as "EUR"`)
	}
	got, err := Parse(value, code)
	if err != nil {
		return err
	}
	*a = got
	return nil
}

// jsonString decodes a JSON string; a missing value, null or any other JSON
// type is not one.
func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// MarshalJSON writes the sums as a list of amounts sorted by currency code,
// the shape of Rounded's list (and of the stats lists): [] when empty. Each
// sum is written as Amount.MarshalJSON writes it, so an unrounded sum is
// refused; marshal Rounded() to show totals.
func (t Totals) MarshalJSON() ([]byte, error) {
	list := make([]Amount, 0, len(t.sums))
	for c, v := range t.sums {
		list = append(list, Amount{Value: v, Currency: c})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Currency.Code() < list[j].Currency.Code() })
	return json.Marshal(list)
}

// UnmarshalJSON reads a list of amounts, each as Amount.UnmarshalJSON reads
// it, into t's sums, replacing them. A currency listed twice, a null entry
// or any other shape is refused and leaves t unchanged.
func (t *Totals) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return errs.Invalid("totals", string(b), `want a list of amounts such as [{"amount": "9.40", "currency": "EUR"}]`)
	}
	sums := make(map[Currency]decimal.Decimal, len(raw))
	for _, r := range raw {
		var a Amount
		if err := a.UnmarshalJSON(r); err != nil {
			return err
		}
		if a.Currency.IsZero() {
			return errs.Invalid("totals", string(r), amountShape)
		}
		if _, dup := sums[a.Currency]; dup {
			return errs.Invalid("currency", a.Currency.Code(), "listed twice; totals hold one sum per currency")
		}
		sums[a.Currency] = a.Value
	}
	t.sums = sums
	return nil
}
