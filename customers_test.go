package playerbase_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/playerbase/playerbase"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/storage/memory"
)

// manualClock is a fake clock the test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *manualClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// clockStart has nanoseconds and a zone on purpose: the Client stores UTC
// microseconds.
var clockStart = time.Date(2026, 2, 3, 4, 5, 6, 789_123_456, time.FixedZone("UTC+2", 2*3600))

// newCustomerClient returns a Client over a fresh memory backend and the
// clock it reads.
func newCustomerClient(t *testing.T) (*playerbase.Client, *manualClock) {
	t.Helper()
	clock := &manualClock{now: clockStart}
	pb := playerbase.New(memory.New(), &playerbase.Config{Now: clock.Now})
	t.Cleanup(func() {
		if err := pb.Close(); err != nil {
			t.Fatal(err)
		}
	})
	return pb, clock
}

// customerCmp compares stored state: netip.Addr has unexported fields, and
// a nil slice or map is as empty as an empty one.
var customerCmp = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// customerState is everything stored about one customer, for before/after
// comparisons.
type customerState struct {
	Customer customer.Customer
	Metadata metadata.Metadata
	Tokens   []customer.Token
}

func customerSnapshot(t *testing.T, pb *playerbase.Client, id customer.ID) customerState {
	t.Helper()
	ctx := context.Background()
	var s customerState
	var err error
	if s.Customer, err = pb.CustomerGet(ctx, id); err != nil {
		t.Fatalf("Customer(%s): %v", id, err)
	}
	if s.Metadata, err = pb.MetadataGet(ctx, id); err != nil {
		t.Fatalf("Metadata(%s): %v", id, err)
	}
	if s.Tokens, err = pb.TokenList(ctx, id); err != nil {
		t.Fatalf("Tokens(%s): %v", id, err)
	}
	return s
}

func mustIdentify(t *testing.T, pb *playerbase.Client, in playerbase.CustomerIdentifyParams) customer.Customer {
	t.Helper()
	c, _, err := pb.CustomerIdentify(context.Background(), in)
	if err != nil {
		t.Fatalf("Identify(%+v): %v", in, err)
	}
	return c
}

var steamGarry = playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "Garry"}

func TestIdentifyCreatesThenFinds(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	first := clock.Now().UTC().Truncate(time.Microsecond)

	created, isNew, err := pb.CustomerIdentify(ctx, steamGarry)
	if err != nil || !isNew {
		t.Fatalf("first Identify = %v, created %v; want a new customer", err, isNew)
	}
	want := customer.Customer{
		ID:         created.ID,
		Name:       "Garry",
		PlatformID: customer.PlatformID{Platform: customer.Steam, Value: "76561198006409530"},
		FirstSeen:  first,
		Updated:    first,
	}
	if diff := cmp.Diff(want, created, customerCmp); diff != "" {
		t.Fatalf("created customer (-want +got):\n%s", diff)
	}
	if created.FirstSeen.Location() != time.UTC {
		t.Errorf("FirstSeen in %v, want UTC", created.FirstSeen.Location())
	}

	// Later, the same account in the other forms, same name: found, unchanged.
	clock.Advance(time.Hour)
	for _, form := range []string{"STEAM_0:0:23071901", "STEAM_1:0:23071901", "[U:1:46143802]", "https://steamcommunity.com/profiles/76561198006409530"} {
		got, isNew, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: form, Name: "Garry"})
		if err != nil || isNew {
			t.Fatalf("Identify(%s) = %v, created %v; want the existing customer", form, err, isNew)
		}
		if diff := cmp.Diff(want, got, customerCmp); diff != "" {
			t.Errorf("Identify(%s) (-want +got):\n%s", form, diff)
		}
	}

	// Later still, a new display name: saved; FirstSeen does not move.
	clock.Advance(24 * time.Hour)
	renamed, isNew, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "[U:1:46143802]", Name: "  garry newman "})
	if err != nil || isNew {
		t.Fatalf("Identify with a new name = %v, created %v", err, isNew)
	}
	want.Name = "garry newman"
	want.Updated = clock.Now().UTC().Truncate(time.Microsecond)
	want.Version = 1
	if diff := cmp.Diff(want, renamed, customerCmp); diff != "" {
		t.Errorf("renamed customer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, customerSnapshot(t, pb, created.ID).Customer, customerCmp); diff != "" {
		t.Errorf("stored customer (-want +got):\n%s", diff)
	}
	byPID, err := pb.CustomerGetByPlatformID(ctx, customer.Steam, "STEAM_0:0:23071901")
	if err != nil || byPID.ID != created.ID {
		t.Errorf("CustomerByPlatformID = %v, %v; want %s", byPID.ID, err, created.ID)
	}
}

