package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v4"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// spanTree indexes exported spans by ID.
type spanTree struct {
	spans []tracetest.SpanStub
}

func newTracer() (*tracetest.InMemoryExporter, *sdktrace.TracerProvider) {
	exp := tracetest.NewInMemoryExporter()
	return exp, sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
}

// named returns the spans called name.
func (st spanTree) named(name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range st.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// one returns the one span called name, failing otherwise.
func (st spanTree) one(t *testing.T, name string) tracetest.SpanStub {
	t.Helper()
	got := st.named(name)
	if len(got) != 1 {
		t.Fatalf("%d spans named %q, want 1; spans: %v", len(got), name, st.names())
	}
	return got[0]
}

// children are the names of the spans whose parent is p.
func (st spanTree) children(p tracetest.SpanStub) []string {
	var out []string
	for _, s := range st.spans {
		if s.Parent.SpanID() == p.SpanContext.SpanID() && s.SpanContext.TraceID() == p.SpanContext.TraceID() {
			out = append(out, s.Name)
		}
	}
	return out
}

func (st spanTree) names() []string {
	var out []string
	for _, s := range st.spans {
		out = append(out, s.Name)
	}
	return out
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func wantChildren(t *testing.T, st spanTree, parent tracetest.SpanStub, want ...string) {
	t.Helper()
	got := st.children(parent)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("span %q has children %v, want %s among them", parent.Name, got, w)
		}
	}
}

// TestTraceTokenRequest: a token request is one trace: the HTTP span named
// after the route, the engine's steps under it, and the database
// statement that stores the opaque token under the issuing step; on
// SQLite and on PostgreSQL, and with the Redis limiters' commands when
// Redis is configured.
func TestTraceTokenRequest(t *testing.T) {
	backends := []struct {
		name string
		opt  func(t *testing.T) servertest.Option
		db   string // db.system.name
	}{
		{"SQLite", func(*testing.T) servertest.Option { return func(*config.Config) {} }, "sqlite"},
		{"PostgreSQL", func(t *testing.T) servertest.Option {
			dsn := storetest.PostgresDSN(t)
			return func(c *config.Config) { c.Database = dsn }
		}, "postgresql"},
		{"Redis", func(t *testing.T) servertest.Option {
			u := os.Getenv("TOKENMINT_TEST_REDIS")
			if u == "" {
				t.Skip("TOKENMINT_TEST_REDIS not set: set it to a Redis URL (e.g. redis://127.0.0.1:6379/0) to trace the Redis limiters")
			}
			return func(c *config.Config) { c.Redis, c.TokenRateLimit, c.ClientRateLimit = u, "1000/1m", "1000/1m" }
		}, "sqlite"},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			exp, tp := newTracer()
			in := servertest.StartTraced(t, tp, b.opt(t))
			c := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque, GrantTypes: []string{tokenmint.GrantClientCredentials}})
			exp.Reset()
			status, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
			if status != http.StatusOK {
				t.Fatalf("token: %d %v", status, body)
			}
			st := spanTree{exp.GetSpans()}

			req := st.one(t, "POST /oauth2/token")
			if req.SpanKind != trace.SpanKindServer || req.Parent.IsValid() {
				t.Errorf("request span: kind %v, parent %v; want a server span at the root", req.SpanKind, req.Parent)
			}
			if attr(req, "http.route") != "/oauth2/token" || attr(req, "http.response.status_code") != "200" || attr(req, "client.address") != "127.0.0.1" {
				t.Errorf("request span attributes: %v", req.Attributes)
			}
			wantChildren(t, st, req, grant.SpanAuthenticateClient, "grant.client_credentials")
			wantChildren(t, st, st.one(t, "grant.client_credentials"), grant.SpanIssueToken)
			issue := st.one(t, grant.SpanIssueToken)
			wantChildren(t, st, issue, "INSERT")
			for _, s := range st.named("INSERT") {
				if attr(s, "db.system.name") != b.db || !strings.Contains(attr(s, "db.query.text"), "access_tokens") {
					t.Errorf("INSERT span attributes: %v", s.Attributes)
				}
			}
			if b.name == "Redis" {
				var redis []string
				for _, s := range st.spans {
					if attr(s, "db.system.name") == "redis" || attr(s, "db.system") == "redis" {
						redis = append(redis, s.Name)
						if s.SpanContext.TraceID() != req.SpanContext.TraceID() {
							t.Errorf("Redis span %q is not in the request's trace", s.Name)
						}
					}
				}
				if len(redis) == 0 {
					t.Errorf("no Redis span among %v", st.names())
				}
			}
			for _, s := range st.spans {
				if s.SpanContext.TraceID() != req.SpanContext.TraceID() {
					t.Errorf("span %q is in another trace than the request's", s.Name)
				}
			}
			// A refusal is recorded on the step that refused, by its error code.
			exp.Reset()
			status, _, _ = post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, "wrong")
			if status != http.StatusUnauthorized {
				t.Fatalf("bad secret: %d", status)
			}
			st = spanTree{exp.GetSpans()}
			if auth := st.one(t, grant.SpanAuthenticateClient); attr(auth, "oauth.error") != "invalid_client" {
				t.Errorf("refused authentication span attributes: %v", auth.Attributes)
			}
		})
	}
}

