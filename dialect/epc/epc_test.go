package epc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/epc"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// The Postman sample's Authorization header, "Basic YTVkcXJoYzpr...", is
// base64 of these credentials; the partner client is registered with them
// so that the header is replayed byte for byte.
const (
	postmanClientID = "a5dqrhc"
	postmanSecret   = "kFynI!h@Da13Kt^UH3mKgDgC90yhafgi!diy5Lk9zbrz8VNk$Dcf3TKMsuc5qMW#"
	postmanBasic    = "Basic YTVkcXJoYzprRnluSSFoQERhMTNLdF5VSDNtS2dEZ0M5MHloYWZnaSFkaXk1TGs5emJyejhWTmskRGNmM1RLTXN1YzVxTVcj"
)

const formType = "application/x-www-form-urlencoded"

// partner registers an EPC partner client as the documents describe it:
// scope "pc pcapi", tokens active 15 minutes after last use and 120
// minutes at most, the documented custom claims.
func partner(t *testing.T, in *servertest.Instance, claims map[string]string) servertest.Client {
	t.Helper()
	spec := registry.ClientSpec{
		ID: postmanClientID, Name: "EPC partner", Scopes: []string{"pc", "pcapi"},
		TokenFormat: tokenmint.FormatOpaque, AccessTTL: 2 * time.Hour, IdleTTL: 15 * time.Minute, Claims: claims,
	}
	return dialecttest.Client(t, in, spec, postmanSecret, "")
}

var docClaims = map[string]string{"environment": "Test", "identity_type": "Partner", "encompass_client_id": "007001"}

// wantToken checks "201 - an access token is created" and the documented
// body {access_token, token_type: "Bearer", expires_in: 7200}, nothing else.
func wantToken(t *testing.T, r dialecttest.Response) string {
	t.Helper()
	if r.Status != http.StatusCreated {
		t.Fatalf("token: %d %s, want 201", r.Status, r.Raw)
	}
	dialecttest.Members(t, "token response", r.JSON, "access_token", "token_type", "expires_in")
	if r.JSON["token_type"] != "Bearer" || dialecttest.Number(t, r.JSON, "expires_in") != 7200 {
		t.Errorf("token response %s: want token_type Bearer and expires_in 7200 (seconds)", r.Raw)
	}
	if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("headers %v: want JSON and Cache-Control: no-store", r.Header)
	}
	return dialecttest.String(t, r.JSON, "access_token")
}

// TestDocumentExamples replays every request of epc-authentication.txt and
// epc-first-api-call.txt: the three curl lines, the Postman token and
// introspection requests and the Python snippet.
func TestDocumentExamples(t *testing.T) {
	in := dialecttest.Start(t)
	claims := map[string]string{"environment": "Test", "encompass_instance_id": "Test", "identity_type": "Partner", "encompass_client_id": "007001"}
	c := partner(t, in, claims)
	base := in.URL

	// curl -X POST -u '<api_client_id>:<api_client_secret>' -d 'grant_type=client_credentials'
	// -d 'scope=<pc pcapi>' https://api.elliemae.com/oauth2/v1/token (curl -d sends
	// the bytes as they are, the space included, joined by &).
	req := dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token", "grant_type=client_credentials&scope=pc pcapi", "Content-Type", formType)
	req.SetBasicAuth(c.ID, c.Secret)
	curlToken := wantToken(t, dialecttest.Do(t, req))

	// Postman "Create Partner Authentication Token": POST /oauth2/v1/token,
	// Content-Type: application/x-www-form-urlencoded, the environment's
	// client_id and client_secret in the body.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "scope": {"pc pcapi"}}
	wantToken(t, dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token", form.Encode(), "Content-Type", formType)))

	// Python: payload = f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&scope=pc%20pcapi"
	payload := "grant_type=client_credentials&client_id=" + c.ID + "&client_secret=" + url.QueryEscape(c.Secret) + "&scope=pc%20pcapi"
	pyToken := wantToken(t, dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token", payload, "Content-Type", formType)))

	// curl -X POST -u '<id>:<secret>' -d 'token=<access_token>' .../oauth2/v1/token/introspection
	req = dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token/introspection", "token="+curlToken, "Content-Type", formType)
	req.SetBasicAuth(c.ID, c.Secret)
	wantIntrospection(t, in, dialecttest.Do(t, req), c.ID, claims)

	// Postman "Introspect": Content-Type form, Authorization: Basic YTVkcXJoYzpr... verbatim.
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token/introspection", "token="+pyToken,
		"Content-Type", formType, "Authorization", postmanBasic))
	wantIntrospection(t, in, r, postmanClientID, claims)

	// curl -X POST -u '<id>:<secret>' -d 'token=<access_token>' .../oauth2/v1/token/revocation → 204
	req = dialecttest.Request(t, http.MethodPost, base+"/oauth2/v1/token/revocation", "token="+curlToken, "Content-Type", formType)
	req.SetBasicAuth(c.ID, c.Secret)
	if r := dialecttest.Do(t, req); r.Status != http.StatusNoContent || len(r.Raw) != 0 {
		t.Fatalf("revocation: %d %q, want 204 without a body", r.Status, r.Raw)
	}
	wantInactive(t, introspect(t, base, c, curlToken))
	if r := introspect(t, base, c, pyToken); r.Status != http.StatusOK || r.JSON["active"] != true {
		t.Errorf("revoking one token touched another: %d %s", r.Status, r.Raw)
	}
}

