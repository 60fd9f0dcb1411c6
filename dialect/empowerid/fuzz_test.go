package empowerid

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/oauth"
)

// fuzzBodyLimit keeps the fuzzed bodies small and the 413 path reachable.
const fuzzBodyLimit = 512

// FuzzTokenRequest decodes a token request body and its headers as the
// endpoint does, asserting: every failure is an *oauth.Error with the
// status of its kind (400, 401, 413 or 415); an accepted request carries
// exactly what was sent (the body's members, as encoding/json or
// url.ParseQuery read them, the API key header) with every credential of
// its grant present: the person's for the password grant, taken from the
// Basic header byte for byte, a refresh token for the refresh grant.
func FuzzTokenRequest(f *testing.F) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("jsmith:pw"))
	for _, s := range [][4]string{
		{"application/json", `{"client_id":"c","client_secret":"s","redirect_uri":"https://a.test/cb","grant_type":"password"}`, "k", basic},
		{"application/json", `{"client_id":153,"client_secret":"s","grant_type":"refresh_token","refresh_token":"rt"}`, "k", ""},
		{"application/x-www-form-urlencoded", "grant_type=password&client_id=c&client_secret=s&redirect_uri=", "k", basic},
		{"application/x-www-form-urlencoded", "grant_type=refresh_token&client_id=c&client_secret=s&refresh_token=r&refresh_token=r", "k", ""},
		{"application/json; charset=utf-8", `{"client_id":null,"grant_type":"password"} x`, "", "Basic Og=="},
		{"text/plain", "grant_type=password", "k", "Bearer x"},
		{"application/json", `[1]`, "k", "basic am9objpwdw=="},
		{"application/vnd.api+json", `{"client_id":{}}`, "k", ""},
		{"application/x-www-form-urlencoded", "a=%zz", "k", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, contentType, body, apiKey, authz string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/v2/token", strings.NewReader(body))
		setIf(r, "Content-Type", contentType)
		setIf(r, HeaderAPIKey, apiKey)
		setIf(r, "Authorization", authz)
		h := &handler{d: dialect.Deps{MaxBodyBytes: fuzzBodyLimit}}
		got, err := h.decode(httptest.NewRecorder(), r)
		if err != nil {
			wantOAuthError(t, err, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
			return
		}
		checkDecoded(t, r, got, body)
		req, err := tokenRequestFrom(r, got)
		if err != nil {
			wantOAuthError(t, err, http.StatusBadRequest, http.StatusUnauthorized)
			return
		}
		if req.Client.ID != string(got.ClientID) || req.Client.ID == "" || req.Client.Secret != got.ClientSecret || req.Client.Secret == "" ||
			req.Client.APIKey != r.Header.Get(HeaderAPIKey) || req.Client.APIKey == "" || req.Dialect != Name || req.GrantType != got.GrantType ||
			req.Scope != got.Scope || req.RedirectURI != got.RedirectURI {
			t.Fatalf("request %+v does not carry what was sent: %+v", req, got)
		}
		switch req.GrantType {
		case tokenmint.GrantPassword:
			user, pw, ok := r.BasicAuth()
			if !ok || req.Username != user || req.Password != pw || user == "" || pw == "" || req.RefreshToken != "" {
				t.Fatalf("password grant with person %q/%q from %q", req.Username, req.Password, authz)
			}
		case tokenmint.GrantRefreshToken:
			if req.RefreshToken != got.RefreshToken || req.RefreshToken == "" || req.Username != "" || req.Password != "" {
				t.Fatalf("refresh grant %+v", req)
			}
		default:
			t.Fatalf("accepted grant_type %q", req.GrantType)
		}
	})
}

// checkDecoded compares a decoded body with a reference decoding of it.
func checkDecoded(t *testing.T, r *http.Request, got tokenRequest, body string) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); dialect.IsJSON(ct) || mt == "text/plain" {
		var ref map[string]any
		if err := json.Unmarshal([]byte(body), &ref); err != nil {
			t.Fatalf("accepted JSON that encoding/json refuses: %v", err)
		}
		for name, v := range map[string]string{"client_secret": got.ClientSecret, "redirect_uri": got.RedirectURI,
			"grant_type": got.GrantType, "scope": got.Scope, "refresh_token": got.RefreshToken} {
			if s, _ := ref[name].(string); s != v && ref[name] != nil {
				t.Fatalf("%s = %q, want %q", name, v, s)
			}
		}
		return
	}
	ref, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("accepted a form url.ParseQuery refuses: %v", err)
	}
	for name, v := range map[string]string{"client_id": string(got.ClientID), "client_secret": got.ClientSecret,
		"redirect_uri": got.RedirectURI, "grant_type": got.GrantType, "scope": got.Scope, "refresh_token": got.RefreshToken} {
		if len(ref[name]) > 1 || ref.Get(name) != v {
			t.Fatalf("%s = %q, want %q (sent %q)", name, v, ref.Get(name), ref[name])
		}
	}
}

// FuzzPersonCredentials: the person's Basic credentials round-trip
// byte for byte (RFC 7617: the user-id is everything before the first
// colon, the password everything after, neither form-decoded), and an
// accepted header always names a username and a password.
func FuzzPersonCredentials(f *testing.F) {
	f.Add("jsmith", "EmpowerID_Person_Password", "")
	f.Add("a+b%20c", "p:w:d", "")
	f.Add("", "pw", "")
	f.Add("ÅSA", "\x00", "Basic !!!")
	f.Add("u", "p", "basic dTpw")
	f.Fuzz(func(t *testing.T, user, pw, raw string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pw)))
		gotUser, gotPW, err := personCredentials(r)
		switch {
		case user == "" || pw == "" || strings.Contains(user, ":"):
			if err == nil && (gotUser+":"+gotPW != user+":"+pw || gotUser == "" || gotPW == "") {
				t.Fatalf("%q:%q read as %q:%q", user, pw, gotUser, gotPW)
			}
		case err != nil || gotUser != user || gotPW != pw:
			t.Fatalf("%q:%q read as %q:%q, %v", user, pw, gotUser, gotPW, err)
		}
		r.Header.Set("Authorization", raw)
		gotUser, gotPW, err = personCredentials(r)
		if err != nil {
			wantOAuthError(t, err, http.StatusBadRequest)
			return
		}
		scheme, enc, _ := strings.Cut(raw, " ")
		dec, derr := base64.StdEncoding.DecodeString(enc)
		if !strings.EqualFold(scheme, "Basic") || derr != nil || string(dec) != gotUser+":"+gotPW || gotUser == "" || gotPW == "" {
			t.Fatalf("accepted %q as %q:%q", raw, gotUser, gotPW)
		}
	})
}

func setIf(r *http.Request, name, v string) {
	if v != "" {
		r.Header.Set(name, v)
	}
}

func wantOAuthError(t *testing.T, err error, statuses ...int) {
	t.Helper()
	oe, ok := oauth.As(err)
	if !ok || oe.Code == "" {
		t.Fatalf("error %v is not an OAuth error", err)
	}
	for _, s := range statuses {
		if oe.HTTPStatus() == s {
			return
		}
	}
	t.Fatalf("error %v has status %d, want one of %v", err, oe.HTTPStatus(), statuses)
}
