package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/playerbase/playerbase/storage"
)

// NewBackend returns a backend for one test. It registers its own cleanup.
type NewBackend func(t *testing.T) storage.Backend

// Run runs the whole suite against the backends newBackend makes.
func Run(t *testing.T, newBackend NewBackend) {
	t.Run("Customers", func(t *testing.T) { testCustomers(t, newBackend) })
	t.Run("CustomerSearch", func(t *testing.T) { testCustomerSearch(t, newBackend) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, newBackend) })
	t.Run("Metadata", func(t *testing.T) { testMetadata(t, newBackend) })
	t.Run("Inventory", func(t *testing.T) { testInventory(t, newBackend) })
	t.Run("Delivery", func(t *testing.T) { testDelivery(t, newBackend) })
	t.Run("Bans", func(t *testing.T) { testBans(t, newBackend) })
	t.Run("BanChecker", func(t *testing.T) { testBanChecker(t, newBackend) })
	t.Run("BanCheckerRules", func(t *testing.T) { testBanCheckerRules(t, newBackend) })
	t.Run("BanLoader", func(t *testing.T) { testBanLoader(t, newBackend) })
	t.Run("GameServers", func(t *testing.T) { testGameServers(t, newBackend) })
	t.Run("Orders", func(t *testing.T) { testOrders(t, newBackend) })
	t.Run("Subscriptions", func(t *testing.T) { testSubscriptions(t, newBackend) })
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, newBackend) })
	t.Run("Text", func(t *testing.T) { testText(t, newBackend) })
	t.Run("Events", func(t *testing.T) { testEvents(t, newBackend) })
}

// now is a fixed instant tests start from, at the microsecond precision all
// backends store.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// errRollback makes an Update fail on purpose.
var errRollback = errors.New("storagetest: roll back")

func update(t *testing.T, b storage.Backend, fn func(storage.Tx) error) {
	t.Helper()
	if err := b.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, b storage.Backend, fn func(storage.Tx) error) {
	t.Helper()
	if err := b.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}