// wantIntrospection checks the documented answer: exactly active, scope,
// client_id, token_type, exp and the client's custom claims.
func wantIntrospection(t *testing.T, in *servertest.Instance, r dialecttest.Response, clientID string, claims map[string]string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("introspection: %d %s", r.Status, r.Raw)
	}
	names := []string{"active", "scope", "client_id", "token_type", "exp"}
	for k, v := range claims {
		names = append(names, k)
		if r.JSON[k] != v {
			t.Errorf("%s = %#v, want %q", k, r.JSON[k], v)
		}
	}
	dialecttest.Members(t, "introspection", r.JSON, names...)
	if r.JSON["active"] != true || r.JSON["scope"] != "pc pcapi" || r.JSON["client_id"] != clientID || r.JSON["token_type"] != "Bearer" {
		t.Errorf("introspection %s: want active, scope \"pc pcapi\", client_id %s, token_type Bearer", r.Raw, clientID)
	}
	// exp: "The seconds until the token expires (from January 1, 1970 UTC)",
	// here the idle expiry the introspection itself just slid.
	if exp := dialecttest.Number(t, r.JSON, "exp"); exp != in.Clock.Now().Add(15*time.Minute).Unix() {
		t.Errorf("exp = %d, want now + 15 min = %d", exp, in.Clock.Now().Add(15*time.Minute).Unix())
	}
}

func introspect(t *testing.T, base string, c servertest.Client, tok string) dialecttest.Response {
	t.Helper()
	req := dialecttest.Request(t, http.MethodPost, base+epc.PathIntrospection, "token="+url.QueryEscape(tok), "Content-Type", formType)
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	return dialecttest.Do(t, req)
}

// wantInactive: "If the token is valid, a JSON string is returned;
// otherwise, an error is raised" — an error status whose body still says
// active false.
func wantInactive(t *testing.T, r dialecttest.Response) {
	t.Helper()
	if r.Status != http.StatusBadRequest || r.JSON["active"] != false || r.JSON["error"] != "invalid_token" {
		t.Fatalf("inactive token: %d %s, want 400 {active: false, error: invalid_token}", r.Status, r.Raw)
	}
	dialecttest.Members(t, "inactive answer", r.JSON, "active", "error", "error_description")
}

func token(t *testing.T, base string, c servertest.Client) string {
	t.Helper()
	req := dialecttest.Request(t, http.MethodPost, base+epc.PathToken, "grant_type=client_credentials&scope=pc+pcapi", "Content-Type", formType)
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	return wantToken(t, dialecttest.Do(t, req))
}

