package epicollect_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/epicollect"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// The jQuery sample's credentials ("our EC5 API Private project"): the
// client is registered with them so the sample runs verbatim.
const (
	sampleClientID = "153"
	sampleSecret   = "J7SZDPssR885Fo0xczGKqkJfa5XyMK8wxbrOYjio"
)

// sampleToken is the document's "HTTP Response" access token.
const sampleToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImp0aSI6Ijk5OTE4YWZmMDczYjY2MjJlNWQyODVjMzJjZTM0Y2M1MTA1MDQxY2ZjOTc2MDY5ZDE4NWU5ZDQ3ZDI0MTJkYzQ4NWM0NTI2NmQyNDdhNTYzIn0." +
	"eyJhdWQiOiIyIiwianRpIjoiOTk5MThhZmYwNzNiNjYyMmU1ZDI4NWMzMmNlMzRjYzUxMDUwNDFjZmM5NzYwNjlkMTg1ZTlkNDdkMjQxMmRjNDg1YzQ1MjY2ZDI0N2E1NjMiLCJpYXQiOjE0OTQ0MjU3MzMsIm5iZiI6MTQ5NDQyNTczMywiZXhwIjoxNDk0NDMyOTMzLCJzdWIiOiIiLCJzY29wZXMiOltdfQ." +
	"S-Lsn8uP_GlUyz5fa-QUICpkyXUvFf4L4StUYYGoJCIPdqMtS7OZqbg1oJgNvCtBnqVO4LTvl7GT6-86QEIlR3d9IpHjykFYxlfOQYIlvrgx4aFwzLk5Q1cpcMFqanM-gNBhTIcq8wOSf0_2fwwKNr991hOtwFilQs4V_KwJBcQ8tpPFR0zXEnWHhmohSna9z-BCab70CTfki6UAxcT-cYG1OPrLDwodWpvRZF2UAtEn7WIRoSICnJfbtt5G21Gvn_UzwS_FxelG-on-q_l-OkgR2GiaOUuge2Ye1hDoFfBVagQhTWcQrAZOUXt9XxsBSL_YAT9uVFYJSs-x6L4kHssYtF9aR-DS8CgI6Zr9RWJMNX53r-2WAV4Idh0qXU4vdSjYFdzOa5XTsBRHHHgrU99S4LLmDySLIJDWciJ-x1owe2pTpDk_AKUA1BgtbliDPY5qGSDBQUXoA4pX-Jh9LlQVnrchTIIDmeUCKUe7ellOfE8DmvG3YcKfjB6oFIZYmdpxM6ikfBRPYTdFMzSGtsM5YHjWaL-1CGbxcJ8Y0eaXZo1DOmlcc0SX0t66pXfyQmcchMvx_O3rze7s1kxczo2BdIOp9zd8Xf3FQT3InTGSrwE5GA3XzX04hzTMGtISvL3ZALX6g5Gl0JJ9JYCgYljPzgnrzpyAaeArShU84_I"

// projectApp registers the project App: "Access tokens are valid for 2
// hours", a JWT client (signed ES256 by default, to show the dialect
// forces RS256).
func projectApp(t *testing.T, in *servertest.Instance) servertest.Client {
	t.Helper()
	spec := registry.ClientSpec{ID: sampleClientID, Name: "EC5 API Private", AccessTTL: 2 * time.Hour, SigningAlg: tokenmint.AlgES256}
	return dialecttest.Client(t, in, spec, sampleSecret, "")
}

func post(t *testing.T, in *servertest.Instance, contentType, body string, headers ...string) dialecttest.Response {
	t.Helper()
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+epicollect.PathToken, body, append([]string{"Content-Type", contentType}, headers...)...))
}

// TestDocumentExample replays the jQuery sample, $.ajax({url, type: 'POST',
// contentType: 'application/vnd.api+json', data: JSON.stringify(params)})
// with params {grant_type: 'client_credentials', client_id: 153,
// client_secret: '...'}, and checks the answer and its token against the
// document's sample response.
func TestDocumentExample(t *testing.T) {
	in := dialecttest.Start(t)
	c := projectApp(t, in)
	params, err := json.Marshal(map[string]any{"grant_type": "client_credentials", "client_id": 153, "client_secret": sampleSecret})
	if err != nil {
		t.Fatal(err)
	}
	r := post(t, in, "application/vnd.api+json", string(params), "X-Requested-With", "XMLHttpRequest", "Accept", "*/*")
	if r.Status != http.StatusOK {
		t.Fatalf("token: %d %s", r.Status, r.Raw)
	}
	dialecttest.Members(t, "token response", r.JSON, "token_type", "expires_in", "access_token")
	if !strings.HasPrefix(string(r.Raw), `{"token_type":"Bearer","expires_in":7200,"access_token":"`) {
		t.Errorf("response %s: want the document's members in its order, token_type Bearer and expires_in 7200", r.Raw)
	}
	tok := dialecttest.String(t, r.JSON, "access_token")
	checkSampleLayout(t, in, c, tok)

	// The same with application/json and the client_id as a string.
	r = post(t, in, "application/json", `{"grant_type":"client_credentials","client_id":"153","client_secret":"`+sampleSecret+`"}`)
	if r.Status != http.StatusOK || r.JSON["token_type"] != "Bearer" {
		t.Fatalf("application/json, string client_id: %d %s", r.Status, r.Raw)
	}
}

