package sqlite_test

import (
	"os"
	"testing"
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
