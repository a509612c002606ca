package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType     string     `json:"Node Type"`
	Relation     string     `json:"Relation Name"`
	Index        string     `json:"Index Name"`
	HeapFetches  *int       `json:"Heap Fetches"`
	SharedHit    int        `json:"Shared Hit Blocks"`
	SharedRead   int        `json:"Shared Read Blocks"`
	Plans        []planNode `json:"Plans"`
	ActualLoops  int        `json:"Actual Loops"`
	RowsFiltered int        `json:"Rows Removed by Filter"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

func (n planNode) String() string {
	var b strings.Builder
	var write func(planNode, int)
	write = func(n planNode, depth int) {
		fmt.Fprintf(&b, "%s%s %s %s\n", strings.Repeat("  ", depth), n.NodeType, n.Relation, n.Index)
		for _, c := range n.Plans {
			write(c, depth+1)
		}
	}
	write(n, 0)
	return b.String()
}

// explain runs EXPLAIN (ANALYZE, BUFFERS) on a statement and returns its plan.
func explain(t *testing.T, b *postgres.Backend, sql string, args []any) planNode {
	t.Helper()
	var out []struct{ Plan planNode }
	var raw []byte
	if err := b.Pool().QueryRow(context.Background(), `explain (analyze, buffers, format json) `+sql, args...).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", raw, err)
	}
	return out[0].Plan
}

// The statements a ban check and a ban listing run have the plan shapes
// that keep their cost to what their answer costs, on 5 000 bans: a check
// reads the covering indexes only (no table, no bitmap), and a listing by
// an identity type no ban holds reads a handful of index pages, not every
// ban.
func TestBanPlans(t *testing.T) {
	b := pgtest.NewBackend(t)
	copyBans(t, b, 5000)
	ctx := context.Background()
	if _, err := b.Pool().Exec(ctx, `vacuum analyze`); err != nil {
		t.Fatal(err)
	}
	player := []bans.Identity{
		bans.MustIdentity(bans.Email, "p4242@example.com"),
		bans.MustIdentity(bans.Name, "someoneelse"),
		bans.SteamIdentity(76561198006409530),
		bans.IPIdentity(netip.MustParseAddr("203.0.113.50")),
		bans.IPIdentity(netip.MustParseAddr("2001:db8::1")),
	}
	sql, args := postgres.CheckBansSQL(player, time.Now())
	plan := explain(t, b, sql, args)
	scans := 0
	plan.walk(func(n planNode) {
		if n.Relation == "" {
			return
		}
		scans++
		if n.Relation != "ban_identities" || n.NodeType != "Index Only Scan" || n.HeapFetches == nil || *n.HeapFetches != 0 {
			t.Errorf("CheckBans scans %s with %s on %s (heap fetches %v), want index-only scans of ban_identities:\n%v",
				n.Relation, n.NodeType, n.Index, n.HeapFetches, plan)
		}
	})
	if scans != 3 { // the identities, and the ranges of each IP
		t.Errorf("CheckBans has %d scans, want 3:\n%v", scans, plan)
	}
	if got, err := b.CheckBans(ctx, player, time.Now()); err != nil || len(got) != 1 {
		t.Errorf("CheckBans = %v, %v; want the ban of p4242", got, err)
	}

	for _, p := range []bans.ListParams{
		{Type: bans.MinecraftUUID, Limit: 51},
		{Type: bans.Customer, State: bans.StateActive, Now: time.Now(), Limit: 51},
	} {
		sql, args := postgres.ListBansSQL(p)
		plan := explain(t, b, sql, args)
		if blocks := plan.SharedHit + plan.SharedRead; blocks > 20 {
			t.Errorf("List by %s (no ban holds one) reads %d blocks, want a few index pages:\n%v", p.Type, blocks, plan)
		}
	}
}
