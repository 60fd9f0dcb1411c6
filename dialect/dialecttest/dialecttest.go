// Package dialecttest holds what the dialects' conformance tests share: a
// real tokenmint server (package server/servertest) with every dialect
// enabled, requests written the way the platforms' documents write them,
// clients whose credentials are the documents' own sample values, and
// checks of JSON members, JWTs and the standard endpoints. It keeps the
// four conformance files about their documents rather than about
// plumbing.
package dialecttest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// Start runs a server with every dialect enabled; opts may change the
// configuration further.
func Start(t testing.TB, opts ...servertest.Option) *servertest.Instance {
	t.Helper()
	all := func(c *config.Config) { c.Dialects = config.AllDialects() }
	return servertest.Start(t, append([]servertest.Option{all}, opts...)...)
}

// Client registers a client whose secret (and API key, when apiKey is
// not empty) are the given literal values instead of generated ones, so
// that a test can replay a document's request byte for byte. It must be
// called before the server has looked the client up.
func Client(t testing.TB, in *servertest.Instance, spec registry.ClientSpec, secret, apiKey string) servertest.Client {
	t.Helper()
	spec.APIKey = spec.APIKey || apiKey != ""
	c := in.CreateClient(t, spec)
	rec, err := in.Server.Store().UpdateClient(context.Background(), c.ID, func(rc *tokenmint.Client) error {
		if secret != "" {
			rc.SecretHash = in.Registry.Secrets.Sum(secret)
			c.Secret = secret
		}
		if apiKey != "" {
			rc.APIKeyHash = in.Registry.Secrets.Sum(apiKey)
			c.APIKey = apiKey
		}
		return nil
	})
	if err != nil {
		t.Fatalf("set the client's sample credentials: %v", err)
	}
	c.Record = rec
	return c
}

// Response is an answer, with its body decoded when it is a JSON object.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

// Do sends req and reads the answer.
func Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if t := strings.TrimSpace(string(raw)); strings.HasPrefix(t, "{") {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			r.JSON = nil
		}
	}
	return r
}

// Request builds a request; headers alternate names and values.
func Request(t testing.TB, method, u, body string, headers ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(headers)%2 != 0 {
		t.Fatalf("headers %q: want name/value pairs", headers)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return req
}

// Basic is the value of an Authorization: Basic header (RFC 7617).
func Basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// Members fails unless obj has exactly the named members.
func Members(t testing.TB, what string, obj map[string]any, names ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(obj))
	want := slices.Sorted(slices.Values(names))
	if !slices.Equal(got, want) {
		t.Errorf("%s has members %q, want exactly %q", what, got, want)
	}
}

// Number returns a JSON number member as an int64, failing when it is
// absent, not a number or not whole.
func Number(t testing.TB, obj map[string]any, name string) int64 {
	t.Helper()
	f, ok := obj[name].(float64)
	if !ok || f != float64(int64(f)) {
		t.Fatalf("member %s = %#v, want a whole number", name, obj[name])
	}
	return int64(f)
}

// String returns a string member, failing when it is absent or empty.
func String(t testing.TB, obj map[string]any, name string) string {
	t.Helper()
	s, ok := obj[name].(string)
	if !ok || s == "" {
		t.Fatalf("member %s = %#v, want a non-empty string", name, obj[name])
	}
	return s
}

// Introspect asks the standard introspection endpoint (RFC 7662).
func Introspect(t testing.TB, in *servertest.Instance, c servertest.Client, tok string) Response {
	t.Helper()
	return postStandard(t, in.URL+httpapi.PathIntrospect, c, tok)
}

// Revoke asks the standard revocation endpoint (RFC 7009).
func Revoke(t testing.TB, in *servertest.Instance, c servertest.Client, tok string) Response {
	t.Helper()
	return postStandard(t, in.URL+httpapi.PathRevoke, c, tok)
}

func postStandard(t testing.TB, endpoint string, c servertest.Client, tok string) Response {
	t.Helper()
	form := url.Values{"token": {tok}}
	if c.Secret == "" {
		form.Set("client_id", c.ID)
	}
	req := Request(t, http.MethodPost, endpoint, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if c.Secret != "" {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	return Do(t, req)
}

// StandardToken obtains a token from the standard token endpoint.
func StandardToken(t testing.TB, in *servertest.Instance, c servertest.Client, form url.Values) map[string]any {
	t.Helper()
	req := Request(t, http.MethodPost, in.URL+httpapi.PathToken, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	r := Do(t, req)
	if r.Status != http.StatusOK {
		t.Fatalf("standard token endpoint: %d %s", r.Status, r.Raw)
	}
	return r.JSON
}

// Active reports the "active" member of an introspection answer, failing
// on anything but 200.
func Active(t testing.TB, r Response) bool {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("introspection: %d %s", r.Status, r.Raw)
	}
	active, ok := r.JSON["active"].(bool)
	if !ok {
		t.Fatalf("introspection without a boolean active: %s", r.Raw)
	}
	return active
}

// JWTParts decodes a compact JWS's protected header and payload without
// verifying it.
func JWTParts(t testing.TB, raw string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a compact JWS", raw)
	}
	return decodeSegment(t, parts[0]), decodeSegment(t, parts[1])
}

func decodeSegment(t testing.TB, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("segment %q: %v", seg, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("segment %s: %v", b, err)
	}
	return m
}

// VerifyJWT checks raw's signature with go-jose against the JWKS the
// server publishes, accepting only alg.
func VerifyJWT(t testing.TB, in *servertest.Instance, raw, alg string) {
	t.Helper()
	r := Do(t, Request(t, http.MethodGet, in.URL+httpapi.PathJWKS, ""))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.Raw, &set); err != nil {
		t.Fatalf("decode JWKS: %v", err)
	}
	tok, err := josejwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("parse JWT as %s: %v", alg, err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for kid %q", len(keys), tok.Headers[0].KeyID)
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature does not verify against the JWKS: %v", err)
	}
}
