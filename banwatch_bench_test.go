package playerbase_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/storage"
	"github.com/playerbase/playerbase/storage/memory"
	"github.com/playerbase/playerbase/storage/postgres/pgtest"
	"github.com/playerbase/playerbase/storage/sqlite/sqlitetest"
)

// BenchmarkBanWatchLag measures how long a ban takes to reach a game
// server's watched index after the BanCreate that made it returns (through
// another Client on the same store), beside the BanCreate itself, in the
// same run: lag-ms is the mean wait, max-lag-ms the longest, and
// lag/create their ratio to the call's own time. Memory's lag is 0 (the
// change is in before the call returns); the promise elsewhere is
// max-lag-ms < 1000.
//
//	go test -run '^$' -bench BanWatchLag -benchtime 20x .
func BenchmarkBanWatchLag(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) storage.Backend
	}{
		{"memory", func(*testing.B) storage.Backend { return memory.New() }},
		{"postgres", func(b *testing.B) storage.Backend { return pgtest.NewBackend(b) }},
		{"sqlite", func(b *testing.B) storage.Backend { return sqlitetest.NewBackend(b) }},
	}
	for _, be := range backends {
		b.Run("backend="+be.name, func(b *testing.B) {
			store := be.open(b)
			ctx := context.Background()
			admin := playerbase.New(store, nil)
			watch, err := playerbase.New(store, nil).BanWatch(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := watch.Close(); err != nil {
					b.Error(err)
				}
			}()
			idx := watch.Index()
			var create, lag, worst time.Duration
			i := 0
			for b.Loop() {
				i++
				name := bans.NameIdentity(fmt.Sprintf("lag_%d", i))
				start := time.Now()
				ban, err := admin.BanCreate(ctx, playerbase.BanCreateParams{Reason: "bench", Identities: []bans.Identity{name}, Actor: "admin:bench"})
				if err != nil {
					b.Fatal(err)
				}
				made := time.Now()
				for !slices.Equal(idx.Check(time.Now(), name), []bans.ID{ban.ID}) {
					if time.Since(made) > 10*time.Second {
						b.Fatalf("ban %s not in the index after 10 s", ban.ID)
					}
					time.Sleep(100 * time.Microsecond)
				}
				d := time.Since(made)
				create += made.Sub(start)
				lag += d
				worst = max(worst, d)
			}
			n := float64(i)
			b.ReportMetric(float64(lag)/1e6/n, "lag-ms")
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-lag-ms")
			b.ReportMetric(float64(lag)/float64(create), "lag/create")
		})
	}
}
