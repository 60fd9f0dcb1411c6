package empowerid_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/empowerid"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// postmanBody is the JSON of the article's Postman step 4, "select raw
// and then add the below JSON", with its spacing.
func postmanBody(id, secret string) string {
	return "{\n       \"client_id\": \"" + id + "\", \n       \"client_secret\": \"" + secret + "\",\n       \"redirect_uri\": \"" + redirectURI +
		"\",  \n       \"grant_type\": \"password\" \n}"
}

// TestPostmanSteps follows the article's Postman steps literally: step 3
// adds "the above mentioned key/value pairs" (X-EmpowerID-API-Key and
// Authorization), step 4 selects "raw" and pastes the JSON, which Postman
// labels text/plain unless JSON is also chosen. "Request data is sent to
// the API in JSON format": the body is read as JSON whatever that label.
func TestPostmanSteps(t *testing.T) {
	in, c := setup(t)
	for _, ctype := range []string{"text/plain", "text/plain; charset=utf-8", "application/json"} {
		t.Run(ctype, func(t *testing.T) {
			r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, postmanBody(c.ID, c.Secret),
				"X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW), "Content-Type", ctype))
			wantToken(t, r, 3600)
		})
	}
	for _, tc := range []struct{ name, ctype, body string }{
		{"text that is not JSON", "text/plain", "grant_type=password"},
		{"another type", "application/xml", postmanBody(c.ID, c.Secret)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, tc.body,
				"X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW), "Content-Type", tc.ctype))
			if r.JSON["error"] != "invalid_request" || r.Status != http.StatusBadRequest && r.Status != http.StatusUnsupportedMediaType {
				t.Fatalf("%d %s, want invalid_request", r.Status, r.Raw)
			}
		})
	}
}

// TestProfileClient: an application created as the article registers it,
// `client create --profile empowerid`, gets "the API Key, the Client ID
// and the Client Secret", tokens of "3600 seconds" and a refresh token
// that refreshes at the same endpoint; only the password and refresh
// grants are its.
func TestProfileClient(t *testing.T) {
	in := dialecttest.Start(t)
	in.CreateUser(t, person, personPW)
	c := in.CreateClient(t, registry.ClientSpec{Name: "EmpowerID app", Profile: empowerid.Name, RedirectURIs: []string{redirectURI}})
	if c.APIKey == "" || c.Secret == "" {
		t.Fatalf("the profile's client lacks an API key or a secret: %+v", c)
	}
	r := passwordGrant(t, in, c)
	wantToken(t, refreshJSON(t, in, c, c.APIKey, dialecttest.String(t, r.JSON, "refresh_token")), 3600)
	std := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+"/oauth2/token",
		url.Values{"grant_type": {tokenmint.GrantClientCredentials}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Authorization", dialecttest.Basic(c.ID, c.Secret)))
	if std.Status != http.StatusBadRequest || std.JSON["error"] != "unauthorized_client" {
		t.Errorf("client_credentials for the profile's client: %d %s, want unauthorized_client", std.Status, std.Raw)
	}
}

// TestMethod: "you need to make a POST request"; another method is 405
// with Allow: POST and a JSON error.
func TestMethod(t *testing.T) {
	in, _ := setup(t)
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, in.URL+empowerid.PathToken, ""))
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || r.JSON["error"] == nil {
		t.Fatalf("GET: %d %v %s, want 405, Allow: POST and a JSON error", r.Status, r.Header, r.Raw)
	}
}

// jsonRequest is the jQuery sample's request with the given body and
// extra headers.
func jsonRequest(t *testing.T, in *servertest.Instance, body string, headers ...string) dialecttest.Response {
	t.Helper()
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, body,
		append([]string{"Content-Type", "application/json"}, headers...)...))
}

// TestIDToken: "id_token": "null" in the sample, where no ID token is
// issued; a real one when the application asks scope openid.
func TestIDToken(t *testing.T) {
	in := dialecttest.Start(t)
	in.CreateUser(t, person, personPW)
	c := in.CreateClient(t, registry.ClientSpec{Name: "EmpowerID app", Profile: empowerid.Name, RedirectURIs: []string{redirectURI},
		Scopes: []string{"openid", "profile"}, DefaultScopes: []string{"profile"}})
	for scope, wantJWT := range map[string]bool{"": false, "openid profile": true} {
		body := `{"client_id":"` + c.ID + `","client_secret":"` + c.Secret + `","redirect_uri":"` + redirectURI + `","grant_type":"password","scope":"` + scope + `"}`
		r := jsonRequest(t, in, body, "X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW))
		if r.Status != http.StatusOK {
			t.Fatalf("scope %q: %d %s", scope, r.Status, r.Raw)
		}
		if got := strings.Count(dialecttest.String(t, r.JSON, "id_token"), ".") == 2; got != wantJWT {
			t.Errorf("scope %q: id_token %v, want a JWT: %v", scope, r.JSON["id_token"], wantJWT)
		}
	}
}

// TestPersonThrottled: the person's failed passwords are throttled as
// sign-ins are: after five, even the right one gets 429
// temporarily_unavailable with Retry-After. An API key sent twice is 400.
func TestPersonThrottled(t *testing.T) {
	in, c := setup(t)
	body := `{"client_id":"` + c.ID + `","client_secret":"` + c.Secret + `","redirect_uri":"` + redirectURI + `","grant_type":"password"}`
	for i := range 5 {
		if r := jsonRequest(t, in, body, "X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, "wrong")); r.JSON["error"] != "invalid_grant" {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r := jsonRequest(t, in, body, "X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW))
	if r.Status != http.StatusTooManyRequests || r.JSON["error"] != "temporarily_unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("after five failures: %d %v %s, want 429 temporarily_unavailable with Retry-After", r.Status, r.Header, r.Raw)
	}
	r = jsonRequest(t, in, body, "X-EmpowerID-API-Key", c.APIKey, "X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW))
	if r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_request" {
		t.Errorf("API key sent twice: %d %s, want 400 invalid_request", r.Status, r.Raw)
	}
}
