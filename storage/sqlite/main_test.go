package sqlite_test

import (
	"os"
	"testing"

	"github.com/playerbase/playerbase/storage/sqlite"
)

// runChild, if set, turns this test binary into a child process another
// test started (crash_test.go) when the environment asks for one; it does
// not return then.
var runChild func()

func TestMain(m *testing.M) {
	if runChild != nil {
		runChild()
	}
	code := m.Run()
	removeShared()
	os.Exit(code)
}

// closeBackend closes b and fails the test if that fails.
func closeBackend(t testing.TB, b *sqlite.Backend) {
	t.Helper()
	if err := b.Close(); err != nil {
		t.Error(err)
	}
}
