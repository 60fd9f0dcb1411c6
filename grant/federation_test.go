package grant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

const extIssuer = "https://ci.example"

// federated registers the issuer's key with the fixture's key source
// and a public client trusting it for org/app's branches.
func federated(tb testing.TB, f *fixture) (tokenmint.Client, grant.Credentials) {
	tb.Helper()
	f.keys.mu.Lock()
	f.keys.sets[extIssuer] = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &benchKey.PublicKey, KeyID: "ci1"}}}
	f.keys.mu.Unlock()
	return f.client(tb, registry.ClientSpec{Public: true, AuthMethod: tokenmint.AuthMethodNone,
		GrantTypes: []string{tokenmint.GrantJWTBearer}, Scopes: []string{"deploy"},
		JWTBearerTrusts: []tokenmint.JWTTrust{{Issuer: extIssuer, Audience: "tm", Subject: "repo:org/app:*", Scopes: []string{"deploy"}}}})
}

func workloadJWT(tb testing.TB, f *fixture, edit func(map[string]any)) string {
	now := f.clock()
	claims := map[string]any{"iss": extIssuer, "sub": "repo:org/app:ref:refs/heads/main", "aud": "tm", "jti": randomString(),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	if edit != nil {
		edit(claims)
	}
	return signAssertion(tb, benchKey, "ES256", map[jose.HeaderKey]any{"kid": "ci1"}, claims)
}

// TestJWTBearerAudit: a federated token is audited with the namespaced
// subject and its issuer; a refusal with the check that refused it.
func TestJWTBearerAudit(t *testing.T) {
	f := newFixture(t)
	_, cred := federated(t, f)
	ctx := context.Background()
	req := grant.TokenRequest{GrantType: tokenmint.GrantJWTBearer, Client: cred, Assertion: workloadJWT(t, f, nil)}
	if _, err := f.e.Token(ctx, req); err != nil {
		t.Fatal(err)
	}
	evs := f.audit.take()
	if len(evs) != 1 || evs[0].Type != tokenmint.AuditTokenIssued || evs[0].Details["subject"] != extIssuer+"#repo:org/app:ref:refs/heads/main" ||
		evs[0].Details["subject_issuer"] != extIssuer || evs[0].Details["grant"] != tokenmint.GrantJWTBearer {
		t.Fatalf("events %+v", evs)
	}
	_, err := f.e.Token(ctx, req)
	if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidGrant {
		t.Fatalf("replay: %v", err)
	}
	if evs := f.audit.take(); len(evs) != 1 || evs[0].Type != tokenmint.AuditTokenRefused || evs[0].Details["check"] != oauth.InvalidGrant {
		t.Fatalf("refusal events %+v", evs)
	}
}

// TestJWTBearerIssuerUnavailable: an issuer whose keys cannot be fetched
// is invalid_grant, never a server error; a store that is unavailable
// stays ErrUnavailable (503 at the edge).
func TestJWTBearerIssuerUnavailable(t *testing.T) {
	f := newFixture(t)
	_, cred := federated(t, f)
	f.keys.mu.Lock()
	f.keys.err = errors.New("connection refused")
	f.keys.mu.Unlock()
	_, err := f.e.Token(context.Background(), grant.TokenRequest{GrantType: tokenmint.GrantJWTBearer, Client: cred, Assertion: workloadJWT(t, f, nil)})
	if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidGrant {
		t.Fatalf("err = %v", err)
	}
	f.keys.mu.Lock()
	f.keys.err = tokenmint.ErrUnavailable
	f.keys.mu.Unlock()
	_, err = f.e.Token(context.Background(), grant.TokenRequest{GrantType: tokenmint.GrantJWTBearer, Client: cred, Assertion: workloadJWT(t, f, nil)})
	if !errors.Is(err, tokenmint.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

// TestTokenExchangeMayAct: a subject token whose may_act names another
// actor refuses this one (RFC 8693 §4.4); one naming it allows it.
func TestTokenExchangeMayAct(t *testing.T) {
	f := newFixture(t)
	f.keys.mu.Lock()
	f.keys.sets[extIssuer] = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &benchKey.PublicKey, KeyID: "ci1"}}}
	f.keys.mu.Unlock()
	svc, cred := f.client(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange}, Scopes: []string{"deploy"},
		TokenExchangeSubjectIssuers: []string{extIssuer},
		JWTBearerTrusts:             []tokenmint.JWTTrust{{Issuer: extIssuer, Audience: "tm", Subject: "*", Claims: []tokenmint.ClaimCondition{{Name: "org", Value: "acme"}}, Scopes: []string{"deploy"}}}})
	_ = svc
	subject := func(mayAct any) string {
		return workloadJWT(t, f, func(m map[string]any) {
			m["org"] = "acme"
			if mayAct != nil {
				m["may_act"] = mayAct
			}
		})
	}
	actor := workloadJWT(t, f, func(m map[string]any) { m["sub"], m["org"] = "bot", "acme" })
	ctx := context.Background()
	exchange := func(sub string) (*grant.TokenResponse, error) {
		return f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantTokenExchange, Client: cred,
			SubjectToken: sub, SubjectTokenType: tokenmint.TokenTypeJWT, ActorToken: actor, ActorTokenType: tokenmint.TokenTypeJWT})
	}
	if _, err := exchange(subject(map[string]any{"sub": extIssuer + "#someone-else"})); err == nil {
		t.Fatal("an actor may_act does not name was allowed")
	}
	if _, err := exchange(subject(map[string]any{"sub": extIssuer + "#bot", "iss": "https://other.example"})); err == nil {
		t.Fatal("an actor of another issuer than may_act names was allowed")
	}
	resp, err := exchange(subject(map[string]any{"sub": extIssuer + "#bot", "iss": extIssuer}))
	if err != nil || resp.IssuedTokenType != tokenmint.TokenTypeAccessToken {
		t.Fatalf("may_act naming the actor: %v %+v", err, resp)
	}
	if _, err := exchange(subject(nil)); err != nil {
		t.Fatalf("no may_act: %v", err)
	}
}