// checkSampleLayout compares tok with the document's sample token: every
// header member and claim of the sample is there with the same JSON type,
// the header's jti is the claims' jti, aud is the client ID, sub is "",
// scopes is an array, exp-iat is the two hours, and the RS256 signature
// verifies against the JWKS.
func checkSampleLayout(t *testing.T, in *servertest.Instance, c servertest.Client, tok string) {
	t.Helper()
	sampleHeader, sampleClaims := dialecttest.JWTParts(t, sampleToken)
	header, claims := dialecttest.JWTParts(t, tok)
	sameTypes(t, "header", sampleHeader, header, "typ") // typ: at+jwt, see below
	sameTypes(t, "claims", sampleClaims, claims)
	if header["alg"] != "RS256" || header["jti"] != claims["jti"] || header["typ"] != "at+jwt" || header["kid"] == nil {
		t.Errorf("header %v: want alg RS256, the claims' jti, typ at+jwt and a kid", header)
	}
	if claims["aud"] != c.ID || claims["sub"] != "" || claims["iat"] != claims["nbf"] || claims["client_id"] != c.ID || claims["iss"] != in.URL {
		t.Errorf("claims %v: want aud %q, sub \"\", nbf = iat, client_id and iss", claims, c.ID)
	}
	if scopes, ok := claims["scopes"].([]any); !ok || len(scopes) != 0 {
		t.Errorf("scopes = %#v, want [] as in the sample", claims["scopes"])
	}
	if exp, iat := dialecttest.Number(t, claims, "exp"), dialecttest.Number(t, claims, "iat"); exp-iat != 7200 || iat != in.Clock.Now().Unix() {
		t.Errorf("iat %d exp %d: want iat now and a 2 hour life", iat, exp)
	}
	dialecttest.VerifyJWT(t, in, tok, "RS256")
}

