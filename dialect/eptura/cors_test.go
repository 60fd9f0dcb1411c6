package eptura_test

import (
	"net/http"
	"testing"

	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/eptura"
)

// TestCORS: the article's JavaScript apps call the token, revoke and
// users/me endpoints from their own origin. The preflight is answered; a
// page may read an answer only when its origin is that of one of the
// client's registered redirect URIs; the password flow (/auth) gets no
// CORS answer, so no other site's page can post a password to it.
func TestCORS(t *testing.T) {
	f := newFixture(t)
	const appOrigin = "https://workplace-app.example.com" // redirectURI's origin
	const evil = "https://evil.example"
	preflight := func(path, origin string) dialecttest.Response {
		t.Helper()
		return dialecttest.Do(t, dialecttest.Request(t, http.MethodOptions, f.in.URL+path, "",
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-client-id,x-grant-type,x-auth-code"))
	}
	for _, path := range []string{eptura.PathToken, eptura.PathRevoke, eptura.PathMe} {
		r := preflight(path, appOrigin)
		if r.Status != http.StatusNoContent || r.Header.Get("Access-Control-Allow-Origin") != appOrigin ||
			r.Header.Get("Access-Control-Allow-Headers") == "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight %s: %d %v", path, r.Status, r.Header)
		}
	}
	if r := preflight(eptura.PathAuth, appOrigin); r.Status != http.StatusMethodNotAllowed || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of /auth: %d %v: want 405 and no CORS answer", r.Status, r.Header)
	}

	exchange := func(origin string) (dialecttest.Response, string) {
		code := f.authCode(t, f.public)
		r := f.exchange(t, f.public, code, "Origin", origin)
		return r, r.Header.Get("Access-Control-Allow-Origin")
	}
	r, acao := exchange(appOrigin)
	access, _ := wantTokens(t, r)
	if acao != appOrigin {
		t.Errorf("token answer to the app's page: Access-Control-Allow-Origin %q, want %q", acao, appOrigin)
	}
	if _, acao := exchange(evil); acao != "" {
		t.Errorf("token answer to another site's page: Access-Control-Allow-Origin %q, want none", acao)
	}
	me := func(origin string) string {
		r := dialecttest.Do(t, dialecttest.Request(t, http.MethodGet, f.in.URL+eptura.PathMe, "", "Authorization", "Bearer "+access, "Origin", origin))
		if r.Status != http.StatusOK {
			t.Fatalf("users/me: %d %s", r.Status, r.Raw)
		}
		return r.Header.Get("Access-Control-Allow-Origin")
	}
	if got := me(appOrigin); got != appOrigin {
		t.Errorf("users/me to the app's page: %q", got)
	}
	if got := me(evil); got != "" {
		t.Errorf("users/me to another site's page: %q, want none", got)
	}
}