// FuzzJWTBearerAssertion: whatever the assertion, the grant answers an
// OAuth error (invalid_grant or invalid_request), never a server error
// or a panic, and never a token.
func FuzzJWTBearerAssertion(f *testing.F) {
	fx := newFixture(f)
	_, cred := federated(f, fx)
	f.Add(workloadJWT(f, fx, nil))
	f.Add(workloadJWT(f, fx, func(m map[string]any) { m["sub"] = "repo:other" }))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, assertion string) {
		resp, err := fx.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantJWTBearer, Client: cred, Assertion: assertion})
		if err == nil {
			// Only a valid, unspent assertion of the seeds can succeed.
			if resp.AccessToken == "" {
				t.Fatal("success without a token")
			}
			return
		}
		if oe, ok := oauth.As(err); !ok || (oe.Code != oauth.InvalidGrant && oe.Code != oauth.InvalidRequest) {
			t.Fatalf("assertion %q: %v", assertion, err)
		}
	})
}

// FuzzTokenExchangeSubject: whatever the subject token, token exchange
// answers invalid_request, or a token for a real one.
func FuzzTokenExchangeSubject(f *testing.F) {
	fx := newFixture(f)
	_, cred := fx.client(f, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange, tokenmint.GrantClientCredentials}, Scopes: []string{"a"}})
	ctx := context.Background()
	own, err := fx.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: cred})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(own.AccessToken, tokenmint.TokenTypeAccessToken)
	f.Add("tm_at_x", tokenmint.TokenTypeAccessToken)
	f.Add("a.b.c", tokenmint.TokenTypeJWT)
	f.Fuzz(func(t *testing.T, subject, typ string) {
		_, err := fx.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantTokenExchange, Client: cred, SubjectToken: subject, SubjectTokenType: typ})
		if err == nil {
			return
		}
		if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidRequest {
			t.Fatalf("subject %q (%q): %v", subject, typ, err)
		}
	})
}

// BenchmarkJWTBearer: the jwt-bearer grant with a fresh ES256 workload
// JWT per operation (signed beforehand, timer stopped): parse, the
// issuer's cached keys, the signature, the trust's conditions, the jti's
// write to SQLite, and an ES256 access token.
func BenchmarkJWTBearer(b *testing.B) {
	f := newFixtureWrapped(b, cheap, true, nil)
	_, cred := federated(b, f)
	ctx := context.Background()
	const batch = 4096
	pool := make([]string, 0, batch)
	refill := func() {
		pool = pool[:0]
		for range batch {
			pool = append(pool, workloadJWT(b, f, nil))
		}
	}
	refill()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(pool) {
			b.StopTimer()
			refill()
			i = 0
			b.StartTimer()
		}
		if _, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantJWTBearer, Client: cred, Assertion: pool[i]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkTokenExchange: a tokenmint JWT exchanged for another
// audience: the subject verified as introspection would (signature,
// revocation, its client), and an ES256 access token signed.
func BenchmarkTokenExchange(b *testing.B) {
	f := newFixtureWrapped(b, cheap, true, nil)
	svc, cred := f.client(b, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantTokenExchange}, Scopes: []string{"a"},
		TokenExchangeAudiences: []string{"https://ledger.example"}, SigningAlg: tokenmint.AlgES256})
	_, front := f.client(b, registry.ClientSpec{Scopes: []string{"a"}, Audience: []string{svc.ID}, SigningAlg: tokenmint.AlgES256})
	ctx := context.Background()
	subj, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantClientCredentials, Client: front})
	if err != nil {
		b.Fatal(err)
	}
	req := grant.TokenRequest{GrantType: tokenmint.GrantTokenExchange, Client: cred, SubjectToken: subj.AccessToken,
		SubjectTokenType: tokenmint.TokenTypeAccessToken, Audiences: []string{"https://ledger.example"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.e.Token(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
