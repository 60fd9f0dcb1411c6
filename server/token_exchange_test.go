package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// exchangeSetup is a frontend client whose tokens are meant for the
// service client, which may exchange them for the ledger audience or the
// API resource, with read scope only.
type exchangeSetup struct {
	in                *servertest.Instance
	is                *servertest.Issuer
	frontend, service servertest.Client
}

func newExchangeSetup(t *testing.T, opts ...servertest.Option) *exchangeSetup {
	t.Helper()
	s := &exchangeSetup{in: servertest.Start(t, append(opts, func(c *config.Config) { c.AllowPrivateFetch = true })...)}
	s.is = servertest.NewIssuer(t, s.in.Clock)
	s.service = s.in.CreateClient(t, registry.ClientSpec{
		GrantTypes: []string{tokenmint.GrantTokenExchange, tokenmint.GrantClientCredentials},
		Scopes:     []string{"read", "ci"}, Resources: []string{"https://api.example/v1"},
		TokenExchangeAudiences:      []string{"https://ledger.example", "delegate"},
		TokenExchangeSubjectIssuers: []string{tokenmint.IssuerSelf, s.is.URL},
		JWTBearerTrusts: []tokenmint.JWTTrust{{Issuer: s.is.URL, Audience: "service", Subject: "system:serviceaccount:prod:*",
			Claims: []tokenmint.ClaimCondition{{Name: "kubernetes.io.namespace", Value: "prod"}}, Scopes: []string{"ci"}}},
	})
	s.frontend = s.in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read", "write"}, Audience: []string{s.service.ID}})
	return s
}

// token gets a client_credentials token of c.
func (s *exchangeSetup) token(t *testing.T, c servertest.Client) string {
	t.Helper()
	status, _, body := post(t, s.in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c.ID, c.Secret)
	if status != http.StatusOK {
		t.Fatalf("client_credentials: %d %v", status, body)
	}
	return body["access_token"].(string)
}

func (s *exchangeSetup) exchange(t *testing.T, c servertest.Client, kv ...string) (int, http.Header, map[string]any) {
	t.Helper()
	f := url.Values{"grant_type": {tokenmint.GrantTokenExchange}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return post(t, s.in.URL+"/oauth2/token", f, c.ID, c.Secret)
}

const atType = tokenmint.TokenTypeAccessToken

// TestTokenExchange: a service exchanges a token meant for it for one
// for the ledger (its policy's audience) with a narrower scope, as JWT
// and as opaque subject tokens, on SQLite and PostgreSQL; the issued
// token never outlives its subject; issued_token_type is given and no
// refresh token.
func TestTokenExchange(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			s := newExchangeSetup(t, func(c *config.Config) {
				if backend == "postgres" {
					c.Database = storetest.PostgresDSN(t)
				}
			})
			subject := s.token(t, s.frontend)
			s.in.Clock.Advance(30 * time.Minute)
			status, h, body := s.exchange(t, s.service, "subject_token", subject, "subject_token_type", atType,
				"audience", "https://ledger.example", "scope", "read")
			if status != http.StatusOK {
				t.Fatalf("exchange: %d %v", status, body)
			}
			if body["issued_token_type"] != atType || body["refresh_token"] != nil || body["scope"] != "read" || h.Get("Cache-Control") != "no-store" {
				t.Fatalf("response: %v", body)
			}
			if exp := body["expires_in"].(float64); exp > 30*60 || exp < 29*60 {
				t.Fatalf("expires_in %v: the subject token had 30 minutes left", exp)
			}
			at := jwtPayload(t, body["access_token"].(string))
			if at["sub"] != s.frontend.ID || at["client_id"] != s.service.ID || at["aud"] != "https://ledger.example" || at["act"] != nil {
				t.Fatalf("claims: %v", at)
			}
			// Resource and audience together; no scope: the intersection.
			status, _, body = s.exchange(t, s.service, "subject_token", subject, "subject_token_type", tokenmint.TokenTypeJWT,
				"resource", "https://api.example/v1", "audience", "https://ledger.example")
			if status != http.StatusOK || body["scope"] != "read" {
				t.Fatalf("resource+audience: %d %v", status, body)
			}
			if aud := jwtPayload(t, body["access_token"].(string))["aud"]; len(aud.([]any)) != 2 {
				t.Fatalf("aud %v", aud)
			}
		})
	}
	t.Run("opaque subject and opaque delegated token, act introspected", func(t *testing.T) {
		s := newExchangeSetup(t)
		front := s.in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read"}, Audience: []string{s.service.ID}, TokenFormat: tokenmint.FormatOpaque})
		svc := s.in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange, tokenmint.GrantClientCredentials},
			Scopes: []string{"read"}, TokenFormat: tokenmint.FormatOpaque, Audience: []string{s.service.ID}})
		// svc exchanges front's token? It is meant for s.service, not svc:
		status, h, body := s.exchange(t, svc, "subject_token", s.token(t, front), "subject_token_type", atType)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
		// s.service exchanges it with svc's token as actor: svc's own
		// token is one s.service may see (its audience names it).
		status, _, body = s.exchange(t, s.service, "subject_token", s.token(t, front), "subject_token_type", atType,
			"actor_token", s.token(t, svc), "actor_token_type", atType)
		if status != http.StatusOK {
			t.Fatalf("delegation: %d %v", status, body)
		}
		at := jwtPayload(t, body["access_token"].(string))
		if act, _ := at["act"].(map[string]any); act["sub"] != svc.ID || at["sub"] != front.ID {
			t.Fatalf("act: %v", at)
		}
	})
}

