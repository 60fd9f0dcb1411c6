package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// spec is the API's OpenAPI document, loaded and validated once.
var spec = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(adminapi.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
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

// checked records which operations of the document a test run answered,
// each validated, so that a test can assert it drove every one.
type checked struct {
	mu  sync.Mutex
	ops map[string]bool // "METHOD /path/template"
}

func (c *checked) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]bool{}
	}
	c.ops[op] = true
}

// validating is an http.RoundTripper that checks every answer of the
// admin API against the OpenAPI document, and the request too unless the
// test marks it hostile (a request meant to be refused cannot match the
// document). A request to a path the document lacks is let through
// unchecked: the fallback 404 and 405 answers are not operations.
type validating struct {
	t      testing.TB
	router routers.Router
	seen   *checked
}

type hostileKey struct{}

// hostile marks a request as deliberately invalid.
func hostile(ctx context.Context) context.Context { return context.WithValue(ctx, hostileKey{}, true) }

var validationOpts = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus: true,
	MultiError:            true,
}

func (v validating) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
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
	route, params, err := v.router.FindRoute(probe)
	if err != nil {
		return resp, nil // not an operation: the fallback's 404 or 405
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: validationOpts}
	if req.Context().Value(hostileKey{}) == nil {
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			v.t.Errorf("%s %s: the request does not match the document: %v\n%s", req.Method, req.URL.Path, err, reqBody)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: validationOpts}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, respBody)
	}
	if v.seen != nil {
		v.seen.add(req.Method + " " + route.Path)
	}
	return resp, nil
}

// env is one server with an admin client and the HTTP client that checks
// every exchange against the document.
type env struct {
	t     *testing.T
	in    *servertest.Instance
	http  *http.Client
	ops   servertest.Client // the tokenmint:admin client
	token string            // its access token
	seen  *checked
}

func newEnv(t *testing.T, opts ...servertest.Option) *env {
	t.Helper()
	_, router := loadSpec(t)
	e := &env{t: t, in: servertest.Start(t, opts...), seen: &checked{}}
	e.http = &http.Client{Transport: validating{t: t, router: router, seen: e.seen}}
	e.ops = e.in.CreateClient(t, registry.ClientSpec{Name: "ops", Scopes: []string{adminapi.ScopeAdmin}})
	e.token = e.tokenFor(e.ops, "")
	return e
}

// withConfig is a servertest option.
func withConfig(f func(*config.Config)) servertest.Option { return f }

// tokenFor gets a client_credentials token of c from the public listener.
func (e *env) tokenFor(c servertest.Client, scope string) string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest(http.MethodPost, e.in.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("token for %s: %d %v", c.ID, resp.StatusCode, err)
	}
	return body.AccessToken
}

// reply is an answer of the admin API.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

func (r reply) problem(t testing.TB) adminapi.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("answer %d has Content-Type %q, want application/problem+json\n%s", r.status, ct, r.body)
	}
	var p adminapi.Problem
	r.json(t, &p)
	if p.Status != r.status || p.Type == "" || p.Title == "" || p.Code == "" {
		t.Fatalf("problem %+v does not describe the %d answer", p, r.status)
	}
	return p
}

// call is one request: method, path (under the admin URL), token ("" for
// none), body (a string is sent as it is, anything else as JSON, nil for
// none).
type call struct {
	method, path, token string
	body                any
	contentType         string // default application/json when there is a body
	hostile             bool   // the request is meant to be refused
	header              http.Header
}

func (e *env) do(c call) reply {
	e.t.Helper()
	var body io.Reader
	var raw []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	if c.body != nil {
		body = bytes.NewReader(raw)
	}
	ctx := context.Background()
	if c.hostile {
		ctx = hostile(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, e.in.AdminURL+c.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if c.body != nil {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// admin is a request with the tokenmint:admin token.
func (e *env) admin(method, path string, body any) reply {
	e.t.Helper()
	return e.do(call{method: method, path: path, token: e.token, body: body})
}

// want fails the test unless r has the status.
func want(t testing.TB, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
}

// registryScopes is the spec of a confidential client allowed scopes.
func registryScopes(name string, scopes ...string) registry.ClientSpec {
	return registry.ClientSpec{Name: name, Scopes: scopes}
}
