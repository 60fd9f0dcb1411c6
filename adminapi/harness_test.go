package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/internal/openapicheck"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) { return openapicheck.Load(t) }

// hostile marks a request as deliberately invalid.
func hostile(ctx context.Context) context.Context { return openapicheck.Hostile(ctx) }

// env is one server with an admin client and the HTTP client that checks
// every exchange against the document.
type env struct {
	t     *testing.T
	in    *servertest.Instance
	http  *http.Client
	ops   servertest.Client // the tokenmint:admin client
	token string            // its access token
	seen  *openapicheck.Seen
	base  string // where requests go: the instance's admin listener, unless a test serves the API itself
}

func newEnv(t *testing.T, opts ...servertest.Option) *env {
	t.Helper()
	return newEnvOn(t, servertest.Start(t, opts...))
}

// newEnvOn is newEnv on a running instance.
func newEnvOn(t *testing.T, in *servertest.Instance) *env {
	t.Helper()
	e := &env{t: t, in: in, seen: &openapicheck.Seen{}}
	e.base = e.in.AdminURL
	e.http = &http.Client{Transport: &openapicheck.Transport{T: t, Seen: e.seen}}
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
	req, err := http.NewRequestWithContext(ctx, c.method, e.base+c.path, body)
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
