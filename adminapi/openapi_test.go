package adminapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
)

// TestOpenAPIDocument: the document is valid OpenAPI 3.1, served as it is
// embedded, and describes exactly the routes the server has: every
// operation it names is routed (answers 401 without a token rather than
// the fallback's 404 or 405), and every route is in it.
func TestOpenAPIDocument(t *testing.T) {
	doc, _ := loadSpec(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	e := newEnv(t)
	r := e.do(call{method: http.MethodGet, path: adminapi.PathOpenAPI})
	want(t, r, http.StatusOK)
	if string(r.body) != string(adminapi.OpenAPIDocument()) || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("served document differs from the embedded one (%s)", r.header.Get("Content-Type"))
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
			if path == adminapi.PathOpenAPI {
				continue
			}
			concrete := strings.NewReplacer("{client_id}", "someclient", "{user_id}", "someuser").Replace(path)
			got := e.do(call{method: method, path: concrete, hostile: true})
			if got.status != http.StatusUnauthorized || got.problem(t).Code != "unauthorized" {
				t.Errorf("%s %s without a token: %d %s; want the 401 of a routed operation", method, path, got.status, got.body)
			}
		}
	}
	slices.Sort(documented)
	routed := adminapi.Patterns()
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Errorf("the document's operations and the routes differ:\ndocument: %v\nroutes:   %v", documented, routed)
	}
}
