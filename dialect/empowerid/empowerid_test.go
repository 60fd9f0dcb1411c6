package empowerid_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/empowerid"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

const (
	// sampleAPIKey is the X-EmpowerID-API-Key of the article's jQuery
	// sample; the application is registered with it.
	sampleAPIKey = "1a9e18d5-7ec8-4214-b4e7-23b550c9c6ba"
	// redirectURI is the sample's "https://{FQDN_Of_Your_EmpowerID_Web_Server}/webidpforms/oauth/v2".
	redirectURI = "https://sso.example.com/webidpforms/oauth/v2"
	person      = "jsmith"
	personPW    = "EmpowerID_Person_Password"
)

// application registers the OAuth application of the article: API key,
// client ID and secret, its redirect URI, the password grant (with
// refresh tokens, as the sample response has one).
func application(t *testing.T, in *servertest.Instance, format string, ttl time.Duration) servertest.Client {
	t.Helper()
	spec := registry.ClientSpec{Name: "EmpowerID app", GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken},
		RedirectURIs: []string{redirectURI}, TokenFormat: format, AccessTTL: ttl}
	return dialecttest.Client(t, in, spec, "", sampleAPIKey)
}

func setup(t *testing.T) (*servertest.Instance, servertest.Client) {
	t.Helper()
	in := dialecttest.Start(t)
	in.CreateUser(t, person, personPW)
	return in, application(t, in, tokenmint.FormatOpaque, 0)
}

// wantToken checks the article's response: every member present,
// expires_in the TTL in seconds, "id_token": "null", "error": "",
// "error_description": "null".
func wantToken(t *testing.T, r dialecttest.Response, expiresIn int64) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("token: %d %s", r.Status, r.Raw)
	}
	dialecttest.Members(t, "token response", r.JSON, "access_token", "token_type", "expires_in", "refresh_token", "id_token", "error", "error_description")
	if r.JSON["token_type"] != "Bearer" || dialecttest.Number(t, r.JSON, "expires_in") != expiresIn {
		t.Errorf("response %s: want token_type Bearer, expires_in %d", r.Raw, expiresIn)
	}
	if r.JSON["id_token"] != "null" || r.JSON["error"] != "" || r.JSON["error_description"] != "null" {
		t.Errorf("response %s: want id_token \"null\", error \"\", error_description \"null\"", r.Raw)
	}
	dialecttest.String(t, r.JSON, "access_token")
	dialecttest.String(t, r.JSON, "refresh_token")
}

// TestDocumentExamples replays the article's curl line (form-encoded), its
// jQuery sample and its Postman body (JSON), with the headers they send.
func TestDocumentExamples(t *testing.T) {
	in, c := setup(t)
	endpoint := in.URL + "/oauth/v2/token"
	auth := dialecttest.Basic(person, personPW) // btoa("EmpowerID_Person_Username:EmpowerID_Person_Password")

	// curl ".../oauth/v2/token" -H "X-EmpowerID-API-Key: {Your_API_Key}" -H "Authorization: Basic {...}"
	// -H "Content-Type: application/x-www-form-urlencoded" -d "grant_type=password&client_id=...&client_secret=...&redirect_uri=..."
	form := "grant_type=password&client_id=" + c.ID + "&client_secret=" + url.QueryEscape(c.Secret) + "&redirect_uri=" + url.QueryEscape(redirectURI)
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, endpoint, form,
		"X-EmpowerID-API-Key", c.APIKey, "Authorization", auth, "Content-Type", "application/x-www-form-urlencoded"))
	wantToken(t, r, 3600)
	curlToken := dialecttest.String(t, r.JSON, "access_token")

	// jQuery: headers {"X-EmpowerID-API-Key": "1a9e18d5-...", "Content-Type": "application/json",
	// "Authorization": "Basic " + auth}, data: JSON.stringify({client_id, client_secret, redirect_uri, grant_type}).
	data, err := json.Marshal(map[string]string{"client_id": c.ID, "client_secret": c.Secret, "redirect_uri": redirectURI, "grant_type": "password"})
	if err != nil {
		t.Fatal(err)
	}
	r = dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, endpoint, string(data),
		"X-EmpowerID-API-Key", sampleAPIKey, "Content-Type", "application/json", "Authorization", auth))
	wantToken(t, r, 3600)

	// Postman: the headers above, Body raw JSON with the sample's spacing.
	raw := "{\n   \"client_id\": \"" + c.ID + "\", \n   \"client_secret\": \"" + c.Secret + "\",\n   \"redirect_uri\": \"" + redirectURI +
		"\",  \n   \"grant_type\": \"password\" \n}"
	r = dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, endpoint, raw,
		"X-EmpowerID-API-Key", sampleAPIKey, "Authorization", auth, "Content-Type", "application/json"))
	wantToken(t, r, 3600)

	// The tokens belong to the person, for the application.
	in2 := dialecttest.Introspect(t, in, c, curlToken)
	u, err := in.Server.Store().GetUserByUsername(t.Context(), person)
	if err != nil {
		t.Fatal(err)
	}
	if !dialecttest.Active(t, in2) || in2.JSON["sub"] != u.ID || in2.JSON["client_id"] != c.ID {
		t.Errorf("introspection %s: want the person's token for the application", in2.Raw)
	}
}

