package problem_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/money"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/problem"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/subscriptions"
)

// serve writes err as a handler would and returns the response, its body
// decoded as a generic object (so members the Problem type lacks would
// show) and as a Problem.
func serve(t *testing.T, err error) (*http.Response, map[string]any, problem.Problem) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/customers/cus_1/metadata?token=secret", nil)
	problem.Write(rec, req, err)
	resp := rec.Result()
	body := rec.Body.Bytes()
	var members map[string]any
	if err := json.Unmarshal(body, &members); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	var p problem.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if members["status"] != float64(resp.StatusCode) {
		t.Errorf("status member %v, response status %d", members["status"], resp.StatusCode)
	}
	if p.Title != http.StatusText(resp.StatusCode) || p.Type != "about:blank" {
		t.Errorf("type %q title %q for status %d: about:blank takes the status phrase as title", p.Type, p.Title, resp.StatusCode)
	}
	// The instance is the path; a query may carry a secret.
	if p.Instance != "/v1/customers/cus_1/metadata" {
		t.Errorf("instance %q", p.Instance)
	}
	return resp, members, p
}

// Each kind of error, bare, wrapped or as the typed error a package
// returns, has its status; its message is the detail.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"ErrNotFound", errs.ErrNotFound, http.StatusNotFound},
		{"ErrInvalid", errs.ErrInvalid, http.StatusUnprocessableEntity},
		{"ErrForbidden", errs.ErrForbidden, http.StatusForbidden},
		{"ErrConflict", errs.ErrConflict, http.StatusConflict},
		{"ErrGone", errs.ErrGone, http.StatusGone},
		{"re-exported sentinel", playerbase.ErrNotFound, http.StatusNotFound},
		{"wrapped sentinel", fmt.Errorf("load page: %w", errs.ErrConflict), http.StatusConflict},
		{"*errs.NotFoundError", errs.NotFound("customer", "cus_1"), http.StatusNotFound},
		{"*errs.ConflictError", errs.Conflict("customer", "cus_1", "stale version 3, stored 4"), http.StatusConflict},
		{"*errs.ForbiddenError", errs.Forbidden("token is unknown, expired or revoked"), http.StatusForbidden},
		{"*errs.InvalidError", errs.Invalid("platform_id", "STEAM_9", "not a SteamID"), http.StatusUnprocessableEntity},
		{"*bans.BannedError", &bans.BannedError{IDs: []bans.ID{"ban_1"}}, http.StatusForbidden},
		{"*bans.RemovedError", &bans.RemovedError{ID: "ban_1"}, http.StatusConflict},
		{"*orders.TransitionError", &orders.TransitionError{ID: "ord_1", From: orders.Created, Event: orders.EventRefund}, http.StatusConflict},
		{"*orders.RefundRefError", &orders.RefundRefError{ID: "ord_1", Ref: "re_1"}, http.StatusConflict},
		{"*subscriptions.TransitionError", &subscriptions.TransitionError{ID: "sub_1", From: subscriptions.Canceled, Event: subscriptions.EventRenew}, http.StatusConflict},
		{"*inventory.RevokeError, already revoked", &inventory.RevokeError{Item: "inv_1", Why: inventory.RefusedRevoked}, http.StatusConflict},
		{"*inventory.RevokeError, nothing to undo", &inventory.RevokeError{Item: "inv_1", Why: inventory.RefusedNoExpiryAction}, http.StatusForbidden},
		{"*inventory.TransitionError", &inventory.TransitionError{Command: "cmd_1", From: inventory.Executed, To: inventory.Leased}, http.StatusConflict},
		{"*inventory.WrongServerError", &inventory.WrongServerError{Command: "cmd_1", Server: "eu-2", Queued: "eu-1"}, http.StatusForbidden},
		{"*inventory.UnknownVariableError", &inventory.UnknownVariableError{Field: "commands[0].template", Variable: "Name"}, http.StatusUnprocessableEntity},
		{"*money.MismatchError", mismatch(t), http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, p := serve(t, tc.err)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if p.Detail != tc.err.Error() {
				t.Errorf("detail %q, want the error's message %q", p.Detail, tc.err.Error())
			}
		})
	}
}

// An error of no known kind is a 500 whose body says nothing of it: its
// message may name a host, a table or a password.
func TestUnknownErrorIsNotLeaked(t *testing.T) {
	for name, err := range map[string]error{
		"plain":   errors.New(`postgres: FATAL: password authentication failed for user "store" at 10.0.0.3`),
		"wrapped": fmt.Errorf("postgres: %w", context.DeadlineExceeded),
		"nil":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			problem.Write(rec, httptest.NewRequest(http.MethodGet, "/", nil), err)
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status %d, want 500", rec.Code)
			}
			body := rec.Body.String()
			for _, secret := range []string{"postgres", "password", "10.0.0.3", "deadline"} {
				if strings.Contains(body, secret) {
					t.Errorf("body %s leaks %q", body, secret)
				}
			}
			var members map[string]any
			if err := json.Unmarshal([]byte(body), &members); err != nil {
				t.Fatal(err)
			}
			if members["detail"] == "" || members["errors"] != nil || members["ban_ids"] != nil {
				t.Errorf("body %s: want a generic detail and no extension", body)
			}
		})
	}
}