// TestLifetime: "The access token is active for 15 minutes, up to a
// maximum of 120 minutes (2 hours). To avoid expiration, the access token
// must be used (by calling an API) at least once every 15 minutes", and
// "Making calls using this token will not extend its life" past the two
// hours. Each introspection counts as a use, at EPC's endpoint or the
// standard one (a resource server may ask either).
func TestLifetime(t *testing.T) {
	in := dialecttest.Start(t)
	c := partner(t, in, docClaims)
	base := in.URL
	t0 := in.Clock.Now()

	used := token(t, base, c)
	idle := token(t, base, c)
	// Used every 14 minutes, the token lives to exactly 120 minutes.
	for at := 14 * time.Minute; at < 120*time.Minute; at += 14 * time.Minute {
		in.Clock.Advance(14 * time.Minute)
		if at%(28*time.Minute) != 0 {
			if !dialecttest.Active(t, dialecttest.Introspect(t, in, c, used)) {
				t.Fatalf("at %s: inactive at the standard endpoint", at)
			}
			continue
		}
		r := introspect(t, base, c, used)
		if r.Status != http.StatusOK {
			t.Fatalf("at %s: %d %s, want active", at, r.Status, r.Raw)
		}
		wantExp := min(in.Clock.Now().Add(15*time.Minute).Unix(), t0.Add(2*time.Hour).Unix())
		if exp := dialecttest.Number(t, r.JSON, "exp"); exp != wantExp {
			t.Errorf("at %s: exp %d, want %d", at, exp, wantExp)
		}
	}
	in.Clock.Advance(t0.Add(2 * time.Hour).Sub(in.Clock.Now()))
	wantInactive(t, introspect(t, base, c, used))
	// The one never used after issuance died 15 minutes after it.
	wantInactive(t, introspect(t, base, c, idle))

	// Unused for 15 minutes: inactive, though within the two hours.
	tok := token(t, base, c)
	in.Clock.Advance(14*time.Minute + 59*time.Second)
	if r := introspect(t, base, c, tok); r.Status != http.StatusOK {
		t.Fatalf("used within 15 minutes: %d %s", r.Status, r.Raw)
	}
	in.Clock.Advance(15 * time.Minute)
	wantInactive(t, introspect(t, base, c, tok))
}

