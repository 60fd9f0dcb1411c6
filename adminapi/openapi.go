package adminapi

import (
	_ "embed"
	"net/http"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the OpenAPI 3.1 document of the API.
func OpenAPIDocument() []byte { return append([]byte(nil), openAPIDocument...) }

// OpenAPI answers GET /admin/v1/openapi.json with the document. It needs
// no token: it holds nothing secret, and a client generator needs it
// before it has one (the admin listener itself is not public).
func (a *API) OpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	w.Write(openAPIDocument)
}