// TestTokenExchangeDelegationChain: B exchanges the user's token with
// its own as actor, for C; C exchanges that with its own as actor: the
// act claim names C with B nested (RFC 8693 §4.1), through opaque tokens
// whose record keeps act, reported by introspection.
func TestTokenExchangeDelegationChain(t *testing.T) {
	s := newExchangeSetup(t)
	c := s.in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange, tokenmint.GrantClientCredentials},
		Scopes: []string{"read"}, TokenFormat: tokenmint.FormatOpaque, Audience: []string{s.service.ID}})
	// The service's exchanged tokens are for C ("delegate" is only a
	// name in its policy; C is their audience by client ID).
	if _, err := s.in.Registry.UpdateClient(t.Context(), s.service.ID, func(cl *tokenmint.Client) error {
		cl.TokenExchangeAudiences = append(cl.TokenExchangeAudiences, c.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var status int
	var body map[string]any
	servertestEventually(t, func() bool {
		status, _, body = s.exchange(t, s.service, "subject_token", s.token(t, s.frontend), "subject_token_type", atType,
			"actor_token", s.token(t, s.service), "actor_token_type", atType, "audience", c.ID)
		return status == http.StatusOK
	})
	first := body["access_token"].(string)
	status, _, body = s.exchange(t, c, "subject_token", first, "subject_token_type", atType,
		"actor_token", s.token(t, c), "actor_token_type", atType)
	if status != http.StatusOK {
		t.Fatalf("second hop: %d %v", status, body)
	}
	opaque := body["access_token"].(string)
	status, _, info := post(t, s.in.URL+"/oauth2/introspect", url.Values{"token": {opaque}}, c.ID, c.Secret)
	act, _ := info["act"].(map[string]any)
	prior, _ := act["act"].(map[string]any)
	if status != http.StatusOK || info["active"] != true || info["sub"] != s.frontend.ID || act["sub"] != c.ID || prior["sub"] != s.service.ID {
		t.Fatalf("introspection of the delegated opaque token: %d %v", status, info)
	}
}

func servertestEventually(t *testing.T, ok func() bool) {
	t.Helper()
	eventually(t, 3*time.Second, "the updated client", ok)
}

// TestTokenExchangeExternalSubject: a JWT of a trusted issuer listed
// among the subject issuers is exchanged as the JWT bearer grant would
// verify it (not spent: a subject token may be presented again).
func TestTokenExchangeExternalSubject(t *testing.T) {
	s := newExchangeSetup(t)
	claims := s.is.Claims("system:serviceaccount:prod:api", "service")
	claims["kubernetes.io"] = map[string]any{"namespace": "prod"}
	jwt := s.is.Sign(t, claims)
	for range 2 {
		status, _, body := s.exchange(t, s.service, "subject_token", jwt, "subject_token_type", tokenmint.TokenTypeJWT, "audience", "https://ledger.example")
		if status != http.StatusOK || body["scope"] != "ci" {
			t.Fatalf("external subject: %d %v", status, body)
		}
		if sub := jwtPayload(t, body["access_token"].(string))["sub"]; sub != s.is.URL+"#system:serviceaccount:prod:api" {
			t.Fatalf("sub %v", sub)
		}
	}
	claims["kubernetes.io"] = map[string]any{"namespace": "dev"}
	status, h, body := s.exchange(t, s.service, "subject_token", s.is.Sign(t, claims), "subject_token_type", tokenmint.TokenTypeJWT)
	wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
}

// TestTokenExchangeHostile: each refusal with the code RFC 8693 §2.2.2
// gives it.
func TestTokenExchangeHostile(t *testing.T) {
	s := newExchangeSetup(t)
	subject := s.token(t, s.frontend)
	stranger := s.in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read"}, Audience: []string{"someone-else"}})
	noGrant := s.in.CreateClient(t, registry.ClientSpec{Scopes: []string{"read"}})
	selfOnly := s.in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange}, Scopes: []string{"read"},
		TokenExchangeSubjectIssuers: []string{s.is.URL},
		JWTBearerTrusts:             []tokenmint.JWTTrust{{Issuer: s.is.URL, Audience: "x", Subject: "y"}}})
	other := servertest.NewIssuer(t, s.in.Clock)
	otherJWT := func() string {
		m := other.Claims("system:serviceaccount:prod:api", "service")
		m["kubernetes.io"] = map[string]any{"namespace": "prod"}
		return other.Sign(t, m)
	}()
	st := []string{"subject_token", subject, "subject_token_type", atType}
	with := func(kv ...string) []string { return append(append([]string{}, st...), kv...) }
	for _, tc := range []struct {
		name   string
		client servertest.Client
		kv     []string
		status int
		code   string
	}{
		{"audience the policy forbids", s.service, with("audience", "https://evil.example"), 400, "invalid_target"},
		{"one of two audiences forbidden", s.service, with("audience", "https://ledger.example", "audience", "https://evil.example"), 400, "invalid_target"},
		{"resource the policy forbids", s.service, with("resource", "https://other.example/"), 400, "invalid_target"},
		{"scope beyond the subject's", s.service, with("scope", "write"), 400, "invalid_scope"},
		{"scope beyond the client's", s.service, with("scope", "read ci"), 400, "invalid_scope"},
		{"missing subject_token_type", s.service, []string{"subject_token", subject}, 400, "invalid_request"},
		{"missing subject_token", s.service, []string{"subject_token_type", atType}, 400, "invalid_request"},
		{"unknown subject_token_type", s.service, []string{"subject_token", subject, "subject_token_type", "urn:ietf:params:oauth:token-type:saml2"}, 400, "invalid_request"},
		{"refresh token requested", s.service, with("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), 400, "invalid_request"},
		{"garbage subject token", s.service, []string{"subject_token", "tm_at_garbage", "subject_token_type", atType}, 400, "invalid_request"},
		{"subject token not meant for the client", s.service, []string{"subject_token", s.token(t, stranger), "subject_token_type", atType}, 400, "invalid_request"},
		{"tokenmint tokens not allowed by the client's policy", selfOnly, st, 400, "invalid_request"},
		{"subject JWT of an untrusted issuer", s.service, []string{"subject_token", otherJWT, "subject_token_type", tokenmint.TokenTypeJWT}, 400, "invalid_request"},
		{"actor token invalid", s.service, with("actor_token", "tm_at_forged", "actor_token_type", atType), 400, "invalid_request"},
		{"actor token without its type", s.service, with("actor_token", s.token(t, s.service)), 400, "invalid_request"},
		{"actor type without token", s.service, with("actor_token_type", atType), 400, "invalid_request"},
		{"client without the grant", noGrant, st, 400, "unauthorized_client"},
		{"repeated subject_token", s.service, []string{"subject_token", subject, "subject_token", subject, "subject_token_type", atType}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := s.exchange(t, tc.client, tc.kv...)
			wantError(t, status, h, body, tc.status, tc.code)
		})
	}
	t.Run("subject token revoked", func(t *testing.T) {
		tok := s.token(t, s.frontend)
		if status, _, body := post(t, s.in.URL+"/oauth2/revoke", url.Values{"token": {tok}}, s.frontend.ID, s.frontend.Secret); status != http.StatusOK {
			t.Fatalf("revoke: %d %v", status, body)
		}
		status, h, body := s.exchange(t, s.service, "subject_token", tok, "subject_token_type", atType)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
	})
	t.Run("subject token expired", func(t *testing.T) {
		tok := s.token(t, s.frontend)
		s.in.Clock.Advance(2 * time.Hour)
		status, h, body := s.exchange(t, s.service, "subject_token", tok, "subject_token_type", atType)
		wantError(t, status, h, body, http.StatusBadRequest, "invalid_request")
	})
}
