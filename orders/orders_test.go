package orders

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/money"
)

var (
	t0   = time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	cust = customer.NewID(t0)
)

func eur(s string) money.Amount { return money.MustParse(s, "EUR") }

func mustNew(t testing.TB, lines ...Line) Order {
	t.Helper()
	o, err := New(Params{Customer: cust, Lines: lines}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func line(price string, qty int) Line {
	return Line{ProductID: "vip", Quantity: qty, UnitPrice: eur(price)}
}

func TestNewComputesTotal(t *testing.T) {
	o, err := New(Params{
		Customer:      cust,
		Lines:         []Line{line("5.00", 2), {ProductID: " kit ", Quantity: 3, UnitPrice: eur("0.33")}},
		PaymentRef:    " pay_1 ",
		CheckoutIP:    netip.MustParseAddr("::ffff:203.0.113.7"),
		CheckoutEmail: " Player@Example.COM ",
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Total.Equal(eur("10.99")) {
		t.Errorf("Total = %s, want 10.99 EUR", o.Total)
	}
	if o.Status != Created || o.PaymentRef != "pay_1" || o.Lines[1].ProductID != "kit" {
		t.Errorf("New = status %s ref %q product %q", o.Status, o.PaymentRef, o.Lines[1].ProductID)
	}
	if o.CheckoutIP != netip.MustParseAddr("203.0.113.7") || o.CheckoutEmail != "player@example.com" {
		t.Errorf("checkout contact = %s %q, want normalised", o.CheckoutIP, o.CheckoutEmail)
	}
	for _, a := range []money.Amount{o.Fees, o.Refunded, o.DisputeFee} {
		if !a.Equal(eur("0")) {
			t.Errorf("new order money %s, want 0 EUR", a)
		}
	}
	if !strings.HasPrefix(string(o.ID), "ord_") {
		t.Errorf("ID %q lacks the ord_ prefix", o.ID)
	}
}

func TestNewRefuses(t *testing.T) {
	many := make([]Line, MaxLines+1)
	for i := range many {
		many[i] = line("1.00", 1)
	}
	tests := []struct {
		name string
		p    Params
		want error
	}{
		{"no customer", Params{Lines: []Line{line("1.00", 1)}}, errs.ErrInvalid},
		{"no lines", Params{Customer: cust}, errs.ErrInvalid},
		{"too many lines", Params{Customer: cust, Lines: many}, errs.ErrInvalid},
		{"zero quantity", Params{Customer: cust, Lines: []Line{line("1.00", 0)}}, errs.ErrInvalid},
		{"huge quantity", Params{Customer: cust, Lines: []Line{line("1.00", MaxQuantity+1)}}, errs.ErrInvalid},
		{"too many units in all", Params{Customer: cust, Lines: []Line{line("1.00", MaxUnits), line("1.00", 1)}}, errs.ErrInvalid},
		{"negative price", Params{Customer: cust, Lines: []Line{line("-1.00", 1)}}, errs.ErrInvalid},
		{"no product", Params{Customer: cust, Lines: []Line{{Quantity: 1, UnitPrice: eur("1")}}}, errs.ErrInvalid},
		{"no currency", Params{Customer: cust, Lines: []Line{{ProductID: "x", Quantity: 1, UnitPrice: money.Amount{Value: decimal.NewFromInt(1)}}}}, errs.ErrInvalid},
		{"ref with a space", Params{Customer: cust, Lines: []Line{line("1.00", 1)}, PaymentRef: "pay 1"}, errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.p, t0); !errors.Is(err, tt.want) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("two currencies", func(t *testing.T) {
		_, err := New(Params{Customer: cust, Lines: []Line{line("1.00", 1), {ProductID: "x", Quantity: 1, UnitPrice: money.MustParse("1.00", "USD")}}}, t0)
		var me *money.MismatchError
		if !errors.As(err, &me) {
			t.Errorf("New with EUR and USD lines = %v, want *money.MismatchError", err)
		}
	})
}

// states builds an order in every status from a 10.00 EUR order paid with
// reference "pay_1" and 0.79 fees; the partial refund of 3.00 has refund
// reference "re_1".
func states(t *testing.T) map[string]Order {
	t.Helper()
	at := t0.Add(time.Hour)
	created := mustNew(t, line("10.00", 1))
	completed, _, err := created.Complete("pay_1", eur("0.79"), at)
	if err != nil {
		t.Fatal(err)
	}
	partly, _, err := completed.RefundRef("re_1", eur("3.00"), at)
	if err != nil {
		t.Fatal(err)
	}
	refunded, err := completed.Refund(eur("10.00"), at)
	if err != nil {
		t.Fatal(err)
	}
	charged, _, err := completed.Chargeback(eur("15.00"), at)
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := created.Cancel(at)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Order{
		"created": created, "completed": completed, "partly refunded": partly,
		"refunded": refunded, "chargeback": charged, "canceled": canceled,
	}
}

// TestTransitions tries every event on every status.
func TestTransitions(t *testing.T) {
	at := t0.Add(2 * time.Hour)
	type result struct {
		status Status
		err    error // nil, errs.ErrInvalid, or a *TransitionError (ErrConflict)
		noop   bool  // success without a change
	}
	events := map[string]func(Order) (Order, bool, error){
		"complete pay_1": func(o Order) (Order, bool, error) { return o.Complete("pay_1", eur("0.50"), at) },
		"complete pay_2": func(o Order) (Order, bool, error) { return o.Complete("pay_2", eur("0.50"), at) },
		"complete no ref": func(o Order) (Order, bool, error) {
			return o.Complete("", money.Amount{}, at)
		},
		"refund 3.00":  func(o Order) (Order, bool, error) { n, err := o.Refund(eur("3.00"), at); return n, err == nil, err },
		"refund 7.00":  func(o Order) (Order, bool, error) { n, err := o.Refund(eur("7.00"), at); return n, err == nil, err },
		"refund 10.01": func(o Order) (Order, bool, error) { n, err := o.Refund(eur("10.01"), at); return n, err == nil, err },
		"refund 0":     func(o Order) (Order, bool, error) { n, err := o.Refund(eur("0"), at); return n, err == nil, err },
		// A retried refund webhook, with the amount it had, then another.
		"refund 3.00 re_1": func(o Order) (Order, bool, error) { return o.RefundRef("re_1", eur("3.00"), at) },
		"refund 1.00 re_1": func(o Order) (Order, bool, error) { return o.RefundRef("re_1", eur("1.00"), at) },
		"chargeback 15.00": func(o Order) (Order, bool, error) {
			return o.Chargeback(eur("15.00"), at)
		},
		"chargeback no fee": func(o Order) (Order, bool, error) {
			return o.Chargeback(money.Amount{}, at)
		},
		"cancel": func(o Order) (Order, bool, error) { n, err := o.Cancel(at); return n, err == nil, err },
	}
	conflict := &TransitionError{}
	refConflict := &RefundRefError{}
	ok := func(s Status) result { return result{status: s} }
	refused := func(s Status) result { return result{status: s, err: conflict} }
	invalid := func(s Status) result { return result{status: s, err: errs.ErrInvalid} }
	noop := func(s Status) result { return result{status: s, noop: true} }
	reused := func(s Status) result { return result{status: s, err: refConflict} }
	want := map[string]map[string]result{
		"created": {
			"refund 3.00 re_1": refused(Created), "refund 1.00 re_1": refused(Created),
			"complete pay_1": ok(Completed), "complete pay_2": ok(Completed), "complete no ref": ok(Completed),
			"refund 3.00": refused(Created), "refund 7.00": refused(Created), "refund 10.01": refused(Created), "refund 0": refused(Created),
			"chargeback 15.00": refused(Created), "chargeback no fee": refused(Created), "cancel": ok(Canceled),
		},
		"completed": {
			"refund 3.00 re_1": ok(Completed), "refund 1.00 re_1": ok(Completed),
			"complete pay_1": noop(Completed), "complete pay_2": refused(Completed), "complete no ref": refused(Completed),
			"refund 3.00": ok(Completed), "refund 7.00": ok(Completed), "refund 10.01": invalid(Completed), "refund 0": invalid(Completed),
			"chargeback 15.00": ok(Chargeback), "chargeback no fee": ok(Chargeback), "cancel": refused(Completed),
		},
		"partly refunded": {
			"refund 3.00 re_1": noop(Completed), "refund 1.00 re_1": reused(Completed),
			"complete pay_1": noop(Completed), "complete pay_2": refused(Completed), "complete no ref": refused(Completed),
			"refund 3.00": ok(Completed), "refund 7.00": ok(Refunded), "refund 10.01": invalid(Completed), "refund 0": invalid(Completed),
			"chargeback 15.00": ok(Chargeback), "chargeback no fee": ok(Chargeback), "cancel": refused(Completed),
		},
		"refunded": {
			"refund 3.00 re_1": refused(Refunded), "refund 1.00 re_1": refused(Refunded),
			"complete pay_1": noop(Refunded), "complete pay_2": refused(Refunded), "complete no ref": refused(Refunded),
			"refund 3.00": refused(Refunded), "refund 7.00": refused(Refunded), "refund 10.01": refused(Refunded), "refund 0": refused(Refunded),
			"chargeback 15.00": refused(Refunded), "chargeback no fee": refused(Refunded), "cancel": refused(Refunded),
		},
		"chargeback": {
			"refund 3.00 re_1": refused(Chargeback), "refund 1.00 re_1": refused(Chargeback),
			"complete pay_1": noop(Chargeback), "complete pay_2": refused(Chargeback), "complete no ref": refused(Chargeback),
			"refund 3.00": refused(Chargeback), "refund 7.00": refused(Chargeback), "refund 10.01": refused(Chargeback), "refund 0": refused(Chargeback),
			"chargeback 15.00": noop(Chargeback), "chargeback no fee": refused(Chargeback), "cancel": refused(Chargeback),
		},
		"canceled": {
			"refund 3.00 re_1": refused(Canceled), "refund 1.00 re_1": refused(Canceled),
			"complete pay_1": refused(Canceled), "complete pay_2": refused(Canceled), "complete no ref": refused(Canceled),
			"refund 3.00": refused(Canceled), "refund 7.00": refused(Canceled), "refund 10.01": refused(Canceled), "refund 0": refused(Canceled),
			"chargeback 15.00": refused(Canceled), "chargeback no fee": refused(Canceled), "cancel": refused(Canceled),
		},
	}
	for from, o := range states(t) {
		for ev, apply := range events {
			t.Run(from+"/"+ev, func(t *testing.T) {
				w := want[from][ev]
				next, changed, err := apply(o)
				switch w.err {
				case nil:
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
					if changed == w.noop {
						t.Errorf("changed = %v, want %v", changed, !w.noop)
					}
					if w.noop && !cmp.Equal(next, o, cmpOpts) {
						t.Errorf("a no-op changed the order")
					}
				case refConflict:
					var re *RefundRefError
					if !errors.As(err, &re) || re.Ref != "re_1" || !errors.Is(err, errs.ErrConflict) {
						t.Fatalf("err = %v, want a *RefundRefError for re_1 matching ErrConflict", err)
					}
				case conflict:
					var te *TransitionError
					if !errors.As(err, &te) || te.From != o.Status || !errors.Is(err, errs.ErrConflict) {
						t.Fatalf("err = %v, want a *TransitionError from %s matching ErrConflict", err, o.Status)
					}
				default:
					if !errors.Is(err, w.err) {
						t.Fatalf("err = %v, want %v", err, w.err)
					}
				}
				if next.Status != w.status {
					t.Errorf("status = %s, want %s", next.Status, w.status)
				}
				if err != nil && !cmp.Equal(next, o, cmpOpts) {
					t.Errorf("a refused %s changed the order", ev)
				}
			})
		}
	}
}

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestCompleteRecordsRefAndFees(t *testing.T) {
	o := mustNew(t, line("10.00", 1))
	at := t0.Add(time.Minute)
	done, changed, err := o.Complete("pay_9", eur("0.79"), at)
	if err != nil || !changed {
		t.Fatalf("Complete = %v, %v", changed, err)
	}
	if done.PaymentRef != "pay_9" || !done.Fees.Equal(eur("0.79")) || done.CompletedAt == nil || !done.CompletedAt.Equal(at) {
		t.Errorf("completed order: ref %q fees %s completed at %v", done.PaymentRef, done.Fees, done.CompletedAt)
	}
	// A retry with other fees changes nothing: the first completion stands.
	again, changed, err := done.Complete("pay_9", eur("5.00"), at.Add(time.Hour))
	if err != nil || changed || !again.Fees.Equal(eur("0.79")) {
		t.Errorf("retried Complete = fees %s, changed %v, %v", again.Fees, changed, err)
	}
	// The order was checked out with a reference: completion must match it.
	pre, err := New(Params{Customer: cust, Lines: []Line{line("1.00", 1)}, PaymentRef: "pay_a"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pre.Complete("pay_b", money.Amount{}, at); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Complete with another reference than checkout's = %v, want ErrConflict", err)
	}
	if got, _, err := pre.Complete("", money.Amount{}, at); err != nil || got.PaymentRef != "pay_a" {
		t.Errorf("Complete without a reference = %q, %v; want the checkout's", got.PaymentRef, err)
	}
	// Fees in another currency, or negative, are refused.
	if _, _, err := o.Complete("pay_9", money.MustParse("0.79", "USD"), at); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Complete with USD fees on a EUR order = %v, want ErrInvalid", err)
	}
	if _, _, err := o.Complete("pay_9", eur("-0.01"), at); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("Complete with negative fees = %v, want ErrInvalid", err)
	}
}

// Money finer than the currency's minor unit is refused wherever it enters
// an order, whatever the order's status, with the field at fault, and the
// order is left as it was.
func TestFinerThanMinorUnit(t *testing.T) {
	fine := func(v, code string) money.Amount {
		return money.Amount{Value: decimal.RequireFromString(v), Currency: money.MustCurrency(code)}
	}
	field := func(t *testing.T, what string, err error, want string) {
		t.Helper()
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || inv.Field != want {
			t.Errorf("%s = %v, want an *errs.InvalidError for %s", what, err, want)
		}
	}
	for _, tc := range []struct{ code, price, fine string }{{"USD", "10.00", "0.004"}, {"JPY", "1000", "0.4"}, {"KWD", "10.000", "0.0005"}} {
		t.Run(tc.code, func(t *testing.T) {
			price, small := money.MustParse(tc.price, tc.code), fine(tc.fine, tc.code)
			ok := Line{ProductID: "vip", Quantity: 1, UnitPrice: price}
			_, err := New(Params{Customer: cust, Lines: []Line{ok, {ProductID: "kit", Quantity: 2, UnitPrice: fine("1"+tc.fine[1:], tc.code)}}}, t0)
			field(t, "New with a line at "+tc.fine, err, "lines[1].unit_price")
			created := mustNew(t, ok)
			_, _, err = created.Complete("pay_1", small, t0)
			field(t, "Complete with fees of "+tc.fine, err, "fees")
			_, _, err = created.Chargeback(small, t0)
			field(t, "Chargeback of a created order with a dispute fee of "+tc.fine, err, "dispute_fee")
			paid, _, err := created.Complete("pay_1", money.Amount{}, t0)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = paid.Complete("pay_1", small, t0)
			field(t, "a retried Complete with fees of "+tc.fine, err, "fees")
			_, err = paid.Refund(small, t0)
			field(t, "Refund of "+tc.fine, err, "amount")
			_, _, err = paid.RefundRef("re_1", small, t0)
			field(t, "RefundRef of "+tc.fine, err, "amount")
			_, _, err = paid.Chargeback(small, t0)
			field(t, "Chargeback with a dispute fee of "+tc.fine, err, "dispute_fee")
			full, err := paid.Refund(price, t0)
			if err != nil || full.Status != Refunded {
				t.Errorf("Refund of the whole %s = %s, %v; want refunded", price, full.Status, err)
			}
		})
	}
	_, err := New(Params{Customer: cust, Lines: []Line{line("1.00", 1), line("1.00", 0)}}, t0)
	field(t, "New with a line of quantity 0", err, "lines[1].quantity")
}

// TestRefundRef delivers refund webhooks in turn to one 10.00 order: a
// retried one changes nothing, so the money stays right to the cent.
func TestRefundRef(t *testing.T) {
	paid, _, err := mustNew(t, line("10.00", 1)).Complete("pay_1", eur("0.79"), t0)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	var te *TransitionError
	var re *RefundRefError
	steps := []struct {
		name     string
		ref      string
		amount   money.Amount
		changed  bool
		err      any // nil, errs.ErrInvalid, &te or &re
		refunded string
		status   Status
	}{
		{"first partial refund", "re_1", eur("3.00"), true, nil, "3.00", Completed},
		{"the same webhook again", "re_1", eur("3.00"), false, nil, "3.00", Completed},
		{"the same amount at another scale", " re_1 ", eur("3"), false, nil, "3.00", Completed},
		{"the same reference, another amount", "re_1", eur("3.01"), false, &re, "3.00", Completed},
		{"the same reference in another currency", "re_1", money.MustParse("3.00", "USD"), false, &re, "3.00", Completed},
		{"a reference with a space", "re 2", eur("1.00"), false, errs.ErrInvalid, "3.00", Completed},
		// A provider's bytes are cleaned, not refused: the retry matches.
		{"the same reference with a NUL and a line break", "re_1\x00\r\n", eur("3.00"), false, nil, "3.00", Completed},
		{"a new reference, too much", "re_2", eur("7.01"), false, errs.ErrInvalid, "3.00", Completed},
		{"a manual refund", "", eur("1.00"), true, nil, "4.00", Completed},
		{"another manual refund of the same amount", "", eur("1.00"), true, nil, "5.00", Completed},
		{"the rest under a new reference", "re_2", eur("5.00"), true, nil, "10.00", Refunded},
		{"the first webhook, once more, after the full refund", "re_1", eur("3.00"), false, nil, "10.00", Refunded},
		{"the last webhook again", "re_2", eur("5.00"), false, nil, "10.00", Refunded},
		{"a new reference on a refunded order", "re_3", eur("1.00"), false, &te, "10.00", Refunded},
	}
	o := paid
	for _, s := range steps {
		next, changed, err := o.RefundRef(s.ref, s.amount, at)
		switch want := s.err.(type) {
		case nil:
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		case error:
			if !errors.Is(err, want) {
				t.Fatalf("%s: err = %v, want %v", s.name, err, want)
			}
		default:
			if !errors.As(err, want) || !errors.Is(err, errs.ErrConflict) {
				t.Fatalf("%s: err = %v, want %T matching ErrConflict", s.name, err, want)
			}
		}
		if changed != s.changed {
			t.Errorf("%s: changed = %v, want %v", s.name, changed, s.changed)
		}
		if !changed && !cmp.Equal(next, o, cmpOpts) {
			t.Errorf("%s: unchanged, yet the order differs", s.name)
		}
		if !next.Refunded.Equal(eur(s.refunded)) || next.Status != s.status {
			t.Errorf("%s: refunded %s, %s; want %s EUR, %s", s.name, next.Refunded, next.Status, s.refunded, s.status)
		}
		o = next
		at = at.Add(time.Minute)
	}
	want := []Refund{
		{Ref: "re_1", Amount: eur("3.00"), At: t0.Add(time.Hour)},
		{Amount: eur("1.00"), At: t0.Add(time.Hour + 8*time.Minute)},
		{Amount: eur("1.00"), At: t0.Add(time.Hour + 9*time.Minute)},
		{Ref: "re_2", Amount: eur("5.00"), At: t0.Add(time.Hour + 10*time.Minute)},
	}
	if d := cmp.Diff(want, o.Refunds, cmpOpts); d != "" {
		t.Errorf("Refunds (-want +got):\n%s", d)
	}
	if re.Ref != "re_1" || !re.Recorded.Equal(eur("3.00")) || re.ID != paid.ID {
		t.Errorf("RefundRefError = %+v, want re_1 recorded 3.00 EUR on %s", re, paid.ID)
	}
	// The order handed in is never changed: a value, with its own list.
	if len(paid.Refunds) != 0 || !paid.Refunded.Equal(eur("0")) {
		t.Errorf("the paid order changed: %v, refunded %s", paid.Refunds, paid.Refunded)
	}
}

func TestRefundCurrency(t *testing.T) {
	o, _, _ := mustNew(t, line("10.00", 1)).Complete("p", money.Amount{}, t0)
	if _, err := o.Refund(money.MustParse("1.00", "USD"), t0); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("USD refund of a EUR order = %v, want ErrInvalid", err)
	}
}

// TestNet checks the hand-computed vectors of docs/RULES.md "Stats" order by
// order.
func TestNet(t *testing.T) {
	s := states(t)
	tests := []struct {
		state string
		net   string
	}{
		{"created", "0"},
		{"canceled", "0"},
		{"completed", "9.21"},       // 10.00 − 0.79
		{"partly refunded", "6.21"}, // 10.00 − 0.79 − 3.00
		{"refunded", "-0.79"},       // the fees are not given back
		{"chargeback", "-15.79"},    // 10.00 − (0.79 + 15.00) − 10.00
	}
	for _, tt := range tests {
		if got := s[tt.state].Net(); !got.Equal(eur(tt.net)) {
			t.Errorf("%s: Net = %s, want %s EUR", tt.state, got, tt.net)
		}
	}
	// A chargeback after a partial refund reverses the rest, not the total
	// again.
	cb, _, err := s["partly refunded"].Chargeback(eur("15.00"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := cb.Net(); !got.Equal(eur("-15.79")) {
		t.Errorf("chargeback after a partial refund: Net = %s, want -15.79 EUR", got)
	}
}

func TestSummarize(t *testing.T) {
	s := states(t)
	usd, _, _ := mustNewUSD(t).Complete("pay_usd", money.MustParse("1.00", "USD"), t0)
	all := []Order{s["created"], s["completed"], s["partly refunded"], s["refunded"], s["chargeback"], s["canceled"], usd}
	got := Summarize(all)
	want := Summary{
		Sums: []Sum{
			{Currency: money.MustCurrency("EUR"), Payments: 4, Gross: dec("40"), Fees: dec("18.16"), Reversed: dec("23")},
			{Currency: money.MustCurrency("USD"), Payments: 1, Gross: dec("20"), Fees: dec("1"), Reversed: dec("0")},
		},
		Payments: 5, Refunds: 2, Chargebacks: 1,
	}
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		t.Errorf("Summarize (-want +got):\n%s", d)
	}
}

func mustNewUSD(t *testing.T) Order {
	return mustNew(t, Line{ProductID: "vip", Quantity: 2, UnitPrice: money.MustParse("10.00", "USD")})
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestSummaryRunning checks what a store keeping a running Summary relies
// on: removing an order as stored and adding its next version, step after
// step, always equals summarizing the orders as they are now.
func TestSummaryRunning(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var orders []Order
		var running Summary
		at := t0
		t.Repeat(map[string]func(*rapid.T){
			"create": func(t *rapid.T) {
				cur := rapid.SampledFrom([]string{"EUR", "USD", "JPY"}).Draw(t, "currency")
				prices := []string{"0", "1", "9.99", "10"}
				if cur == "JPY" {
					prices = []string{"0", "1", "999", "1000"}
				}
				price := money.MustParse(rapid.SampledFrom(prices).Draw(t, "price"), cur)
				o, err := New(Params{Customer: cust, Lines: []Line{{ProductID: "p", Quantity: rapid.IntRange(1, 3).Draw(t, "qty"), UnitPrice: price}}}, at)
				if err != nil {
					t.Fatal(err)
				}
				orders = append(orders, o)
				running = running.Add(o)
			},
			"transition": func(t *rapid.T) {
				if len(orders) == 0 {
					t.Skip("no orders")
				}
				i := rapid.IntRange(0, len(orders)-1).Draw(t, "order")
				o := orders[i]
				cur := o.Currency().Code()
				var next Order
				var err error
				switch rapid.IntRange(0, 3).Draw(t, "event") {
				case 0:
					next, _, err = o.Complete("ref", money.MustParse("1", cur), at)
				case 1:
					next, err = o.Refund(money.MustParse(rapid.SampledFrom([]string{"1", "3", "10"}).Draw(t, "refund"), cur), at)
				case 2:
					next, _, err = o.Chargeback(money.MustParse("15", cur), at)
				default:
					next, err = o.Cancel(at)
				}
				if err != nil {
					t.Skip(err.Error())
				}
				orders[i] = next
				running = running.Remove(o).Add(next)
			},
			"": func(t *rapid.T) {
				if d := cmp.Diff(Summarize(orders), running, cmpOpts); d != "" {
					t.Fatalf("running Summary drifted (-summarized +running):\n%s", d)
				}
			},
		})
	})
}

func TestCheckRefundRef(t *testing.T) {
	if ref, err := CheckRefundRef(" re_1 "); ref != "re_1" || err != nil {
		t.Errorf(`CheckRefundRef(" re_1 ") = %q, %v`, ref, err)
	}
	var inv *errs.InvalidError
	if _, err := CheckRefundRef("re 1"); !errors.As(err, &inv) || inv.Field != "refund_ref" {
		t.Errorf(`CheckRefundRef("re 1") = %v, want an *errs.InvalidError for refund_ref`, err)
	}
}

func FuzzCheckPaymentRef(f *testing.F) {
	for _, s := range []string{"pay_1", " pi_3N ", "", "a b", "\x00", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := CheckPaymentRef(s)
		if err != nil {
			return
		}
		again, err := CheckPaymentRef(ref)
		if err != nil || again != ref {
			t.Fatalf("checked %q does not check to itself: %q, %v", ref, again, err)
		}
	})
}