// TestFormatAndLifetime: "The default expiration time ... is 3600 seconds.
// You can change this value" (the client's TTL), and "Access tokens can be
// issued as OAuth 2.0 tokens or JWT tokens" (the client's format).
func TestFormatAndLifetime(t *testing.T) {
	in := dialecttest.Start(t)
	in.CreateUser(t, person, personPW)
	c := application(t, in, tokenmint.FormatJWT, 10*time.Minute)
	body := `{"client_id":"` + c.ID + `","client_secret":"` + c.Secret + `","redirect_uri":"` + redirectURI + `","grant_type":"password"}`
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, body,
		"X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW), "Content-Type", "application/json"))
	wantToken(t, r, 600)
	tok := dialecttest.String(t, r.JSON, "access_token")
	if h, claims := dialecttest.JWTParts(t, tok); h["typ"] != "at+jwt" || claims["client_id"] != c.ID {
		t.Errorf("JWT header %v claims %v", h, claims)
	}
	dialecttest.VerifyJWT(t, in, tok, tokenmint.AlgES256)
}

// TestDistinctErrors: a missing or wrong API key, client secret, redirect
// URI or person's credential each gets an error of its own.
func TestDistinctErrors(t *testing.T) {
	in, c := setup(t)
	other := application(t, in, tokenmint.FormatOpaque, 0) // same sample API key, another secret
	type req struct {
		apiKey, auth, clientID, secret, redirect, grant string
		noAPIKey                                        bool
	}
	good := req{apiKey: c.APIKey, auth: dialecttest.Basic(person, personPW), clientID: c.ID, secret: c.Secret, redirect: redirectURI, grant: "password"}
	tests := []struct {
		name       string
		change     func(*req)
		wantStatus int
		wantError  string
	}{
		{"missing API key", func(r *req) { r.noAPIKey = true }, 401, "invalid_client"},
		{"wrong API key", func(r *req) { r.apiKey = "0a9e18d5-7ec8-4214-b4e7-23b550c9c6ba" }, 401, "invalid_client"},
		{"missing client secret", func(r *req) { r.secret = "" }, 401, "invalid_client"},
		{"wrong client secret", func(r *req) { r.secret = other.Secret }, 401, "invalid_client"},
		{"missing client ID", func(r *req) { r.clientID = "" }, 401, "invalid_client"},
		{"missing redirect URI", func(r *req) { r.redirect = "" }, 400, "invalid_request"},
		{"wrong redirect URI", func(r *req) { r.redirect = "https://evil.example/cb" }, 400, "invalid_request"},
		{"missing person credentials", func(r *req) { r.auth = "" }, 400, "invalid_request"},
		{"person credentials not Basic", func(r *req) { r.auth = "Bearer x" }, 400, "invalid_request"},
		{"wrong person password", func(r *req) { r.auth = dialecttest.Basic(person, "wrong password") }, 400, "invalid_grant"},
		{"unknown person", func(r *req) { r.auth = dialecttest.Basic("nobody", personPW) }, 400, "invalid_grant"},
		{"another grant type", func(r *req) { r.grant = "client_credentials" }, 400, "unsupported_grant_type"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := good
			tt.change(&q)
			body, _ := json.Marshal(map[string]string{"client_id": q.clientID, "client_secret": q.secret, "redirect_uri": q.redirect, "grant_type": q.grant})
			hd := []string{"Content-Type", "application/json"}
			if !q.noAPIKey {
				hd = append(hd, "X-EmpowerID-API-Key", q.apiKey)
			}
			if q.auth != "" {
				hd = append(hd, "Authorization", q.auth)
			}
			r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, string(body), hd...))
			if r.Status != tt.wantStatus || r.JSON["error"] != tt.wantError {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Raw, tt.wantStatus, tt.wantError)
			}
			desc := dialecttest.String(t, r.JSON, "error_description")
			seen[tt.name] = desc
		})
	}
	// The pairs the issue names must differ: missing vs wrong, and each
	// credential from the others. (An unknown person and a wrong password
	// share one message on purpose: no user enumeration.)
	for _, pair := range [][2]string{
		{"missing API key", "wrong API key"}, {"missing client secret", "wrong client secret"},
		{"missing redirect URI", "wrong redirect URI"}, {"missing person credentials", "wrong person password"},
		{"wrong API key", "wrong client secret"}, {"wrong client secret", "wrong person password"},
		{"wrong redirect URI", "wrong person password"}, {"missing API key", "missing client secret"},
	} {
		if a, b := seen[pair[0]], seen[pair[1]]; a == b {
			t.Errorf("%s and %s share the description %q", pair[0], pair[1], a)
		}
	}
	if seen["unknown person"] != seen["wrong person password"] {
		t.Errorf("an unknown person is told apart from a wrong password: %q vs %q", seen["unknown person"], seen["wrong person password"])
	}
	for name, d := range seen {
		if strings.Contains(d, personPW) || strings.Contains(d, c.Secret) {
			t.Errorf("%s: the description echoes a secret: %q", name, d)
		}
	}
}

