package empowerid_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/empowerid"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// passwordGrant runs the article's jQuery request and returns its answer.
func passwordGrant(t *testing.T, in *servertest.Instance, c servertest.Client) dialecttest.Response {
	t.Helper()
	body := `{"client_id":"` + c.ID + `","client_secret":"` + c.Secret + `","redirect_uri":"` + redirectURI + `","grant_type":"password"}`
	r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, body,
		"X-EmpowerID-API-Key", c.APIKey, "Authorization", dialecttest.Basic(person, personPW), "Content-Type", "application/json"))
	wantToken(t, r, 3600)
	return r
}

// refreshJSON refreshes as the jQuery sample would send it: the API key
// header, the client's credentials and redirect URI in a JSON body, and
// refresh_token; no person's credentials.
func refreshJSON(t *testing.T, in *servertest.Instance, c servertest.Client, apiKey, refresh string) dialecttest.Response {
	t.Helper()
	body, err := json.Marshal(map[string]string{"client_id": c.ID, "client_secret": c.Secret, "redirect_uri": redirectURI,
		"grant_type": "refresh_token", "refresh_token": refresh})
	if err != nil {
		t.Fatal(err)
	}
	hd := []string{"Content-Type", "application/json"}
	if apiKey != "" {
		hd = append(hd, "X-EmpowerID-API-Key", apiKey)
	}
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, string(body), hd...))
}

// refreshForm refreshes as the curl line would: form-encoded, without
// redirect_uri.
func refreshForm(t *testing.T, in *servertest.Instance, c servertest.Client, refresh string) dialecttest.Response {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "refresh_token": {refresh}}
	return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, form.Encode(),
		"X-EmpowerID-API-Key", c.APIKey, "Content-Type", "application/x-www-form-urlencoded"))
}

// TestRefresh: the refresh_token of the article's response refreshes at
// /oauth/v2/token itself, with the platform's conventions (API key header,
// JSON or form body), for another 3600 s, rotating the refresh token.
func TestRefresh(t *testing.T) {
	in, c := setup(t)
	first := passwordGrant(t, in, c)
	rt1 := dialecttest.String(t, first.JSON, "refresh_token")

	r := refreshJSON(t, in, c, c.APIKey, rt1)
	wantToken(t, r, 3600)
	rt2 := dialecttest.String(t, r.JSON, "refresh_token")
	if rt2 == rt1 {
		t.Fatal("the refresh token was not rotated")
	}
	at2 := dialecttest.String(t, r.JSON, "access_token")
	if i := dialecttest.Introspect(t, in, c, at2); !dialecttest.Active(t, i) || i.JSON["client_id"] != c.ID {
		t.Fatalf("refreshed access token: %s", i.Raw)
	}

	r = refreshForm(t, in, c, rt2)
	wantToken(t, r, 3600)
	if dialecttest.String(t, r.JSON, "refresh_token") == rt2 {
		t.Fatal("the refresh token was not rotated")
	}
}

// TestRefreshErrors: the API key is required and checked as for the
// password grant, and the other credentials too; none of these refusals
// spends the refresh token.
func TestRefreshErrors(t *testing.T) {
	in, c := setup(t)
	other := application(t, in, "", 0)
	rt := dialecttest.String(t, passwordGrant(t, in, c).JSON, "refresh_token")
	otherRT := dialecttest.String(t, passwordGrant(t, in, other).JSON, "refresh_token")
	send := func(body map[string]string, apiKey string) dialecttest.Response {
		raw, _ := json.Marshal(body)
		hd := []string{"Content-Type", "application/json"}
		if apiKey != "" {
			hd = append(hd, "X-EmpowerID-API-Key", apiKey)
		}
		return dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+empowerid.PathToken, string(raw), hd...))
	}
	good := func() map[string]string {
		return map[string]string{"client_id": c.ID, "client_secret": c.Secret, "redirect_uri": redirectURI, "grant_type": "refresh_token", "refresh_token": rt}
	}
	tests := []struct {
		name       string
		change     func(map[string]string)
		apiKey     string
		wantStatus int
		wantError  string
	}{
		{"missing API key", nil, "", 401, "invalid_client"},
		{"wrong API key", nil, "0a9e18d5-7ec8-4214-b4e7-23b550c9c6ba", 401, "invalid_client"},
		{"wrong client secret", func(b map[string]string) { b["client_secret"] = other.Secret }, c.APIKey, 401, "invalid_client"},
		{"missing client secret", func(b map[string]string) { delete(b, "client_secret") }, c.APIKey, 401, "invalid_client"},
		{"missing refresh token", func(b map[string]string) { delete(b, "refresh_token") }, c.APIKey, 400, "invalid_request"},
		{"unknown refresh token", func(b map[string]string) { b["refresh_token"] = "rt_unknown" }, c.APIKey, 400, "invalid_grant"},
		{"another client's refresh token", func(b map[string]string) { b["refresh_token"] = otherRT }, c.APIKey, 400, "invalid_grant"},
		{"unregistered redirect URI", func(b map[string]string) { b["redirect_uri"] = "https://evil.example/cb" }, c.APIKey, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := good()
			if tt.change != nil {
				tt.change(body)
			}
			r := send(body, tt.apiKey)
			if r.Status != tt.wantStatus || r.JSON["error"] != tt.wantError {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Raw, tt.wantStatus, tt.wantError)
			}
		})
	}
	wantToken(t, refreshJSON(t, in, c, c.APIKey, rt), 3600) // still good
}

// TestRefreshReplay: a refresh token presented a second time means two
// parties hold it; the whole authorization is revoked (RFC 9700
// §4.14.2), as at the standard endpoint.
func TestRefreshReplay(t *testing.T) {
	in, c := setup(t)
	first := passwordGrant(t, in, c)
	at1, rt1 := dialecttest.String(t, first.JSON, "access_token"), dialecttest.String(t, first.JSON, "refresh_token")
	r := refreshJSON(t, in, c, c.APIKey, rt1)
	wantToken(t, r, 3600)
	at2, rt2 := dialecttest.String(t, r.JSON, "access_token"), dialecttest.String(t, r.JSON, "refresh_token")

	replay := refreshForm(t, in, c, rt1)
	if replay.Status != http.StatusBadRequest || replay.JSON["error"] != "invalid_grant" {
		t.Fatalf("replayed refresh token: %d %s, want 400 invalid_grant", replay.Status, replay.Raw)
	}
	for name, tok := range map[string]string{"first access token": at1, "refreshed access token": at2} {
		if dialecttest.Active(t, dialecttest.Introspect(t, in, c, tok)) {
			t.Errorf("%s still active after the replay", name)
		}
	}
	if r := refreshJSON(t, in, c, c.APIKey, rt2); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
		t.Errorf("the latest refresh token after the replay: %d %s, want 400 invalid_grant", r.Status, r.Raw)
	}
}