// An invalid input names its field, so a form can mark it: every
// *errs.InvalidError in the error, joined or wrapped, in order.
func TestInvalidFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []problem.FieldError
	}{
		{"one", errs.Invalid("metadata.rows[2].key", "vip", "also in row 0"),
			[]problem.FieldError{{Field: "metadata.rows[2].key", Detail: "also in row 0"}}},
		{"wrapped", fmt.Errorf("checkout: %w", errs.Invalid("lines[1].product_id", "x", "no such product")),
			[]problem.FieldError{{Field: "lines[1].product_id", Detail: "no such product"}}},
		{"joined", errors.Join(errs.Invalid("email", "a@", "not an email"), fmt.Errorf("ip: %w", errs.Invalid("ip", "1.2.3", "not an IP address"))),
			[]problem.FieldError{{Field: "email", Detail: "not an email"}, {Field: "ip", Detail: "not an IP address"}}},
		{"the bare sentinel names no field", errs.ErrInvalid, nil},
		{"a typed error of another kind names none", mismatch(t), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, members, p := serve(t, tc.err)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status %d", resp.StatusCode)
			}
			if diff := cmp.Diff(tc.want, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if _, ok := members["errors"]; ok != (tc.want != nil) {
				t.Errorf("errors member present %v, want %v", ok, tc.want != nil)
			}
		})
	}
}

// A checkout refused by bans answers 403 with the bans' IDs, as the Client
// returns them.
func TestBannedCheckout(t *testing.T) {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)
	defer func() {
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
	}()
	c, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := pb.ProductCreate(ctx, inventory.Product{Name: "VIP", Prices: []money.Amount{money.MustParse("5.00", "EUR")}})
	if err != nil {
		t.Fatal(err)
	}
	var banned []string
	for _, reason := range []string{"chargeback fraud", "cheating"} {
		b, err := pb.BanCreate(ctx, playerbase.BanCreateParams{Reason: reason, Actor: "admin:alice",
			Identities: []bans.Identity{{Type: bans.Customer, Value: string(c.ID)}}})
		if err != nil {
			t.Fatal(err)
		}
		banned = append(banned, string(b.ID))
	}
	_, err = pb.OrderCreate(ctx, c.ID, playerbase.OrderCreateParams{Currency: money.MustCurrency("EUR"), Lines: []playerbase.OrderLineParams{{ProductID: prod.ID, Quantity: 1}}})
	resp, _, p := serve(t, err)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403 (%v)", resp.StatusCode, err)
	}
	if diff := cmp.Diff(banned, p.BanIDs, cmpSorted); diff != "" {
		t.Errorf("ban_ids (-bans +got):\n%s", diff)
	}
	// A forbidden error that is not a ban has no ban_ids member.
	_, members, _ := serve(t, errs.Forbidden("token is unknown, expired or revoked"))
	if _, ok := members["ban_ids"]; ok {
		t.Errorf("ban_ids on a token refusal: %v", members)
	}
}

var cmpSorted = cmp.Transformer("sorted", func(s []string) []string { return slices.Sorted(slices.Values(s)) })

// mismatch is the error adding euros to dollars gives.
func mismatch(t *testing.T) error {
	eur, err := money.ParseCurrency("EUR")
	if err != nil {
		t.Fatal(err)
	}
	usd, err := money.ParseCurrency("USD")
	if err != nil {
		t.Fatal(err)
	}
	return &money.MismatchError{A: eur, B: usd}
}

// The stale metadata form of the details page is a 409.
func TestStaleForm(t *testing.T) {
	stored := metadata.Metadata{"tier": "gold"}
	_, err := metadata.Replace(metadata.Metadata{"tier": "silver"}, nil, stored.Version())
	if resp, _, _ := serve(t, err); resp.StatusCode != http.StatusConflict {
		t.Errorf("status %d, want 409", resp.StatusCode)
	}
}

// From reads an error's kind once for hosts that render it themselves.
func TestFrom(t *testing.T) {
	got := problem.From(errs.Invalid("name", "x!", "letters, digits and _ only"))
	want := problem.Problem{
		Type: "about:blank", Title: "Unprocessable Entity", Status: 422,
		Detail: `invalid name "x!": letters, digits and _ only`,
		Errors: []problem.FieldError{{Field: "name", Detail: "letters, digits and _ only"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("From (-want +got):\n%s", diff)
	}
	if p := problem.From(errors.Join(errs.ErrConflict, errs.NotFound("customer", "cus_1"))); p.Status != http.StatusNotFound {
		t.Errorf("not found and conflict at once: status %d, want 404 (the first kind in From's order)", p.Status)
	}
}

// Domain packages do not know HTTP: nothing but hosts and HTTP surfaces
// imports problem, and problem imports only errs and the standard library.
func TestImports(t *testing.T) {
	const self = "github.com/playerbase/playerbase/problem"
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || path == filepath.Join("..", "examples")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		inProblem := filepath.Dir(path) == "."
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case inProblem && strings.Contains(strings.Split(p, "/")[0], ".") && p != "github.com/playerbase/playerbase/errs":
				t.Errorf("%s imports %s: problem imports only errs and the standard library", path, p)
			case !inProblem && p == self:
				t.Errorf("%s imports problem: only HTTP surfaces and hosts may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("problem.go"); err != nil {
		t.Fatal(err)
	}
}
