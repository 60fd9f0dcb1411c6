package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/token"
)

const (
	parCallback = "https://app.example/callback"
	parPrefix   = "urn:ietf:params:oauth:request_uri:"
)

// parKit is a server with a user and the clients of the PAR and JAR
// tests: a confidential client with a secret and a JWK Set to sign its
// request objects, another with a key of its own, and a public client.
type parKit struct {
	in              *servertest.Instance
	conf, other     servertest.Client
	public          servertest.Client
	confKey, othKey *ecdsa.PrivateKey
}

func newPARKit(t *testing.T, opts ...servertest.Option) *parKit {
	t.Helper()
	in := servertest.Start(t, opts...)
	in.CreateUser(t, "grace", "correct horse battery")
	k := &parKit{in: in, confKey: newECKey(t), othKey: newECKey(t)}
	spec := func(key *ecdsa.PrivateKey, edit func(*registry.ClientSpec)) servertest.Client {
		s := registry.ClientSpec{GrantTypes: []string{tokenmint.GrantAuthorizationCode}, Scopes: []string{"openid", "api"},
			RedirectURIs: []string{parCallback}}
		if key != nil {
			s.JWKS = jwksOf(t, jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"})
		}
		if edit != nil {
			edit(&s)
		}
		return in.CreateClient(t, s)
	}
	k.conf = spec(k.confKey, nil)
	k.other = spec(k.othKey, nil)
	k.public = spec(nil, func(s *registry.ClientSpec) { s.Public = true })
	return k
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// authParams are the parameters of a valid authorization request of
// clientID, with PKCE S256 of verifier.
func authParams(clientID, verifier string) url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {parCallback},
		"scope": {"openid api"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
}

// push posts to the PAR endpoint with Basic credentials (user "" for
// none) and returns the status, headers and JSON body.
func (k *parKit) push(t *testing.T, form url.Values, user, pass string) (int, http.Header, map[string]any) {
	t.Helper()
	return post(t, k.in.URL+"/oauth2/par", form, user, pass)
}

// pushOK pushes and returns the request_uri, checking the RFC 9126 §2.2
// answer.
func (k *parKit) pushOK(t *testing.T, form url.Values, user, pass string) string {
	t.Helper()
	status, h, body := k.push(t, form, user, pass)
	uri, _ := body["request_uri"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(uri, parPrefix) || body["expires_in"] != float64(60) {
		t.Fatalf("PAR = %d %v, want 201 with a request_uri and expires_in 60", status, body)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("PAR Cache-Control = %q, want no-store", h.Get("Cache-Control"))
	}
	return uri
}

// requestObject signs the authorization request params as a request
// object of clientID (RFC 9101 §4): iss the client, aud the issuer, exp
// a minute ahead; edit changes the claims first.
func (k *parKit) requestObject(t *testing.T, clientID string, key any, alg string, params url.Values, edit func(map[string]any)) string {
	t.Helper()
	now := k.in.Clock.Now()
	claims := map[string]any{"iss": clientID, "aud": k.in.Config.Issuer, "exp": now.Add(time.Minute).Unix(),
		"iat": now.Unix(), "jti": token.NewID()}
	for p := range params {
		claims[p] = params.Get(p)
	}
	if edit != nil {
		edit(claims)
	}
	opts := (&jose.SignerOptions{}).WithType("oauth-authz-req+jwt").WithHeader("kid", "k1")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// authorizeURL is the authorization endpoint with query q.
func (k *parKit) authorizeURL(q url.Values) string {
	return k.in.URL + "/oauth2/authorize?" + q.Encode()
}

// errorPage gets authURL and wants the error page (no redirect to the
// client) naming code.
func errorPage(t *testing.T, authURL, code string) {
	t.Helper()
	resp, err := browserClient(t).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), code) {
		t.Fatalf("authorize = %d, want the 400 error page naming %s:\n%s", resp.StatusCode, code, body)
	}
}

// redirectedError gets authURL and wants an error redirect to the client.
func redirectedError(t *testing.T, authURL, code string) url.Values {
	t.Helper()
	resp, err := browserClient(t).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	q := clientCallback(t, resp)
	if q.Get("error") != code || q.Get("iss") == "" {
		t.Fatalf("redirect = %v, want error %s with iss", q, code)
	}
	return q
}

// exchange redeems code with the verifier as client c (Basic).
func (k *parKit) exchange(t *testing.T, c servertest.Client, code, verifier string) {
	t.Helper()
	status, _, body := post(t, k.in.URL+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {parCallback}, "code_verifier": {verifier}}, c.ID, c.Secret)
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("token = %d %v", status, body)
	}
}