// TestTraceparentTrust: the W3C trace context of a request is honoured
// only from a trusted proxy; from any other peer the request starts a new
// trace, so a client cannot join a trace of its choosing.
func TestTraceparentTrust(t *testing.T) {
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		spanID  = "00f067aa0ba902b7"
	)
	tests := []struct {
		name    string
		trusted []string
		honour  bool
	}{
		{"untrusted peer", nil, false},
		{"untrusted peer, other proxies trusted", []string{"10.0.0.0/8"}, false},
		{"trusted proxy", []string{"127.0.0.1/32"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exp, tp := newTracer()
			in := servertest.StartTraced(t, tp, func(c *config.Config) { c.TrustedProxies = tc.trusted })
			req, _ := http.NewRequest(http.MethodGet, in.URL+"/.well-known/openid-configuration", nil)
			req.Header.Set("traceparent", "00-"+traceID+"-"+spanID+"-01")
			if status, _, _ := do(t, req); status != http.StatusOK {
				t.Fatalf("metadata: %d", status)
			}
			span := spanTree{exp.GetSpans()}.one(t, "GET /.well-known/openid-configuration")
			joined := span.SpanContext.TraceID().String() == traceID && span.Parent.SpanID().String() == spanID && span.Parent.IsRemote()
			if joined != tc.honour {
				t.Errorf("trace %s parent %s: joined the caller's trace = %v, want %v",
					span.SpanContext.TraceID(), span.Parent.SpanID(), joined, tc.honour)
			}
			if !tc.honour && span.Parent.IsValid() {
				t.Errorf("untrusted request span has a parent %v, want a root", span.Parent)
			}
		})
	}
}

// TestTraceUnroutedRequest: a request no route takes (the JSON 404) is
// named after its method alone, never after its attacker-chosen path.
func TestTraceUnroutedRequest(t *testing.T) {
	exp, tp := newTracer()
	in := servertest.StartTraced(t, tp)
	if status, _, _ := get(t, in.URL+"/no/such/secret-looking-path"); status != http.StatusNotFound {
		t.Fatalf("status %d", status)
	}
	span := spanTree{exp.GetSpans()}.one(t, "GET")
	if attr(span, "http.response.status_code") != "404" || attr(span, "http.route") != "" {
		t.Errorf("attributes %v", span.Attributes)
	}
}

// TestTraceJWKSURIFetch: the fetch of a private_key_jwt client's jwks_uri
// is a client span inside the token request's trace, and carries no trace
// context to the other party.
func TestTraceJWKSURIFetch(t *testing.T) {
	exp, tp := newTracer()
	in := servertest.StartTraced(t, tp, func(c *config.Config) { c.AllowPrivateFetch = true })
	pk, keys := jwksURIClient(t, in)
	status, _, body := post(t, in.URL+"/oauth2/token", assertionForm(in.ClientAssertion(t, pk.ID, keys.key, "ES256", "k1", nil), "grant_type", "client_credentials"), "", "")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	st := spanTree{exp.GetSpans()}
	fetch := st.one(t, "GET")
	if fetch.SpanKind != trace.SpanKindClient || attr(fetch, "http.response.status_code") != "200" || !strings.HasSuffix(attr(fetch, "url.full"), "/jwks") {
		t.Errorf("fetch span: kind %v, attributes %v", fetch.SpanKind, fetch.Attributes)
	}
	wantChildren(t, st, st.one(t, grant.SpanAuthenticateClient), "GET")
	if h := keys.traceparent.Load(); h != nil && *h != "" {
		t.Errorf("the jwks_uri fetch sent traceparent %q to the client's server", *h)
	}
}

// jwksKeys is a client's key and the server of its jwks_uri, which
// remembers the traceparent header of the last fetch.
type jwksKeys struct {
	key         *ecdsa.PrivateKey
	traceparent atomic.Pointer[string]
}

func jwksURIClient(t *testing.T, in *servertest.Instance) (servertest.Client, *jwksKeys) {
	t.Helper()
	k := &jwksKeys{}
	k.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := jwksOf(t, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: "k1"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("traceparent")
		k.traceparent.Store(&h)
		w.Write(set)
	}))
	t.Cleanup(srv.Close)
	c := in.CreateClient(t, registry.ClientSpec{AuthMethod: tokenmint.AuthMethodPrivateKeyJWT, JWKSURI: srv.URL + "/jwks"})
	return c, k
}
