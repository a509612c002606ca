package problem_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/playerbase/playerbase/metadata"
	"github.com/playerbase/playerbase/problem"
)

// A handler for the details page's metadata form: it calls one library
// function and, on error, lets problem answer. The form repeats a key.
func ExampleWrite() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		stored := metadata.Metadata{"tier": "gold"}
		rows := []metadata.Field{{Key: "tier", Value: "gold"}, {Key: "tier", Value: "silver"}}
		if _, err := metadata.Replace(stored, rows, stored.Version()); err != nil {
			problem.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}

	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest(http.MethodPost, "/customers/cus_01/metadata", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 422 application/problem+json
	// {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"invalid metadata.rows[1].key \"tier\": also in row 0","instance":"/customers/cus_01/metadata","errors":[{"field":"metadata.rows[1].key","detail":"also in row 0"}]}
}