// TestPARFlow: RFC 9126 through the real server: a confidential client
// pushes its request (Basic authentication), the browser comes with the
// request_uri alone, the user signs in, the code (with iss, RFC 9207)
// redeems; the request_uri is then spent.
func TestPARFlow(t *testing.T) {
	k := newPARKit(t)
	verifier := oauth2.GenerateVerifier()
	uri := k.pushOK(t, authParams(k.conf.ID, verifier), k.conf.ID, k.conf.Secret)
	authURL := k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}})
	q := signIn(t, browserClient(t), authURL, "grace", "correct horse battery")
	if q.Get("code") == "" || q.Get("state") != "st-1" || q.Get("iss") != k.in.Config.Issuer {
		t.Fatalf("callback = %v, want code, state st-1 and iss", q)
	}
	k.exchange(t, k.conf, q.Get("code"), verifier)
	errorPage(t, authURL, "invalid_request_uri") // replayed
}

// TestPARHostile: what the PAR endpoint refuses, each with the RFC 6749
// §5.2 error, and the request_uris the authorization endpoint refuses.
func TestPARHostile(t *testing.T) {
	k := newPARKit(t)
	verifier := oauth2.GenerateVerifier()
	with := func(kv ...string) url.Values {
		f := authParams(k.conf.ID, verifier)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return f
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		code       string
	}{
		{"no client authentication", with(), "", "", 401, "invalid_client"},
		{"wrong secret", with(), k.conf.ID, "wrong", 401, "invalid_client"},
		{"unknown client", with("client_id", "nobody"), "nobody", "x", 401, "invalid_client"},
		{"client_id of another client", with("client_id", k.other.ID), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"request_uri in the body", with("request_uri", parPrefix+"x"), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"unregistered redirect_uri", with("redirect_uri", "https://evil.example/cb"), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"scope not allowed", with("scope", "admin"), k.conf.ID, k.conf.Secret, 400, "invalid_scope"},
		{"implicit", with("response_type", "token"), k.conf.ID, k.conf.Secret, 400, "unsupported_response_type"},
		{"unknown response_mode", with("response_mode", "web_message"), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"plain PKCE", with("code_challenge_method", "plain"), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"repeated scope", func() url.Values { f := with(); f.Add("scope", "api"); return f }(), k.conf.ID, k.conf.Secret, 400, "invalid_request"},
		{"request object not signed", with("request", "eyJhbGciOiJub25lIn0.e30."), k.conf.ID, k.conf.Secret, 400, "invalid_request_object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := k.push(t, tc.form, tc.user, tc.pass)
			wantError(t, status, h, body, tc.status, tc.code)
		})
	}
	t.Run("public client without PKCE", func(t *testing.T) {
		f := authParams(k.public.ID, verifier)
		f.Del("code_challenge")
		f.Del("code_challenge_method")
		status, h, body := k.push(t, f, "", "")
		wantError(t, status, h, body, 400, "invalid_request")
	})
	t.Run("public client by client_id", func(t *testing.T) {
		k.pushOK(t, authParams(k.public.ID, verifier), "", "")
	})
	t.Run("oversized body", func(t *testing.T) {
		f := with("state", strings.Repeat("s", 70<<10))
		status, _, body := k.push(t, f, k.conf.ID, k.conf.Secret)
		if status != http.StatusRequestEntityTooLarge && status != http.StatusBadRequest {
			t.Fatalf("oversized PAR = %d %v, want 413 or 400", status, body)
		}
	})
	t.Run("request_uri of another client", func(t *testing.T) {
		uri := k.pushOK(t, with(), k.conf.ID, k.conf.Secret)
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.other.ID}, "request_uri": {uri}}), "invalid_request_uri")
		// Not spent by the other client's attempt.
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
		if q.Get("code") == "" {
			t.Fatalf("callback = %v, want a code", q)
		}
	})
	t.Run("expired request_uri", func(t *testing.T) {
		uri := k.pushOK(t, with(), k.conf.ID, k.conf.Secret)
		k.in.Clock.Advance(61 * time.Second)
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}}), "invalid_request_uri")
	})
	t.Run("request_uri fetched by reference", func(t *testing.T) {
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {"https://app.example/request.jwt"}}), "request_uri_not_supported")
	})
	t.Run("forged request_uri", func(t *testing.T) {
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {parPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}), "invalid_request_uri")
	})
	t.Run("parameters beside request_uri are ignored", func(t *testing.T) {
		uri := k.pushOK(t, with(), k.conf.ID, k.conf.Secret)
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri},
			"redirect_uri": {"https://evil.example/cb"}, "state": {"attacker"}}), "grace", "correct horse battery")
		if q.Get("state") != "st-1" || q.Get("code") == "" {
			t.Fatalf("callback = %v, want the pushed state st-1 and a code", q)
		}
	})
}