// TestErrors: bad requests are errors with the statuses and bodies of RFC
// 6749 §5.2 (the documents say only "an error is returned").
func TestErrors(t *testing.T) {
	in := dialecttest.Start(t)
	c := partner(t, in, docClaims)
	tok := token(t, in.URL, c)
	// A public client, and a token whose audience names it: its client_id
	// alone must not introspect it (RFC 7662 §2.1).
	pub := in.CreateClient(t, registry.ClientSpec{Name: "app", Public: true, GrantTypes: []string{tokenmint.GrantAuthorizationCode},
		RedirectURIs: []string{"https://app.example.com/cb"}})
	forPub := token(t, in.URL, in.CreateClient(t, registry.ClientSpec{Name: "api", Scopes: []string{"pc", "pcapi"}, AccessTTL: 2 * time.Hour, Audience: []string{pub.ID}}))
	tests := []struct {
		name       string
		path, body string
		user, pass string
		ctype      string
		wantStatus int
		wantError  string
		wantBasic  bool // WWW-Authenticate: Basic
	}{
		{name: "wrong secret", path: epc.PathToken, body: "grant_type=client_credentials", user: c.ID, pass: "nope",
			wantStatus: 401, wantError: "invalid_client", wantBasic: true},
		{name: "unknown client", path: epc.PathToken, body: "grant_type=client_credentials", user: "someone", pass: c.Secret,
			wantStatus: 401, wantError: "invalid_client", wantBasic: true},
		{name: "no credentials", path: epc.PathToken, body: "grant_type=client_credentials", wantStatus: 401, wantError: "invalid_client"},
		{name: "another grant type", path: epc.PathToken, body: "grant_type=password&username=a&password=b", user: c.ID, pass: c.Secret,
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "missing grant type", path: epc.PathToken, body: "scope=pc", user: c.ID, pass: c.Secret, wantStatus: 400, wantError: "invalid_request"},
		{name: "scope beyond the client's", path: epc.PathToken, body: "grant_type=client_credentials&scope=pc admin", user: c.ID, pass: c.Secret,
			wantStatus: 400, wantError: "invalid_scope"},
		{name: "Basic and client_secret in the body", path: epc.PathToken, body: "grant_type=client_credentials&client_secret=" + url.QueryEscape(c.Secret),
			user: c.ID, pass: c.Secret, wantStatus: 400, wantError: "invalid_request"},
		{name: "body over the limit", path: epc.PathToken, body: "grant_type=client_credentials&scope=" + strings.Repeat("p", 70<<10),
			user: c.ID, pass: c.Secret, wantStatus: 413, wantError: "invalid_request"},
		{name: "JSON body", path: epc.PathToken, body: `{"grant_type":"client_credentials"}`, ctype: "application/json", user: c.ID, pass: c.Secret,
			wantStatus: 415, wantError: "invalid_request"},
		{name: "introspection without token", path: epc.PathIntrospection, body: "token_type_hint=access_token", user: c.ID, pass: c.Secret,
			wantStatus: 400, wantError: "invalid_request"},
		{name: "introspection, wrong secret", path: epc.PathIntrospection, body: "token=" + tok, user: c.ID, pass: "nope",
			wantStatus: 401, wantError: "invalid_client", wantBasic: true},
		{name: "introspection by a public client", path: epc.PathIntrospection, body: "token=" + forPub + "&client_id=" + pub.ID,
			wantStatus: 401, wantError: "invalid_client", wantBasic: true},
		{name: "introspection by a public client, Basic", path: epc.PathIntrospection, body: "token=" + forPub, user: pub.ID,
			wantStatus: 401, wantError: "invalid_client", wantBasic: true},
		{name: "revocation without credentials", path: epc.PathRevocation, body: "token=" + tok, wantStatus: 401, wantError: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctype := tt.ctype
			if ctype == "" {
				ctype = formType
			}
			req := dialecttest.Request(t, http.MethodPost, in.URL+tt.path, tt.body, "Content-Type", ctype)
			if tt.user != "" {
				req.SetBasicAuth(url.QueryEscape(tt.user), url.QueryEscape(tt.pass))
			}
			r := dialecttest.Do(t, req)
			if r.Status != tt.wantStatus || r.JSON["error"] != tt.wantError || r.JSON["error_description"] == "" {
				t.Fatalf("%d %s, want %d %s with a description", r.Status, r.Raw, tt.wantStatus, tt.wantError)
			}
			if got := strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic"); got != tt.wantBasic {
				t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// The token survived all of that.
	if r := introspect(t, in.URL, c, tok); r.Status != http.StatusOK {
		t.Errorf("token after the failed requests: %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{epc.PathToken, epc.PathIntrospection, epc.PathRevocation} {
		r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, in.URL+path, ""))
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || r.JSON["error"] == nil {
			t.Errorf("GET %s: %d %v %s, want 405, Allow: POST and a JSON error", path, r.Status, r.Header, r.Raw)
		}
	}
}

// TestCrossDialect: an EPC token introspects and revokes through the
// standard endpoints, and a token of the standard endpoint through EPC's.
func TestCrossDialect(t *testing.T) {
	in := dialecttest.Start(t)
	c := partner(t, in, docClaims)

	tok := token(t, in.URL, c)
	r := dialecttest.Introspect(t, in, c, tok)
	if !dialecttest.Active(t, r) || r.JSON["client_id"] != c.ID || r.JSON["identity_type"] != "Partner" || r.JSON["scope"] != "pc pcapi" {
		t.Fatalf("standard introspection of an EPC token: %s", r.Raw)
	}
	if r := dialecttest.Revoke(t, in, c, tok); r.Status != http.StatusOK {
		t.Fatalf("standard revocation of an EPC token: %d %s", r.Status, r.Raw)
	}
	wantInactive(t, introspect(t, in.URL, c, tok))

	std := dialecttest.StandardToken(t, in, c, url.Values{"grant_type": {"client_credentials"}, "scope": {"pc pcapi"}})
	stdTok := dialecttest.String(t, std, "access_token")
	wantIntrospection(t, in, introspect(t, in.URL, c, stdTok), c.ID, docClaims)
	req := dialecttest.Request(t, http.MethodPost, in.URL+epc.PathRevocation, "token="+stdTok, "Content-Type", formType)
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	if r := dialecttest.Do(t, req); r.Status != http.StatusNoContent {
		t.Fatalf("EPC revocation of a standard token: %d %s", r.Status, r.Raw)
	}
	if dialecttest.Active(t, dialecttest.Introspect(t, in, c, stdTok)) {
		t.Error("the standard token is still active after EPC revoked it")
	}
}
