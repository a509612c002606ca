package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The demo seeds and exits without serving when asked to, so a test never
// blocks on it.
func TestRunExitsAfterSeed(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "127.0.0.1:0", true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "/admin/") || !strings.Contains(out.String(), "/customers/cus_") {
		t.Errorf("output does not give the URL:\n%s", out.String())
	}
}
