package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/internal/demo"
	"github.com/playerbase/playerbase/storage"
)

// CustomerSearch reads a query as the kind of key it is, on every backend,
// and marks the customers an active ban matches.
func TestCustomerSearch(t *testing.T) {
	forBackends(t, func(t *testing.T, b storage.Backend) {
		ctx := context.Background()
		clock := &demo.Clock{}
		pb := playerbase.New(b, &playerbase.Config{Now: clock.Now})
		s, err := demo.Seed(ctx, pb, clock)
		if err != nil {
			t.Fatal(err)
		}
		names := func(p playerbase.CustomerSearchPage) string {
			out := ""
			for _, r := range p.Results {
				out += fmt.Sprintf("%s %v ", r.Customer.Name, len(r.Bans) > 0)
			}
			return p.Matched + ": " + out
		}
		for _, c := range []struct{ q, want string }{
			{"gar", "name: Garry false Garrett false "},
			{"  ＧＡＲＲＹ ", "name: Garry false "},
			{"STEAM_0:0:23071901", "platform ID: Garry false "},
			{"[U:1:46143802]", "platform ID: Garry false "},
			{"https://steamcommunity.com/profiles/76561198006409530", "platform ID: Garry false "},
			{"069A79F444E94726A5BEFCA90E38AAF5", "platform ID: Notch true "},
			{"STEAM_0:1:999", "platform ID: "},
			{"Garry@Example.com.", "email: Garry false "},
			{"::ffff:198.51.100.23", "IP: Notch true "},
			{string(s.Refunded.ID), "order ID: Garry false "},
			{string(s.Cheater.ID), "customer ID: xX_Aimbot_Xx true "},
			{"nobody", "name: "},
		} {
			page, err := pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: c.q})
			if err != nil {
				t.Errorf("search %q: %v", c.q, err)
				continue
			}
			if got := names(page); got != c.want {
				t.Errorf("search %q = %q, want %q", c.q, got, c.want)
			}
		}
		page, err := pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: "g", Limit: 1})
		if err != nil || len(page.Results) != 1 || page.NextCursor == "" {
			t.Fatalf("first page of g = %+v, %v", page, err)
		}
		seen := []customer.ID{page.Results[0].Customer.ID}
		for page.NextCursor != "" {
			if page, err = pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: "g", Limit: 1, Cursor: page.NextCursor}); err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Results {
				seen = append(seen, r.Customer.ID)
			}
		}
		if len(seen) != 3 || seen[0] == seen[1] || seen[1] == seen[2] || seen[0] == seen[2] { // Garry, Gabe, Garrett
			t.Errorf("g a page at a time: %v", seen)
		}
		for _, bad := range []string{"", "   ", "a@"} {
			if _, err := pb.CustomerSearch(ctx, playerbase.CustomerSearchParams{Query: bad}); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("search %q = %v, want ErrInvalid", bad, err)
			}
		}
	})
}
