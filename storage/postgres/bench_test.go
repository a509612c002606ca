package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/storagetest"
)

// banFixture is a store with 10 000 bans (emails, names, Steam IDs, IPs and
// some ranges) and the identities of a joining player that one ban names.
type banFixture struct {
	b      *postgres.Backend
	client *playerbase.Client
	player []bans.Identity
	anyID  bans.ID
}

// sharedBanFixture builds the fixture once per run, on the shared backend.
func sharedBanFixture(tb testing.TB) banFixture {
	tb.Helper()
	b := sharedBackend(tb)
	shared.Lock()
	defer shared.Unlock()
	if shared.bans == nil {
		f := newBanFixture(tb, b)
		shared.bans = &f
	}
	return *shared.bans
}

func newBanFixture(tb testing.TB, b *postgres.Backend) banFixture {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	const total = 10_000
	rnd := rand.New(rand.NewPCG(1, 2))
	var f banFixture
	for start := 0; start < total; start += 1000 {
		err := b.Update(ctx, func(tx storage.Tx) error {
			for i := start; i < start+1000; i++ {
				ids := []bans.Identity{
					bans.MustIdentity(bans.Email, fmt.Sprintf("p%d@example.com", i)),
					bans.MustIdentity(bans.Name, fmt.Sprintf("player%d", i)),
					bans.SteamIdentity(76561197960265728 + uint64(i) + 1),
					bans.IPIdentity(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})),
				}
				if i%20 == 0 {
					p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(100 + rnd.IntN(100)), byte(rnd.IntN(256)), 0, 0}), 16)
					ids = append(ids, bans.MustIdentity(bans.IPRange, p.String()))
				}
				ban, err := bans.New(bans.Draft{Reason: "bench", Identities: ids, Actor: "admin:bench"}, now)
				if err != nil {
					return err
				}
				if err := tx.Bans().Create(ctx, ban); err != nil {
					return err
				}
				f.anyID = ban.ID
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := b.Pool().Exec(ctx, "vacuum analyze"); err != nil {
		tb.Fatal(err)
	}
	f.b, f.client = b, playerbase.New(b, nil)
	// A player the ban of index 4242 names by email, checked by every
	// identity a join has.
	f.player = []bans.Identity{
		bans.CustomerIdentity(customer.NewID(now)),
		bans.MustIdentity(bans.Name, "SomeoneElse"),
		bans.SteamIdentity(76561198006409530),
		bans.IPIdentity(netip.MustParseAddr("203.0.113.50")),
		bans.MustIdentity(bans.Email, "p4242@example.com"),
	}
	return f
}

// Run the two benchmarks below together, so their ratio compares a ban
// check with the cheapest query the same pool answers, in the same run:
//
//	go test -run '^$' -bench 'BenchmarkPostgres(BanCheck|PointSelectBaseline)' ./storage/postgres/

// BenchmarkPostgresBanCheck is a join's ban check asked of PostgreSQL:
// Backend.CheckBans, one statement over the covering indexes of
// ban_identities (a B-tree probe per identity, a GiST probe for the IP).
func BenchmarkPostgresBanCheck(b *testing.B) {
	f := sharedBanFixture(b)
	ctx := context.Background()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		found, err := f.b.CheckBans(ctx, f.player, now)
		if err != nil || len(found) != 1 {
			b.Fatalf("CheckBans = %v, %v; want one ban", found, err)
		}
	}
}

// BenchmarkPostgresClientCheck is the same question through the portable
// path, Client.BanFind: parse the identities, a read-only transaction (its
// BEGIN rides with the query, its end is off the caller's path), Matching
// and the active filter in Go.
func BenchmarkPostgresClientCheck(b *testing.B) {
	f := sharedBanFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		found, err := f.client.BanFind(ctx, f.player)
		if err != nil || len(found) != 1 {
			b.Fatalf("Check = %v, %v; want one ban", found, err)
		}
	}
}

// BenchmarkPostgresClientBannedBy is the join check a plugin without a
// bans.Index makes through the Client: identities parsed, then CheckBans.
func BenchmarkPostgresClientBannedBy(b *testing.B) {
	f := sharedBanFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		found, err := f.client.BanCheck(ctx, f.player)
		if err != nil || len(found) != 1 {
			b.Fatalf("BannedBy = %v, %v; want one ban", found, err)
		}
	}
}

// BenchmarkPostgresPointSelectBaseline is a bare pgx primary-key select on
// the same pool: the floor a ban check is measured against.
func BenchmarkPostgresPointSelectBaseline(b *testing.B) {
	f := sharedBanFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var id string
		if err := f.b.Pool().QueryRow(ctx, `select id from bans where id = $1`, f.anyID).Scan(&id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostgresBanCheckRatio runs the two benchmarks above in
// alternating blocks of 20 ban checks then 20 point selects and reports the
// median of the blocks' ratios (wall time: the server's work shows in no
// CPU time of this process): how many point selects a ban check costs. On
// a shared machine, load that comes and goes hits both sides alike, and a
// block the scheduler stalls is an outlier the median ignores.
//
//	go test -run '^$' -bench BenchmarkPostgresBanCheckRatio -count 3 ./storage/postgres/
func BenchmarkPostgresBanCheckRatio(b *testing.B) {
	f := sharedBanFixture(b)
	ctx := context.Background()
	now := time.Now()
	const block = 20
	var ratios []float64
	for b.Loop() {
		t0 := time.Now()
		for range block {
			found, err := f.b.CheckBans(ctx, f.player, now)
			if err != nil || len(found) != 1 {
				b.Fatalf("CheckBans = %v, %v; want one ban", found, err)
			}
		}
		t1 := time.Now()
		for range block {
			var id string
			if err := f.b.Pool().QueryRow(ctx, `select id from bans where id = $1`, f.anyID).Scan(&id); err != nil {
				b.Fatal(err)
			}
		}
		ratios = append(ratios, float64(t1.Sub(t0))/float64(time.Since(t1)))
	}
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "point-selects/check")
}

// customerDetailsFixture stores a customer with 10 000 orders on a fresh
// schema and returns a Client over it.
func customerDetailsFixture(b *testing.B) (*playerbase.Client, customer.ID) {
	be := pgtest.NewBackend(b)
	ctx := context.Background()
	c := playerbase.New(be, nil)
	cust, _, err := c.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Whale"})
	if err != nil {
		b.Fatal(err)
	}
	storagetest.WriteOrderHistory(b, be, cust.ID, 10_000)
	if _, err := be.Pool().Exec(ctx, "vacuum analyze"); err != nil {
		b.Fatal(err)
	}
	return c, cust.ID
}

// The same page read a call per part is BenchmarkSQLiteCustomerDetails,
// which runs it on every backend, PostgreSQL included.

// BenchmarkPostgresCustomerDetailsOneCall loads the whole page, inventory,
// subscriptions and metadata included, in one read-only transaction
// (Client.CustomerDetails).
func BenchmarkPostgresCustomerDetailsOneCall(b *testing.B) {
	c, id := customerDetailsFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := c.CustomerDetails(ctx, id)
		if err != nil || d.Stats.TotalPayments != 8000 || len(d.Orders.Orders) != playerbase.DefaultOrderPage {
			b.Fatalf("CustomerDetails = %d payments, %d orders, %v", d.Stats.TotalPayments, len(d.Orders.Orders), err)
		}
	}
}