// TestPARRequired: a client registered with
// require_pushed_authorization_requests, and a server started with
// --require-pushed-authorization-requests, refuse requests that did not
// come through PAR (RFC 9126 §5, §6); discovery says which.
func TestPARRequired(t *testing.T) {
	t.Run("per client", func(t *testing.T) {
		k := newPARKit(t)
		c := k.in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantAuthorizationCode}, Scopes: []string{"openid", "api"},
			RedirectURIs: []string{parCallback}, RequirePushedAuthorizationRequests: true})
		verifier := oauth2.GenerateVerifier()
		redirectedError(t, k.authorizeURL(authParams(c.ID, verifier)), "invalid_request")
		uri := k.pushOK(t, authParams(c.ID, verifier), c.ID, c.Secret)
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {c.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
		k.exchange(t, c, q.Get("code"), verifier)
		if _, _, md := get(t, k.in.URL+"/.well-known/oauth-authorization-server"); md["require_pushed_authorization_requests"] != false ||
			md["pushed_authorization_request_endpoint"] != k.in.Config.Issuer+"/oauth2/par" {
			t.Errorf("metadata = %v, want the PAR endpoint, not required server-wide", md)
		}
	})
	t.Run("server-wide", func(t *testing.T) {
		k := newPARKit(t, func(c *config.Config) { c.RequirePushedAuthorizationRequests = true })
		verifier := oauth2.GenerateVerifier()
		redirectedError(t, k.authorizeURL(authParams(k.conf.ID, verifier)), "invalid_request")
		uri := k.pushOK(t, authParams(k.conf.ID, verifier), k.conf.ID, k.conf.Secret)
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
		k.exchange(t, k.conf, q.Get("code"), verifier)
		if _, _, md := get(t, k.in.URL+"/.well-known/openid-configuration"); md["require_pushed_authorization_requests"] != true {
			t.Errorf("require_pushed_authorization_requests = %v, want true", md["require_pushed_authorization_requests"])
		}
	})
}