// A login that knows only the platform ID finds the customer and leaves
// the name alone; it cannot create one, which needs a name.
func TestIdentifyByPlatformIDAlone(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	_, _, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "STEAM_0:0:23071901"})
	var inv *errs.InvalidError
	if !errors.As(err, &inv) || inv.Field != "name" {
		t.Fatalf("CustomerIdentify of an unknown customer without a name = %v, want an *errs.InvalidError for name", err)
	}
	garry := mustIdentify(t, pb, steamGarry)
	got, created, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "[U:1:46143802]"})
	if err != nil || created {
		t.Fatalf("CustomerIdentify by platform ID alone = %v, created %v", err, created)
	}
	if diff := cmp.Diff(garry, got, customerCmp); diff != "" {
		t.Errorf("found customer (-want +got):\n%s", diff)
	}
}

func TestIdentifyPlatformsAreSeparate(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	java := mustIdentify(t, pb, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftJava, PlatformID: "708F6260183D3912BBDE5E279A5E739A", Name: "tuxed"})
	if java.PlatformID.Value != "708f6260-183d-3912-bbde-5e279a5e739a" || !java.PlatformID.Offline() {
		t.Errorf("Java customer platform ID = %v (offline %v)", java.PlatformID, java.PlatformID.Offline())
	}
	bedrock := mustIdentify(t, pb, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftBedrock, PlatformID: "00000000-0000-0000-0009-01f57c139c35", Name: "Steve Gamer"})
	again, isNew, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.MinecraftBedrock, PlatformID: "2535428650671157", Name: "Steve Gamer"})
	if err != nil || isNew || again.ID != bedrock.ID {
		t.Errorf("Bedrock XUID and its Floodgate UUID are different customers: %v, %v, %v", again.ID, isNew, err)
	}
	if java.ID == bedrock.ID {
		t.Error("customers share an ID")
	}
}

func TestIdentifyRejects(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	for _, in := range []playerbase.CustomerIdentifyParams{
		{Platform: customer.Steam, PlatformID: "76561198006409530", Name: ""},
		{Platform: customer.Steam, PlatformID: "76561198006409530", Name: "   "},
		{Platform: customer.Steam, PlatformID: "STEAM_2:0:23071901", Name: "Garry"},
		{Platform: customer.Steam, PlatformID: "[G:1:46143802]", Name: "Garry"},
		{Platform: customer.MinecraftJava, PlatformID: "708f6260-183d-3912-bbde-5e279a5e739a", Name: "no spaces allowed"},
		{Platform: customer.MinecraftJava, PlatformID: "00000000-0000-0000-0009-01f57c139c35", Name: "Steve"},
		{Platform: "xbox", PlatformID: "1", Name: "x"},
	} {
		_, _, err := pb.CustomerIdentify(ctx, in)
		var inv *errs.InvalidError
		if !errors.As(err, &inv) || !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("Identify(%+v) = %v, want *errs.InvalidError", in, err)
		}
	}
	if _, err := pb.CustomerGetByPlatformID(ctx, customer.Steam, "76561198006409530"); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("a refused Identify stored a customer: %v", err)
	}
}

