// Package openapicheck checks HTTP exchanges with the admin API against
// its OpenAPI 3.1 document (adminapi.OpenAPIDocument), with
// github.com/getkin/kin-openapi, for the tests of package adminapi and
// of its Go client, package adminclient. Only tests import it, so the
// server's binary does not link the library.
package openapicheck

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tokenmint/tokenmint/adminapi"
)

// spec is the document, loaded and validated once per test binary.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(adminapi.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

// Load returns the document, validated as OpenAPI 3.1, and a router over
// it; it fails t if the document is not valid.
func Load(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := spec()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// Seen records which operations of the document a test's exchanges
// answered, each checked, so that the test can assert it drove them all.
type Seen struct {
	mu  sync.Mutex
	ops map[string]bool // "METHOD /path/template"
}

func (s *Seen) add(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ops == nil {
		s.ops = map[string]bool{}
	}
	s.ops[op] = true
}

// Has reports whether the operation ("GET /admin/v1/clients") was seen.
func (s *Seen) Has(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops[op]
}

// Missing lists the document's operations not seen.
func (s *Seen) Missing(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !s.Has(method + " " + path) {
				out = append(out, method+" "+path)
			}
		}
	}
	return out
}

type hostileKey struct{}

// Hostile marks a request as deliberately invalid: its answer is checked,
// the request itself is not (it cannot match the document).
func Hostile(ctx context.Context) context.Context { return context.WithValue(ctx, hostileKey{}, true) }

var options = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
}

// Transport is an http.RoundTripper that checks every exchange with the
// admin API against the document: the answer always, the request unless
// the context says Hostile. A request to a path the document lacks goes
// through unchecked (the fallback's 404 and 405 are not operations).
// Mismatches fail T.
type Transport struct {
	T    testing.TB
	Seen *Seen             // may be nil
	Base http.RoundTripper // nil: http.DefaultTransport
}

// RoundTrip implements http.RoundTripper.
func (v *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	_, router := Load(v.T)
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	base := v.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if !strings.HasPrefix(req.URL.Path, adminapi.PathPrefix+"/") {
		return resp, nil
	}
	probe := req.Clone(req.Context())
	probe.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(probe)
	if err != nil {
		return resp, nil
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: options}
	if req.Context().Value(hostileKey{}) == nil {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			v.T.Errorf("%s %s: the request does not match the document: %v\n%s", req.Method, req.URL.Path, err, reqBody)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: options}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.T.Errorf("%s %s: the %d answer does not match the document: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, respBody)
	}
	if v.Seen != nil {
		v.Seen.add(req.Method + " " + route.Path)
	}
	return resp, nil
}