// TestJARFlow: a signed request object (RFC 9101) at the authorization
// endpoint, and in a PAR body; its parameters are the request's only
// ones (§6.3).
func TestJARFlow(t *testing.T) {
	k := newPARKit(t)
	verifier := oauth2.GenerateVerifier()
	t.Run("by value", func(t *testing.T) {
		ro := k.requestObject(t, k.conf.ID, k.confKey, "ES256", authParams(k.conf.ID, verifier), nil)
		// Parameters outside the object are ignored, even conflicting ones.
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request": {ro},
			"scope": {"admin"}, "redirect_uri": {"https://evil.example/cb"}, "state": {"attacker"}}), "grace", "correct horse battery")
		if q.Get("state") != "st-1" || q.Get("code") == "" {
			t.Fatalf("callback = %v, want the object's state st-1 and a code", q)
		}
		k.exchange(t, k.conf, q.Get("code"), verifier)
	})
	t.Run("in a PAR body", func(t *testing.T) {
		ro := k.requestObject(t, k.conf.ID, k.confKey, "ES256", authParams(k.conf.ID, verifier), nil)
		uri := k.pushOK(t, url.Values{"client_id": {k.conf.ID}, "request": {ro}, "scope": {"admin"}}, k.conf.ID, k.conf.Secret)
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
		k.exchange(t, k.conf, q.Get("code"), verifier)
	})
}

// TestJARHostile: request objects the authorization endpoint and the PAR
// endpoint refuse.
func TestJARHostile(t *testing.T) {
	k := newPARKit(t)
	verifier := oauth2.GenerateVerifier()
	params := authParams(k.conf.ID, verifier)
	hmacKey := []byte("0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name string
		ro   func() string
	}{
		{"signed with another client's key", func() string { return k.requestObject(t, k.conf.ID, k.othKey, "ES256", params, nil) }},
		{"alg none", func() string {
			return noneJWT(t, map[string]any{"iss": k.conf.ID, "aud": k.in.Config.Issuer, "exp": k.in.Clock.Now().Add(time.Minute).Unix(), "response_type": "code"})
		}},
		{"HMAC", func() string { return k.requestObject(t, k.conf.ID, hmacKey, "HS256", params, nil) }},
		{"wrong aud", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["aud"] = "https://other.example" })
		}},
		{"wrong iss", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["iss"] = k.other.ID })
		}},
		{"expired", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["exp"] = k.in.Clock.Now().Add(-time.Minute).Unix() })
		}},
		{"no exp", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { delete(c, "exp") })
		}},
		{"exp too far ahead", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["exp"] = k.in.Clock.Now().Add(2 * time.Hour).Unix() })
		}},
		{"nbf in the future", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["nbf"] = k.in.Clock.Now().Add(time.Hour).Unix() })
		}},
		{"conflicting client_id inside", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["client_id"] = k.other.ID })
		}},
		{"nested request_uri", func() string {
			return k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, func(c map[string]any) { c["request_uri"] = parPrefix + "x" })
		}},
		{"encrypted (JWE)", func() string { return "a.b.c.d.e" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ro := tc.ro()
			errorPage(t, k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request": {ro}}), "invalid_request_object")
			status, h, body := k.push(t, url.Values{"request": {tc.ro()}}, k.conf.ID, k.conf.Secret)
			wantError(t, status, h, body, 400, "invalid_request_object")
		})
	}
	t.Run("replayed jti", func(t *testing.T) {
		ro := k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, nil)
		signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request": {ro}}), "grace", "correct horse battery")
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.conf.ID}, "request": {ro}}), "invalid_request_object")
	})
	t.Run("outer client_id of another client", func(t *testing.T) {
		ro := k.requestObject(t, k.conf.ID, k.confKey, "ES256", params, nil)
		errorPage(t, k.authorizeURL(url.Values{"client_id": {k.other.ID}, "request": {ro}}), "invalid_request_object")
	})
	t.Run("require_signed_request_object client sending plain parameters", func(t *testing.T) {
		key := newECKey(t)
		c := k.in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{tokenmint.GrantAuthorizationCode}, Scopes: []string{"openid", "api"},
			RedirectURIs: []string{parCallback}, RequireSignedRequestObject: true,
			JWKS: jwksOf(t, jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"})})
		p := authParams(c.ID, verifier)
		redirectedError(t, k.authorizeURL(p), "invalid_request")
		status, h, body := k.push(t, p, c.ID, c.Secret)
		wantError(t, status, h, body, 400, "invalid_request")
		ro := k.requestObject(t, c.ID, key, "ES256", p, nil)
		q := signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {c.ID}, "request": {ro}}), "grace", "correct horse battery")
		k.exchange(t, c, q.Get("code"), verifier)
		uri := k.pushOK(t, url.Values{"request": {k.requestObject(t, c.ID, key, "ES256", p, nil)}}, c.ID, c.Secret)
		signIn(t, browserClient(t), k.authorizeURL(url.Values{"client_id": {c.ID}, "request_uri": {uri}}), "grace", "correct horse battery")
	})
}