// TestCrossDialect: an EmpowerID token introspects and revokes through the
// standard endpoints, and its refresh token works at the standard token
// endpoint.
func TestCrossDialect(t *testing.T) {
	in, c := setup(t)
	body := `{"client_id":"` + c.ID + `","client_secret":"` + c.Secret + `","redirect_uri":"` + redirectURI + `","grant_type":"password"}`
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, body,
		"X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW), "Content-Type", "application/json"))
	wantToken(t, r, 3600)
	access, refresh := dialecttest.String(t, r.JSON, "access_token"), dialecttest.String(t, r.JSON, "refresh_token")

	std := dialecttest.StandardToken(t, in, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	next := dialecttest.String(t, std, "access_token")
	if !dialecttest.Active(t, dialecttest.Introspect(t, in, c, next)) {
		t.Fatal("the refreshed token is not active")
	}
	if r := dialecttest.Revoke(t, in, c, dialecttest.String(t, std, "refresh_token")); r.Status != http.StatusOK {
		t.Fatalf("standard revocation: %d %s", r.Status, r.Raw)
	}
	// Revoking the refresh token revoked its whole authorization.
	for _, tok := range []string{access, next} {
		if dialecttest.Active(t, dialecttest.Introspect(t, in, c, tok)) {
			t.Errorf("token still active after its authorization was revoked")
		}
	}
}
