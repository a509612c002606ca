package playerbase

import (
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
)

// checkCurrency refuses a checkout that does not say which currency it is
// priced in: a product sold in several has no single price otherwise.
func checkCurrency(cur money.Currency) error {
	if cur.IsZero() {
		return errs.Invalid("currency", "", "missing: the currency the checkout is priced in")
	}
	return nil
}

// checkOverride checks a host's price override, named field in errors: a
// price (money.Amount.CheckPrice) in the checkout's currency cur. It returns
// a copy, so a caller changing its value later changes nothing here.
func checkOverride(field string, o *money.Amount, cur money.Currency) (*money.Amount, error) {
	if o == nil {
		return nil, nil
	}
	if err := o.CheckPrice(field); err != nil {
		return nil, err
	}
	if o.Currency != cur {
		return nil, errs.Invalid(field, o.String(), "not in the checkout's currency, "+cur.Code())
	}
	c := *o
	return &c, nil
}

// priceOf returns what one unit of p is charged in cur: the host's
// override if it set one (checked by checkOverride), otherwise the
// product's catalog price. A product without a price in cur is not sold
// in it, override or not — an override reprices a sale, it does not put
// on sale what the catalog does not sell — so that is an
// *inventory.NoPriceError naming field, the input that named p.
func priceOf(p inventory.Product, field string, cur money.Currency, override *money.Amount) (price money.Amount, overridden bool, err error) {
	price, ok := p.Price(cur)
	if !ok {
		return money.Amount{}, false, &inventory.NoPriceError{Field: field, Product: p.ID, Currency: cur}
	}
	if override != nil {
		return *override, true, nil
	}
	return price, false, nil
}
