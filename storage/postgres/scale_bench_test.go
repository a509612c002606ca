package postgres_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
)

// Scale benchmarks: what a call costs as the store grows. Each compares
// sizes, or a call with a baseline, in the same run:
//
//	go test -run '^$' -bench 'ListBansScale' -benchtime 200x ./storage/postgres/
//	go test -run '^$' -bench 'BanFullLoad|BanStreamBaseline' -benchtime 5x ./storage/postgres/
//
// Fixtures (scaleBan) are built once per run and size, with COPY on
// PostgreSQL, each in a schema of its own that TestMain drops.

var scale struct {
	sync.Mutex
	pg  map[int]*postgres.Backend
	mem map[int]*memory.Backend
}

// scalePostgres returns a backend holding scaleBan(0 … n-1).
func scalePostgres(tb testing.TB, n int) *postgres.Backend {
	tb.Helper()
	dsn := pgtest.DSN(tb)
	scale.Lock()
	defer scale.Unlock()
	if b, ok := scale.pg[n]; ok {
		return b
	}
	schema := pgtest.SchemaName()
	b, err := pgtest.Open(dsn, schema)
	if err != nil {
		_ = pgtest.DropSchema(dsn, schema)
		tb.Fatal(err)
	}
	if scale.pg == nil {
		scale.pg = map[int]*postgres.Backend{}
	}
	scale.pg[n] = b
	dropAtExit(dsn, schema, b)
	copyBans(tb, b, n)
	return b
}

// scaleMemory returns a memory backend holding scaleBan(0 … n-1).
func scaleMemory(tb testing.TB, n int) *memory.Backend {
	tb.Helper()
	scale.Lock()
	defer scale.Unlock()
	if b, ok := scale.mem[n]; ok {
		return b
	}
	b := memory.New()
	ctx, at := context.Background(), time.Now().UTC()
	for start := 0; start < n; start += 10_000 {
		err := b.Update(ctx, func(tx storage.Tx) error {
			for i := start; i < min(n, start+10_000); i++ {
				if err := tx.Bans().Create(ctx, scaleBan(i, at)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if scale.mem == nil {
		scale.mem = map[int]*memory.Backend{}
	}
	scale.mem[n] = b
	return b
}

// BenchmarkListBansScale lists the first page of bans, and the first page
// of a filter by a type no ban holds, at 10 000 and 300 000 bans: a page
// should cost what a page costs, whatever the store holds.
func BenchmarkListBansScale(b *testing.B) {
	for _, backend := range []string{"memory", "postgres"} {
		b.Run("backend="+backend, func(b *testing.B) {
			for _, n := range []int{10_000, 300_000} {
				b.Run("bans="+strconv.Itoa(n), func(b *testing.B) {
					var be storage.Backend
					if backend == "memory" {
						be = scaleMemory(b, n)
					} else {
						be = scalePostgres(b, n)
					}
					c := playerbase.New(be, nil)
					ctx := context.Background()
					for _, q := range []struct {
						name string
						p    playerbase.BanListParams
						want int
					}{
						{"first", playerbase.BanListParams{}, playerbase.DefaultBanPage},
						{"notype", playerbase.BanListParams{Identity: bans.Identity{Type: bans.MinecraftUUID}}, 0},
					} {
						b.Run("page="+q.name, func(b *testing.B) {
							b.ReportAllocs()
							for b.Loop() {
								page, err := c.BanList(ctx, q.p)
								if err != nil || len(page.Bans) != q.want {
									b.Fatalf("BanList = %d bans, %v; want %d", len(page.Bans), err, q.want)
								}
							}
						})
					}
				})
			}
		})
	}
}

// fullLoadBans is the size of the full-load benchmarks' store.
const fullLoadBans = 100_000

// BenchmarkBanFullLoad loads every active ban of a 100 000-ban store into
// a bans.Index, as a game server does when it starts: a BanWatch's first
// full load (streamed through LoadActiveBans). Compare it with
// BenchmarkBanStreamBaseline, run alongside:
//
//	go test -run '^$' -bench 'BanFullLoad|BanStreamBaseline' -benchmem -benchtime 5x ./storage/postgres/
func BenchmarkBanFullLoad(b *testing.B) {
	be := scalePostgres(b, fullLoadBans)
	ctx := context.Background()
	c := playerbase.New(be, nil)
	b.ReportAllocs()
	for b.Loop() {
		watch, err := c.BanWatch(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if n := watch.Index().Len(); n != fullLoadBans {
			b.Fatalf("the watch loaded %d bans", n)
		}
		if err := watch.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBanStreamBaseline reads the rows a full load reads, the same
// columns into the same Go types, and keeps none of them: the floor of a
// full load.
func BenchmarkBanStreamBaseline(b *testing.B) {
	be := scalePostgres(b, fullLoadBans)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rows, err := be.Pool().Query(ctx, `select b.id, b.reason, b.expires_at, b.created_by, b.created_at,
				b.updated_by, b.updated_at, b.removed_by, b.removed_at, b.identity_types, b.identity_values
			from bans b where b.removed_at is null and (b.expires_at is null or b.expires_at > $1)`, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id, reason, createdBy, updatedBy, removedBy string
			var createdAt, updatedAt time.Time
			var expiresAt, removedAt *time.Time
			var types, values []string
			if err := rows.Scan(&id, &reason, &expiresAt, &createdBy, &createdAt, &updatedBy, &updatedAt,
				&removedBy, &removedAt, &types, &values); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if rows.Err() != nil || n != fullLoadBans {
			b.Fatalf("streamed %d rows, %v", n, rows.Err())
		}
	}
}