// sameTypes: every member of sample is in got with the same JSON type.
func sameTypes(t *testing.T, what string, sample, got map[string]any, except ...string) {
	t.Helper()
	for k, v := range sample {
		if containsString(except, k) {
			continue
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("%s lacks the sample's %q", what, k)
			continue
		}
		if jsonType(g) != jsonType(v) {
			t.Errorf("%s %q is a %s, the sample's a %s", what, k, jsonType(g), jsonType(v))
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case bool:
		return "boolean"
	}
	return "null"
}

// wantError checks the Epicollect5 error format: status, Content-Type
// application/vnd.api+json and {"errors": [{code, title, source, detail}]}.
func wantError(t *testing.T, r dialecttest.Response, status int, code, source string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%d %s, want %d", r.Status, r.Raw, status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.api+json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	dialecttest.Members(t, "error body", r.JSON, "errors")
	errs, ok := r.JSON["errors"].([]any)
	if !ok || len(errs) != 1 {
		t.Fatalf("errors = %#v, want one", r.JSON["errors"])
	}
	e, _ := errs[0].(map[string]any)
	dialecttest.Members(t, "error", e, "code", "title", "source", "detail")
	if e["code"] != code || e["source"] != source || e["title"] == "" || e["detail"] == "" {
		t.Errorf("error %v, want code %s, source %q, a title and a detail", e, code, source)
	}
}

// TestErrors: failures in the Epicollect5 server's format and statuses.
func TestErrors(t *testing.T) {
	in := dialecttest.Start(t, func(c *config.Config) { c.DialectSettings[epicollect.SettingRateLimit], c.LoginMaxFailures = "0", 100 })
	projectApp(t, in)
	pub := in.CreateClient(t, registry.ClientSpec{Name: "public", Public: true, GrantTypes: []string{tokenmint.GrantAuthorizationCode}, RedirectURIs: []string{"https://app.test/cb"}})
	const jsonType = "application/vnd.api+json"
	tests := []struct {
		name, ctype, body string
		wantStatus        int
		wantCode          string
	}{
		{"wrong secret", jsonType, `{"grant_type":"client_credentials","client_id":153,"client_secret":"nope"}`, 400, "ec5_253"},
		{"unknown client", jsonType, `{"grant_type":"client_credentials","client_id":154,"client_secret":"` + sampleSecret + `"}`, 400, "ec5_253"},
		{"no secret", jsonType, `{"grant_type":"client_credentials","client_id":153}`, 400, "ec5_253"},
		{"another grant", jsonType, `{"grant_type":"password","client_id":153,"client_secret":"` + sampleSecret + `"}`, 400, "ec5_261"},
		{"no grant", jsonType, `{"client_id":153,"client_secret":"` + sampleSecret + `"}`, 400, "ec5_261"},
		{"client not allowed the grant", jsonType, `{"grant_type":"client_credentials","client_id":"` + pub.ID + `"}`, 400, "ec5_257"},
		{"unknown scope", jsonType, `{"grant_type":"client_credentials","client_id":153,"client_secret":"` + sampleSecret + `","scope":"admin"}`, 400, "ec5_254"},
		{"malformed JSON", jsonType, `{"grant_type":"client_credentials",`, 400, "ec5_254"},
		{"client_id object", jsonType, `{"grant_type":"client_credentials","client_id":{}}`, 400, "ec5_254"},
		{"JSON: repeated member", jsonType, `{"grant_type":"client_credentials","client_id":153,"client_secret":"` + sampleSecret + `","Client_Id":154}`, 400, "ec5_254"},
		{"another content type", "text/plain", `grant_type=client_credentials&client_id=153`, 415, "ec5_254"},
		{"no content type", "", `{"grant_type":"client_credentials","client_id":153}`, 415, "ec5_254"},
		{"too large", jsonType, `{"client_secret":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "ec5_254"},
		{"form: wrong secret", "application/x-www-form-urlencoded", `grant_type=client_credentials&client_id=153&client_secret=nope`, 400, "ec5_253"},
		{"form: repeated field", "application/x-www-form-urlencoded", `grant_type=client_credentials&client_id=153&client_id=154`, 400, "ec5_254"},
		{"form: too large", "application/x-www-form-urlencoded", `client_secret=` + strings.Repeat("x", 70<<10), 413, "ec5_254"},
		{"multipart: no boundary", "multipart/form-data", "--x\r\n", 400, "ec5_254"},
		{"multipart: malformed", "multipart/form-data; boundary=x", "garbage", 400, "ec5_254"},
	}
	for _, tt := range []struct {
		name       string
		parts      []part
		wantStatus int
		wantCode   string
	}{
		{"multipart: wrong secret", sampleParts("nope"), 400, "ec5_253"},
		{"multipart: file part", append(sampleParts(sampleSecret), part{name: "file", file: "secret.txt", value: "x"}), 400, "ec5_254"},
		{"multipart: repeated field", append(sampleParts(sampleSecret), part{name: "client_id", value: "154"}), 400, "ec5_254"},
		{"multipart: unnamed part", append(sampleParts(sampleSecret), part{value: "x"}), 400, "ec5_254"},
		{"multipart: fields too large", append(sampleParts(sampleSecret), part{name: "scope", value: strings.Repeat("x", 9<<10)}), 413, "ec5_254"},
		{"multipart: body too large", append(sampleParts(sampleSecret), part{name: "scope", value: strings.Repeat("x", 70<<10)}), 413, "ec5_254"},
	} {
		ct, body := multipartBody(t, tt.parts)
		tests = append(tests, struct {
			name, ctype, body string
			wantStatus        int
			wantCode          string
		}{tt.name, ct, body, tt.wantStatus, tt.wantCode})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, in, tt.ctype, tt.body)
			wantError(t, r, tt.wantStatus, tt.wantCode, "token issue")
		})
	}
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, in.URL+epicollect.PathToken, ""))
	wantError(t, r, http.StatusMethodNotAllowed, "ec5_254", "token issue")
}

func sampleRequest(t *testing.T, in *servertest.Instance, headers ...string) dialecttest.Response {
	t.Helper()
	return post(t, in, "application/vnd.api+json", `{"grant_type":"client_credentials","client_id":153,"client_secret":"`+sampleSecret+`"}`, headers...)
}

// TestRateLimit: "a rate limit of 10 tokens per hour per IP address",
// over a rolling hour: 10 tokens in any hour, the 11th refused with 429
// in the platform's error format and a Retry-After that says when the
// next token can be had, which is when the oldest of the 10 is an hour
// old (a limit that refilled steadily would allow 15 within this hour).
func TestRateLimit(t *testing.T) {
	in := dialecttest.Start(t)
	projectApp(t, in)
	issue := func(n int) {
		t.Helper()
		for i := range n {
			r := sampleRequest(t, in)
			if r.Status != http.StatusOK {
				t.Fatalf("token %d: %d %s", i+1, r.Status, r.Raw)
			}
			if r.Header.Get("X-RateLimit-Limit") != "10" {
				t.Errorf("X-RateLimit-Limit %q", r.Header.Get("X-RateLimit-Limit"))
			}
		}
	}
	refused := func(wantRetry int) {
		t.Helper()
		r := sampleRequest(t, in)
		wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
		if got := r.Header.Get("Retry-After"); got != strconv.Itoa(wantRetry) {
			t.Errorf("Retry-After = %q, want %d", got, wantRetry)
		}
		if r.Header.Get("X-RateLimit-Limit") != "10" || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("X-RateLimit headers %v", r.Header)
		}
	}
	issue(5)
	in.Clock.Advance(30 * time.Minute)
	issue(4)
	if r := sampleRequest(t, in); r.Status != http.StatusOK || r.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("the 10th token: %d %s, X-RateLimit-Remaining %q", r.Status, r.Raw, r.Header.Get("X-RateLimit-Remaining"))
	}
	refused(1800) // the first five are an hour old in 30 minutes
	in.Clock.Advance(1799 * time.Second)
	refused(1)
	in.Clock.Advance(time.Second)
	issue(5)
	refused(1800)
	in.Clock.Advance(time.Hour)
	issue(10)
	refused(3600)
}

// TestRateLimitConfig: the limit is configurable, and X-Forwarded-For
// names the client only when the peer is a configured trusted proxy.
func TestRateLimitConfig(t *testing.T) {
	t.Run("trusted proxy", func(t *testing.T) {
		in := dialecttest.Start(t, func(c *config.Config) {
			c.DialectSettings[epicollect.SettingRateLimit] = "2/1m"
			c.TrustedProxies = []string{"127.0.0.1/32"}
		})
		projectApp(t, in)
		for range 2 {
			if r := sampleRequest(t, in, "X-Forwarded-For", "203.0.113.7"); r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
		}
		wantError(t, sampleRequest(t, in, "X-Forwarded-For", "203.0.113.7"), http.StatusTooManyRequests, "ec5_255", "rate-limiter")
		if r := sampleRequest(t, in, "X-Forwarded-For", "203.0.113.8"); r.Status != http.StatusOK {
			t.Fatalf("another client behind the proxy was limited: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("untrusted peer", func(t *testing.T) {
		in := dialecttest.Start(t, func(c *config.Config) { c.DialectSettings[epicollect.SettingRateLimit] = "2/1m" })
		projectApp(t, in)
		for i := range 2 {
			if r := sampleRequest(t, in, "X-Forwarded-For", "203.0.113."+strconv.Itoa(i)); r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
		}
		// A made-up X-Forwarded-For does not buy a fresh allowance.
		wantError(t, sampleRequest(t, in, "X-Forwarded-For", "198.51.100.1"), http.StatusTooManyRequests, "ec5_255", "rate-limiter")
	})
}

// TestCrossDialect: an Epicollect5 token introspects and revokes through
// the standard endpoints (and EPC's), like any token of the engine.
func TestCrossDialect(t *testing.T) {
	in := dialecttest.Start(t)
	c := projectApp(t, in)
	tok := dialecttest.String(t, sampleRequest(t, in).JSON, "access_token")
	r := dialecttest.Introspect(t, in, c, tok)
	if !dialecttest.Active(t, r) || r.JSON["client_id"] != c.ID || r.JSON["aud"] != c.ID {
		t.Fatalf("standard introspection of an Epicollect5 token: %s", r.Raw)
	}
	if r := dialecttest.Revoke(t, in, c, tok); r.Status != http.StatusOK {
		t.Fatalf("standard revocation: %d %s", r.Status, r.Raw)
	}
	if dialecttest.Active(t, dialecttest.Introspect(t, in, c, tok)) {
		t.Fatal("the revoked Epicollect5 token is still active")
	}
	// A standard client_credentials token of the same client is not shaped.
	std := dialecttest.String(t, dialecttest.StandardToken(t, in, c, url.Values{"grant_type": {"client_credentials"}}), "access_token")
	if h, _ := dialecttest.JWTParts(t, std); h["alg"] != "ES256" || h["jti"] != nil {
		t.Errorf("standard token header %v: the Epicollect5 layout leaked", h)
	}
}

// TestClientRateLimit: the server's per-client issuance limit, refused
// by the engine (429 temporarily_unavailable), is the platform's 429 too.
func TestClientRateLimit(t *testing.T) {
	in := dialecttest.Start(t, func(c *config.Config) { c.ClientRateLimit = "1/1h" })
	projectApp(t, in)
	if r := sampleRequest(t, in); r.Status != http.StatusOK {
		t.Fatalf("first request: %d %s", r.Status, r.Raw)
	}
	r := sampleRequest(t, in)
	wantError(t, r, http.StatusTooManyRequests, "ec5_255", "rate-limiter")
	if retry, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || retry < 1 || retry > 3600 {
		t.Errorf("Retry-After = %q, want 1..3600 seconds", r.Header.Get("Retry-After"))
	}
}
