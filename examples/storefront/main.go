// Command storefront shows a host app built on playerbase, on the
// in-memory store unless -db names a SQLite file or a PostgreSQL URL: a small HTTP store backend that sells a 30-day VIP rank
// for a Minecraft server, takes the payment provider's webhook (delivered
// twice, as providers do), and serves the Customer Details Page as JSON; a
// simulated game server picks up the rank's commands, and, once the rank
// runs out and the store sweeps, the command that takes it away. A second
// purchase is refunded (the refund webhook, too, arrives twice) and the
// rank is taken away once; a banned network cannot check out. Prices come
// from playerbase's catalog: a price the browser posts changes nothing,
// and only the store's own coupon rule reprices a line, which the order
// records.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/examples/internal/backend"
	"github.com/playerbase/playerbase/examples/internal/sim"
	"github.com/playerbase/playerbase/gameapi"
	"github.com/playerbase/playerbase/gameclient"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/period"
	"github.com/playerbase/playerbase/problem"
	"github.com/playerbase/playerbase/storage"
)

func main() {
	db := backend.Flag()
	flag.Parse()
	ctx := context.Background()
	be, err := backend.Open(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, os.Stdout, sim.NewConsole("lp user ", "give "), be); err != nil {
		log.Fatal(err)
	}
}

const server = "mc-survival"

// store is the host app: its HTTP handlers and its coupons. The catalog
// (products, their prices and what they run) is playerbase's.
type store struct {
	pb *playerbase.Client
	// coupons maps a code to the share of the catalog price it charges.
	coupons map[string]decimal.Decimal
}

func (s *store) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", s.checkout)
	mux.HandleFunc("POST /webhooks/payment", s.paymentWebhook)
	mux.HandleFunc("POST /webhooks/refund", s.refundWebhook)
	mux.HandleFunc("GET /customers/{id}", s.details)
	return mux
}

// checkoutRequest is what the browser posts. It has no price: whatever
// price a tampered request carries is never read.
type checkoutRequest struct {
	UUID     string              `json:"uuid"`
	Name     string              `json:"name"`
	Product  inventory.ProductID `json:"product"`
	Currency string              `json:"currency"`
	Coupon   string              `json:"coupon,omitempty"`
	IP       string              `json:"ip"`
}

type checkoutResponse struct {
	Customer   customer.ID `json:"customer"`
	Order      orders.ID   `json:"order"`
	Total      string      `json:"total"`
	Status     string      `json:"status"`
	Overridden bool        `json:"overridden"`
}

// checkout identifies the player (find or create) and opens an order at
// the catalog price; a banned player is refused here with 403 and the ban
// IDs.
func (s *store) checkout(w http.ResponseWriter, r *http.Request) {
	var req checkoutRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cur, err := money.ParseCurrency(req.Currency)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	ctx := r.Context()
	line := playerbase.OrderLineParams{ProductID: inventory.ProductID(req.Product), Quantity: 1}
	if req.Coupon != "" {
		if line.PriceOverride, err = s.discounted(ctx, req.Product, cur, req.Coupon); err != nil {
			problem.Write(w, r, err)
			return
		}
	}
	cust, _, err := s.pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: req.UUID, Name: req.Name})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	o, err := s.pb.OrderCreate(ctx, cust.ID, playerbase.OrderCreateParams{Currency: cur, Lines: []playerbase.OrderLineParams{line}, IP: req.IP})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, checkoutResponse{Customer: cust.ID, Order: o.ID, Total: o.Total.String(), Status: string(o.Status), Overridden: o.Lines[0].PriceOverridden})
}