func TestIdentifyConcurrentCreatesOne(t *testing.T) {
	ctx := context.Background()
	pb, _ := newCustomerClient(t)
	const n = 16
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		ids     [n]customer.ID
		created [n]bool
		failed  [n]error
	)
	forms := []string{"76561198006409530", "STEAM_0:0:23071901", "[U:1:46143802]", "STEAM_1:0:23071901"}
	for i := range n {
		wg.Go(func() {
			<-start
			c, isNew, err := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: forms[i%len(forms)], Name: "Garry"})
			ids[i], created[i], failed[i] = c.ID, isNew, err
		})
	}
	close(start)
	wg.Wait()
	newCount := 0
	for i := range n {
		if failed[i] != nil {
			t.Fatalf("goroutine %d: %v", i, failed[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("goroutine %d got customer %s, goroutine 0 got %s", i, ids[i], ids[0])
		}
		if created[i] {
			newCount++
		}
	}
	if newCount != 1 {
		t.Errorf("%d calls created the customer, want exactly 1", newCount)
	}
	stored, err := pb.CustomerGetByPlatformID(ctx, customer.Steam, "[U:1:46143802]")
	if err != nil || stored.ID != ids[0] || stored.Version != 0 {
		t.Errorf("stored customer = %s v%d, %v; want %s v0", stored.ID, stored.Version, err, ids[0])
	}
}

func TestEditCustomer(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	clock.Advance(time.Minute)

	got, err := pb.CustomerUpdate(ctx, c.ID, playerbase.CustomerUpdateParams{Version: c.Version, Name: "Garry N", PlatformID: "STEAM_0:1:1"})
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Name = "Garry N"
	want.PlatformID = customer.PlatformID{Platform: customer.Steam, Value: "76561197960265731"}
	want.Updated = clock.Now().UTC().Truncate(time.Microsecond)
	want.Version = c.Version + 1
	if diff := cmp.Diff(want, got, customerCmp); diff != "" {
		t.Errorf("edited customer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, customerSnapshot(t, pb, c.ID).Customer, customerCmp); diff != "" {
		t.Errorf("stored customer (-want +got):\n%s", diff)
	}
	if _, err := pb.CustomerGetByPlatformID(ctx, customer.Steam, "76561198006409530"); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("old platform ID still finds a customer: %v", err)
	}
	if found, err := pb.CustomerGetByPlatformID(ctx, customer.Steam, "[U:1:3]"); err != nil || found.ID != c.ID {
		t.Errorf("new platform ID finds %s, %v", found.ID, err)
	}
	// The freed platform ID identifies a new customer.
	if _, isNew, err := pb.CustomerIdentify(ctx, steamGarry); err != nil || !isNew {
		t.Errorf("Identify with the freed platform ID = %v, created %v; want a new customer", err, isNew)
	}
}

func TestEditCustomerRefusals(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	mustIdentify(t, pb, steamGarry)
	other := mustIdentify(t, pb, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: "[U:1:3]", Name: "Other"})
	// Move c to version 1, so version 0 is stale.
	c := mustIdentify(t, pb, playerbase.CustomerIdentifyParams{Platform: customer.Steam, PlatformID: steamGarry.PlatformID, Name: "Garry 2"})
	if _, err := pb.MetadataUpdate(ctx, c.ID, []metadata.Field{{Key: "vip", Value: "yes"}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	for _, tc := range []struct {
		name  string
		id    customer.ID
		edit  playerbase.CustomerUpdateParams
		match error
		as    any
	}{
		{"stale version", c.ID, playerbase.CustomerUpdateParams{Version: c.Version - 1, Name: "X", PlatformID: steamGarry.PlatformID}, playerbase.ErrConflict, new(*errs.ConflictError)},
		{"future version", c.ID, playerbase.CustomerUpdateParams{Version: c.Version + 1, Name: "X", PlatformID: steamGarry.PlatformID}, playerbase.ErrConflict, new(*errs.ConflictError)},
		{"platform ID of another customer", c.ID, playerbase.CustomerUpdateParams{Version: c.Version, Name: "X", PlatformID: "STEAM_0:1:1"}, playerbase.ErrConflict, new(*errs.ConflictError)},
		{"empty name", c.ID, playerbase.CustomerUpdateParams{Version: c.Version, Name: "", PlatformID: steamGarry.PlatformID}, playerbase.ErrInvalid, new(*errs.InvalidError)},
		{"malformed platform ID", c.ID, playerbase.CustomerUpdateParams{Version: c.Version, Name: "X", PlatformID: "STEAM_0:0:"}, playerbase.ErrInvalid, new(*errs.InvalidError)},
		{"empty platform ID", c.ID, playerbase.CustomerUpdateParams{Version: c.Version, Name: "X", PlatformID: ""}, playerbase.ErrInvalid, new(*errs.InvalidError)},
		{"unknown customer", customer.NewID(clockStart), playerbase.CustomerUpdateParams{Version: 0, Name: "X", PlatformID: "[U:1:99]"}, playerbase.ErrNotFound, new(*errs.NotFoundError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, beforeOther := customerSnapshot(t, pb, c.ID), customerSnapshot(t, pb, other.ID)
			got, err := pb.CustomerUpdate(ctx, tc.id, tc.edit)
			if !errors.Is(err, tc.match) || !errors.As(err, tc.as) {
				t.Fatalf("EditCustomer = %v, want %v as %T", err, tc.match, tc.as)
			}
			if got.ID != "" {
				t.Errorf("failed EditCustomer returned customer %s", got.ID)
			}
			if diff := cmp.Diff(before, customerSnapshot(t, pb, c.ID), customerCmp); diff != "" {
				t.Errorf("customer changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(beforeOther, customerSnapshot(t, pb, other.ID), customerCmp); diff != "" {
				t.Errorf("other customer changed (-before +after):\n%s", diff)
			}
		})
	}
	if _, err := pb.CustomerGet(ctx, customer.NewID(clockStart)); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("Customer(unknown) = %v, want ErrNotFound", err)
	}
}

func TestRecordCheckout(t *testing.T) {
	ctx := context.Background()
	pb, clock := newCustomerClient(t)
	c := mustIdentify(t, pb, steamGarry)
	clock.Advance(time.Minute)

	got, err := pb.CustomerRecordCheckout(ctx, c.ID, playerbase.CustomerRecordCheckoutParams{IP: "::ffff:198.51.100.7", Email: "  Garry@Example.COM"})
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.KnownIPs = []netip.Addr{netip.MustParseAddr("198.51.100.7")}
	want.KnownEmails = []string{"garry@example.com"}
	want.Updated = clock.Now().UTC().Truncate(time.Microsecond)
	want.Version = 1
	if diff := cmp.Diff(want, got, customerCmp); diff != "" {
		t.Errorf("after checkout (-want +got):\n%s", diff)
	}

	// The same contact in other spellings changes nothing, not even Version.
	clock.Advance(time.Minute)
	if got, err = pb.CustomerRecordCheckout(ctx, c.ID, playerbase.CustomerRecordCheckoutParams{IP: "198.51.100.7", Email: "garry@example.com"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, customerCmp); diff != "" {
		t.Errorf("repeat checkout changed the customer (-want +got):\n%s", diff)
	}
	// Either part may be empty; a zone is dropped.
	if got, err = pb.CustomerRecordCheckout(ctx, c.ID, playerbase.CustomerRecordCheckoutParams{IP: "fe80::1%eth0"}); err != nil || len(got.KnownIPs) != 2 || got.KnownIPs[1] != netip.MustParseAddr("fe80::1") {
		t.Errorf("RecordCheckout(ip only) = %v, %v", got.KnownIPs, err)
	}

	before := customerSnapshot(t, pb, c.ID)
	for _, tc := range []struct{ ip, email string }{{"999.1.1.1", ""}, {"", "not-an-email"}, {"10.0.0.1", "a@b@c"}} {
		if _, err := pb.CustomerRecordCheckout(ctx, c.ID, playerbase.CustomerRecordCheckoutParams{IP: tc.ip, Email: tc.email}); !errors.Is(err, playerbase.ErrInvalid) {
			t.Errorf("RecordCheckout(%q, %q) = %v, want ErrInvalid", tc.ip, tc.email, err)
		}
	}
	if diff := cmp.Diff(before, customerSnapshot(t, pb, c.ID), customerCmp); diff != "" {
		t.Errorf("refused checkouts changed the customer (-before +after):\n%s", diff)
	}
	if _, err := pb.CustomerRecordCheckout(ctx, customer.NewID(clockStart), playerbase.CustomerRecordCheckoutParams{IP: "10.0.0.1"}); !errors.Is(err, playerbase.ErrNotFound) {
		t.Errorf("RecordCheckout(unknown customer) = %v, want ErrNotFound", err)
	}
}

// A login names the player by platform and account ID in any form; the
// first one creates the customer, later ones find it, and a Name of ""
// finds without touching the name.
func ExampleClient_CustomerIdentify() {
	ctx := context.Background()
	pb := playerbase.New(memory.New(), nil)

	notch, created, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.MinecraftJava, PlatformID: "069A79F444E94726A5BEFCA90E38AAF5", Name: "Notch",
	})
	fmt.Println(notch.PlatformID.Value, notch.Name, "created:", created)

	again, created, _ := pb.CustomerIdentify(ctx, playerbase.CustomerIdentifyParams{
		Platform: customer.MinecraftJava, PlatformID: "069a79f4-44e9-4726-a5be-fca90e38aaf5",
	})
	fmt.Println(again.ID == notch.ID, again.Name, "created:", created)
	// Output:
	// 069a79f4-44e9-4726-a5be-fca90e38aaf5 Notch created: true
	// true Notch created: false
}
