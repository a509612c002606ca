package playerbase

import (
	"flag"
	"strconv"
	"testing"
)

// fewerRapidChecks lowers rapid's number of iterations to n for the rest of
// the test, unless the command line set -rapid.checks. The root package's
// tests do not run in parallel, so no other test sees the change.
func fewerRapidChecks(t *testing.T, n int) {
	t.Helper()
	f := flag.Lookup("rapid.checks")
	set := false
	flag.Visit(func(v *flag.Flag) { set = set || v.Name == "rapid.checks" })
	if f == nil || set {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// FewerRapidChecks is fewerRapidChecks for the external test package.
var FewerRapidChecks = fewerRapidChecks
