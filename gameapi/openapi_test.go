package gameapi_test

import (
	"sort"
	"strings"
	"testing"
)

// The document loads and validates as OpenAPI 3.1, and every operation it
// lists is served: an unauthenticated request reaches the route (401), not
// the 404 of an unknown path. Every response any test gets is checked
// against it by the fixture's transport (validating).
func TestOpenAPIDocument(t *testing.T) {
	doc, _, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %s, want 3.1", doc.OpenAPI)
	}
	f := newFixture(t, nil)
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	ops := 0
	for _, p := range paths {
		for method := range doc.Paths.Value(p).Operations() {
			ops++
			url := strings.ReplaceAll(p, "{attemptId}", "cmd_01KAZZZZZZZZZZZZZZZZZZZZZZ")
			resp, b := f.doHeader(method, url, "", "")
			if resp.StatusCode != 401 {
				t.Errorf("%s %s: %d %s, want 401 (a served route)", method, p, resp.StatusCode, b)
			}
		}
	}
	if ops < 12 {
		t.Errorf("the document lists %d operations, want all 12", ops)
	}
	validated.Lock()
	n := validated.n
	validated.Unlock()
	if n == 0 {
		t.Error("no response was validated")
	}
}