// noneJWT is an unsecured JWT (RFC 7519 §6), which must never pass.
func noneJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIiwidHlwIjoib2F1dGgtYXV0aHotcmVxK2p3dCJ9." + base64.RawURLEncoding.EncodeToString(b) + "."
}

var formPostFieldRE = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestFormPost: response_mode=form_post (OAuth 2.0 Form Post Response
// Mode §2): after sign-in the answer is a page whose form posts code,
// state and iss to the redirect URI, its one script allowed by hash; an
// error goes the same way.
func TestFormPost(t *testing.T) {
	k := newPARKit(t)
	verifier := oauth2.GenerateVerifier()
	p := authParams(k.conf.ID, verifier)
	p.Set("response_mode", "form_post")
	client := browserClient(t)
	form, isPage, _ := signInPage(t, client, k.authorizeURL(p))
	if !isPage || form.Get("csrf_token") == "" {
		t.Fatal("no login page")
	}
	form.Set("username", "grace")
	form.Set("password", "correct horse battery")
	resp, err := client.PostForm(k.in.URL+"/oauth2/login", form)
	if err != nil {
		t.Fatal(err)
	}
	fields, action, csp := formPostPage(t, resp)
	if action != parCallback || fields.Get("code") == "" || fields.Get("state") != "st-1" || fields.Get("iss") != k.in.Config.Issuer {
		t.Fatalf("form_post page posts %v to %q, want code, state and iss to %s", fields, action, parCallback)
	}
	if !strings.Contains(csp, "script-src 'sha256-") || !strings.Contains(csp, "form-action https://app.example;") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q, want the script by hash and form-action the client's origin", csp)
	}
	k.exchange(t, k.conf, fields.Get("code"), verifier)

	p.Set("scope", "admin")
	resp, err = client.Get(k.authorizeURL(p))
	if err != nil {
		t.Fatal(err)
	}
	fields, _, _ = formPostPage(t, resp)
	if fields.Get("error") != "invalid_scope" || fields.Get("iss") != k.in.Config.Issuer || fields.Has("code") {
		t.Fatalf("form_post error fields = %v, want invalid_scope with iss", fields)
	}
}

// formPostPage reads a form_post page: its hidden fields, its form's
// action and its CSP.
func formPostPage(t *testing.T, resp *http.Response) (url.Values, string, string) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("form_post page: %d, Cache-Control %q:\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	fields := url.Values{}
	for _, m := range formPostFieldRE.FindAllStringSubmatch(string(body), -1) {
		fields.Add(m[1], html.UnescapeString(m[2]))
	}
	m := regexp.MustCompile(`<form method="post" action="([^"]*)" id="response">`).FindStringSubmatch(string(body))
	if m == nil || !strings.Contains(string(body), "<noscript>") {
		t.Fatalf("form_post page lacks its form or its noscript button:\n%s", body)
	}
	return fields, html.UnescapeString(m[1]), resp.Header.Get("Content-Security-Policy")
}