// discounted applies the store's own coupon rule to the catalog price: the
// one place a price playerbase did not pick enters a checkout, so it says
// so with PriceOverride.
func (s *store) discounted(ctx context.Context, id inventory.ProductID, cur money.Currency, code string) (*money.Amount, error) {
	share, ok := s.coupons[code]
	if !ok {
		return nil, fmt.Errorf("%w: unknown coupon %q", playerbase.ErrInvalid, code)
	}
	p, err := s.pb.ProductGet(ctx, id)
	if err != nil {
		return nil, err
	}
	price, ok := p.Price(cur)
	if !ok {
		return nil, &inventory.NoPriceError{Field: "product", Product: id, Currency: cur}
	}
	off := price.Mul(share).Rounded()
	return &off, nil
}

type paymentEvent struct {
	Order      orders.ID `json:"order"`
	PaymentRef string    `json:"payment_ref"`
	Fees       string    `json:"fees"`
	Currency   string    `json:"currency"`
}

// paymentWebhook completes the order. Providers retry webhooks; a retry
// with the same payment reference changes nothing and still gets 200.
func (s *store) paymentWebhook(w http.ResponseWriter, r *http.Request) {
	var ev paymentEvent
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fees, err := money.ParsePrice(ev.Fees, ev.Currency)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	o, err := s.pb.OrderComplete(r.Context(), playerbase.OrderCompleteParams{OrderID: ev.Order, PaymentRef: ev.PaymentRef, Fees: fees})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, map[string]string{"order": string(o.ID), "status": string(o.Status)})
}

type refundEvent struct {
	Order     orders.ID `json:"order"`
	RefundRef string    `json:"refund_ref"`
	Amount    string    `json:"amount"`
	Currency  string    `json:"currency"`
}

// refundWebhook records a refund under the provider's reference: a retry
// refunds nothing more and reverses the items once (by default a full
// refund revokes them, which runs their on-expiry commands).
func (s *store) refundWebhook(w http.ResponseWriter, r *http.Request) {
	var ev refundEvent
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	amount, err := money.ParsePrice(ev.Amount, ev.Currency)
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	o, err := s.pb.OrderRefund(r.Context(), ev.Order, playerbase.OrderRefundParams{Reference: ev.RefundRef, Amount: amount})
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	writeJSON(w, map[string]string{"order": string(o.ID), "status": string(o.Status)})
}

// detailsView is the part of the Customer Details Page this example shows.
type detailsView struct {
	Name      string      `json:"name"`
	Profile   string      `json:"profile"`
	Spent     []spentView `json:"spent"` // one per currency
	Payments  int         `json:"payments"`
	Banned    bool        `json:"banned"`
	Orders    []orderView `json:"orders"` // newest first
	Inventory []itemView  `json:"inventory"`
}

// spentView shows net spent with what it is made of, so the figure adds up
// on the page: net = paid − fees − refunded.
type spentView struct {
	Net      money.Amount `json:"net"`
	Paid     money.Amount `json:"paid"`
	Fees     money.Amount `json:"fees"`
	Refunded money.Amount `json:"refunded"`
}

type orderView struct {
	ID       orders.ID    `json:"id"`
	Status   string       `json:"status"`
	Total    money.Amount `json:"total"`
	Fees     money.Amount `json:"fees"`
	Refunded money.Amount `json:"refunded"`
}

type itemView struct {
	Product string `json:"product"`
	State   string `json:"state"`
	Expires string `json:"expires"`
}

