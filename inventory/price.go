package inventory

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

// checkPrices checks a product's prices and returns them sorted by
// currency code, so two products with the same prices read the same.
func checkPrices(prices []money.Amount) ([]money.Amount, error) {
	for i, a := range prices {
		field := "prices[" + strconv.Itoa(i) + "]"
		if err := a.CheckPrice(field); err != nil {
			return nil, err
		}
		for _, b := range prices[:i] {
			if b.Currency == a.Currency {
				return nil, errs.Invalid(field+".currency", a.Currency.Code(), "the product has a price in "+a.Currency.Code()+" already")
			}
		}
	}
	if len(prices) == 0 {
		return nil, nil
	}
	out := slices.Clone(prices)
	slices.SortFunc(out, func(a, b money.Amount) int { return strings.Compare(a.Currency.Code(), b.Currency.Code()) })
	return out, nil
}

// Price returns the product's price in c, and whether it is sold in c.
func (p Product) Price(c money.Currency) (money.Amount, bool) {
	for _, a := range p.Prices {
		if a.Currency == c {
			return a, true
		}
	}
	return money.Amount{}, false
}

// NoPriceError is returned for a purchase of a product in a currency it has
// no price in: it is not sold in that currency (or, with no prices at all,
// not sold, only assigned). It matches errs.ErrInvalid.
type NoPriceError struct {
	Field    string // the input that named the product, e.g. "lines[1].product_id"
	Product  ProductID
	Currency money.Currency
}

func (e *NoPriceError) Error() string {
	return fmt.Sprintf("invalid %s %q: the product has no price in %s", e.Field, e.Product, e.Currency.Code())
}

// Is reports errs.ErrInvalid.
func (e *NoPriceError) Is(target error) bool { return target == errs.ErrInvalid }
