// Command admin serves the admin UI (package admin) over an in-memory store
// seeded with demo data, on 127.0.0.1:8080 under /admin/:
//
//	go run ./examples/admin
//
// -addr changes the address; -exit-after-seed seeds, prints the URL and
// exits (tests use it), as does PLAYERBASE_ADMIN_EXIT=1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/admin"
	"github.com/playerbase/playerbase/internal/demo"
	"github.com/playerbase/playerbase/storage/memory"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	exit := flag.Bool("exit-after-seed", os.Getenv("PLAYERBASE_ADMIN_EXIT") != "", "seed, print the URL and exit")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *addr, *exit); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, addr string, exit bool) error {
	clock := &demo.Clock{}
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock.Now})
	defer pb.Close()
	store, err := demo.Seed(ctx, pb, clock)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	// A real store mounts the page behind its own login and names the
	// signed-in staff member as the actor.
	mux.Handle("/admin/", admin.New(pb, &admin.Options{
		Prefix: "/admin",
		Actor:  func(*http.Request) string { return "admin:demo" },
		Now:    clock.Now,
	}))
	mux.Handle("/{$}", http.RedirectHandler("/admin/", http.StatusFound))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/admin/"
	fmt.Fprintf(out, "playerbase admin demo: %s\n", url)
	fmt.Fprintf(out, "  a customer with everything: %scustomers/%s\n", url, store.Garry.ID)
	fmt.Fprintf(out, "  a banned customer:          %scustomers/%s\n", url, store.Cheater.ID)
	if exit {
		return ln.Close()
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