// String lays the page out as a store owner reads it.
func (v detailsView) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d payment(s)\n", v.Name, v.Payments)
	for _, s := range v.Spent {
		fmt.Fprintf(&b, "  net spent %s = %s − %s fees", s.Net, number(s.Paid), number(s.Fees))
		if !s.Refunded.Value.IsZero() {
			fmt.Fprintf(&b, " − %s refunded", number(s.Refunded))
		}
		b.WriteString("\n")
	}
	b.WriteString("  orders:\n")
	for _, o := range v.Orders {
		fmt.Fprintf(&b, "    %s  %-9s  total %s, fees %s, refunded %s\n", o.ID, o.Status, o.Total, o.Fees, o.Refunded)
	}
	b.WriteString("  inventory:\n")
	for _, it := range v.Inventory {
		fmt.Fprintf(&b, "    %s  %-7s  expiry %s\n", it.Product, it.State, it.Expires)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// number is an amount without its currency, for the right-hand side of
// "net spent 4.54 EUR = 4.99 − 0.45 fees".
func number(a money.Amount) string {
	return a.Rounded().Value.StringFixed(a.Currency.MinorUnits())
}

func (s *store) details(w http.ResponseWriter, r *http.Request) {
	d, err := s.pb.CustomerDetails(r.Context(), customer.ID(r.PathValue("id")))
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	v := detailsView{Name: d.Customer.Name, Profile: d.ProfileURL, Payments: d.Stats.TotalPayments, Banned: len(d.Banner) > 0}

	// Net spent subtracts each paid order's fees (AllFees: the processor's,
	// plus a bank's dispute fee) and what went back (Reversed: refunds, or
	// the whole total after a chargeback). This customer's orders fit on
	// the details page's first page; a store with longer histories would
	// read the rest with OrderList.
	var fees, reversed money.Totals
	for _, o := range d.Orders.Orders {
		v.Orders = append(v.Orders, orderView{ID: o.ID, Status: string(o.Status), Total: o.Total, Fees: o.AllFees(), Refunded: o.Reversed()})
		if o.Paid() {
			fees.Add(o.AllFees())
			reversed.Add(o.Reversed())
		}
	}
	for _, c := range d.Stats.NetSpent.Currencies() {
		v.Spent = append(v.Spent, spentView{
			Net:      d.Stats.NetSpent.In(c.Code()),
			Paid:     d.Stats.GrossSpent.In(c.Code()),
			Fees:     fees.Get(c).Rounded(),
			Refunded: reversed.Get(c).Rounded(),
		})
	}

	names := map[inventory.ProductID]string{}
	for _, it := range d.Inventory.Items {
		name, ok := names[it.ProductID]
		if !ok {
			p, err := s.pb.ProductGet(r.Context(), it.ProductID)
			if err != nil {
				problem.Write(w, r, err)
				return
			}
			name, names[it.ProductID] = p.Name, p.Name
		}
		iv := itemView{Product: name, State: string(it.State)}
		if it.ExpiresAt != nil {
			iv.Expires = it.ExpiresAt.Format(time.DateOnly)
		}
		v.Inventory = append(v.Inventory, iv)
	}
	writeJSON(w, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// post sends v as JSON and decodes the answer into out.
func post(url string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	return decode(resp, out)
}

func get(url string, out any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	return decode(resp, out)
}

func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		var p problem.Problem
		if resp.Header.Get("Content-Type") == problem.ContentType && json.Unmarshal(msg, &p) == nil {
			return fmt.Errorf("%s: %s", resp.Status, p.Detail)
		}
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func run(ctx context.Context, out io.Writer, con *sim.Console, be storage.Backend) error {
	clk := sim.NewClock(time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC))
	// The backend: any storage.Backend fits here (main picks it with -db).
	pb := playerbase.New(be, &playerbase.Config{Now: clk.Now})
	defer pb.Close()

	vip, err := pb.ProductCreate(ctx, inventory.Product{
		Name:     "VIP (30 days)",
		Duration: period.For(30, period.Day),
		Commands: []inventory.CommandTemplate{
			{Stage: inventory.OnPurchase, Server: server, Template: "lp user {uuid} parent add vip"},
			{Stage: inventory.OnPurchase, Server: server, Template: "give {name} diamond 5", OnlineOnly: true},
			{Stage: inventory.OnExpire, Server: server, Template: "lp user {uuid} parent remove vip"},
		},
		Prices: []money.Amount{money.MustParse("4.99", "EUR"), money.MustParse("5.49", "USD")},
	})
	if err != nil {
		return err
	}
	app := &store{pb: pb, coupons: map[string]decimal.Decimal{"HALFOFF": decimal.RequireFromString("0.5")}}
	web := httptest.NewServer(app.routes())
	defer web.Close()

	// The player buys on the web store; the provider reports the payment
	// twice.
	var co checkoutResponse
	if err := post(web.URL+"/checkout", checkoutRequest{UUID: "069A79F444E94726A5BEFCA90E38AAF5", Name: "Notch", Product: vip.ID, Currency: "EUR", IP: "203.0.113.20"}, &co); err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout: Notch buys %s for %s, order %s (%s)\n", vip.Name, co.Total, co.Order, co.Status)
	for i := range 2 {
		var res map[string]string
		ev := paymentEvent{Order: co.Order, PaymentRef: "pi_3Nx1", Fees: "0.45", Currency: "EUR"}
		if err := post(web.URL+"/webhooks/payment", ev, &res); err != nil {
			return err
		}
		fmt.Fprintf(out, "payment webhook #%d: order %s %s\n", i+1, res["order"], res["status"])
	}

	// The game server, registered with the store, polls the game-server
	// API over HTTP as a plugin does, and answers joins from an index that
	// follows every ban the store makes, by itself. Notch is offline: the
	// rank is set, the diamonds wait for him.
	watch, err := pb.BanWatch(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = watch.Close() }() // Close always returns nil
	_, token, err := pb.GameServerCreate(ctx, playerbase.GameServerCreateParams{Name: server})
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httptest.NewServer(gameapi.New(pb, &gameapi.Options{Logger: quiet, BanIndex: watch.Index()}))
	defer api.Close()
	plugin, err := gameclient.New(gameclient.Config{BaseURL: api.URL, Token: token})
	if err != nil {
		return err
	}
	mc := &game{plugin: plugin, console: con}
	r, err := mc.deliver(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "game server, Notch offline: %d command(s)\n", r.Received)
	if err := mc.join(ctx, "069a79f4-44e9-4726-a5be-fca90e38aaf5", "Notch", "203.0.113.20"); err != nil {
		return err
	}
	if r, err = mc.deliver(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "game server, Notch online: %d command(s)\n", r.Received)

	var page detailsView
	if err := get(web.URL+"/customers/"+string(co.Customer), &page); err != nil {
		return err
	}
	fmt.Fprintf(out, "details page: %s\n", page)

	// A month later the rank has run out; the store's sweep records it and
	// queues the command that takes it away.
	clk.Advance(31 * 24 * time.Hour)
	n, err := pb.ItemSweepExpired(ctx)
	if err != nil {
		return err
	}
	if r, err = mc.deliver(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "31 days later: %d item(s) expired, %d command(s) delivered\n", n, r.Received)
	if err := get(web.URL+"/customers/"+string(co.Customer), &page); err != nil {
		return err
	}
	fmt.Fprintf(out, "details page: %s\n", page)

	// Notch buys the rank again, changes his mind, and the provider
	// reports the refund of this second order twice: the rank is taken
	// away once.
	if err := post(web.URL+"/checkout", checkoutRequest{UUID: "069a79f4-44e9-4726-a5be-fca90e38aaf5", Name: "Notch", Product: vip.ID, Currency: "EUR", IP: "203.0.113.20"}, &co); err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout again: Notch buys %s for %s, order %s (%s)\n", vip.Name, co.Total, co.Order, co.Status)
	var res map[string]string
	if err := post(web.URL+"/webhooks/payment", paymentEvent{Order: co.Order, PaymentRef: "pi_3Nx2", Fees: "0.45", Currency: "EUR"}, &res); err != nil {
		return err
	}
	fmt.Fprintf(out, "payment webhook: order %s %s\n", res["order"], res["status"])
	if r, err = mc.deliver(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "game server: %d command(s) delivered\n", r.Received)
	for i := range 2 {
		if err := post(web.URL+"/webhooks/refund", refundEvent{Order: co.Order, RefundRef: "re_1Py", Amount: "4.99", Currency: "EUR"}, &res); err != nil {
			return err
		}
		fmt.Fprintf(out, "refund webhook #%d: order %s %s\n", i+1, res["order"], res["status"])
	}
	if r, err = mc.deliver(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "after the refund: %d command(s) delivered\n", r.Received)
	if err := get(web.URL+"/customers/"+string(co.Customer), &page); err != nil {
		return err
	}
	fmt.Fprintf(out, "details page: %s\n", page)

	// A player from a banned network cannot buy.
	if _, err := pb.BanCreate(ctx, playerbase.BanCreateParams{
		Reason: "chargeback fraud", Actor: "admin:alice",
		Identities: []bans.Identity{{Type: bans.IPRange, Value: "198.51.100.0/24"}},
	}); err != nil {
		return err
	}
	err = post(web.URL+"/checkout", checkoutRequest{UUID: "853c80ef-3c37-49fd-aa49-938b674adae6", Name: "jeb_", Product: vip.ID, Currency: "EUR", IP: "198.51.100.7"}, &co)
	fmt.Fprintf(out, "checkout from a banned network: %v\n", err)

	// Prices come from the catalog: a browser that posts its own price is
	// charged the catalog's, in the currency it asks for; only the store's
	// coupon reprices the line, and the order says so.
	tampered := map[string]any{"uuid": "853c80ef-3c37-49fd-aa49-938b674adae6", "name": "jeb_", "product": vip.ID, "currency": "USD", "ip": "203.0.113.21", "price": "0.01"}
	if err := post(web.URL+"/checkout", tampered, &co); err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout posting a price of 0.01: order of %s, overridden %t\n", co.Total, co.Overridden)
	if err := post(web.URL+"/checkout", checkoutRequest{UUID: "853c80ef-3c37-49fd-aa49-938b674adae6", Name: "jeb_", Product: vip.ID, Currency: "EUR", Coupon: "HALFOFF", IP: "203.0.113.21"}, &co); err != nil {
		return err
	}
	fmt.Fprintf(out, "checkout with coupon HALFOFF: order of %s, overridden %t\n", co.Total, co.Overridden)
	err = post(web.URL+"/checkout", checkoutRequest{UUID: "853c80ef-3c37-49fd-aa49-938b674adae6", Name: "jeb_", Product: vip.ID, Currency: "GBP", IP: "203.0.113.21"}, &co)
	fmt.Fprintf(out, "checkout in GBP: %v\n", err)

	fmt.Fprintln(out, "console ran:")
	for _, c := range con.Ran() {
		fmt.Fprintf(out, "  %s\n", c)
	}
	return nil
}

// game is the Minecraft server's side: its plugin and who is online.
type game struct {
	plugin  *gameclient.Client
	console *sim.Console
	online  []string // Minecraft UUIDs
}

// join lets a player in unless the store's ban check refuses them, and
// tells the store the player joined.
func (g *game) join(ctx context.Context, uuid, name, ip string) error {
	st, err := g.plugin.CheckBan(ctx, gameclient.BanQuery{MinecraftUUID: uuid, Name: name, IPAddress: ip})
	if err != nil {
		return err
	}
	if st.Banned {
		return fmt.Errorf("%s may not join: banned (%s)", name, strings.Join(st.BanIDs, ", "))
	}
	g.online = append(g.online, uuid)
	return g.plugin.ReportJoins(ctx, gameclient.Join{MinecraftUUID: uuid, MinecraftName: name, IPAddress: ip})
}

// deliver polls the queue, runs each command on the console, and
// acknowledges the results.
func (g *game) deliver(ctx context.Context) (gameclient.Report, error) {
	return g.plugin.Deliver(ctx, gameclient.Players{MinecraftUUIDs: g.online}, func(_ context.Context, c gameclient.Command) error {
		return g.console.Run(c.Command)
	})
}
