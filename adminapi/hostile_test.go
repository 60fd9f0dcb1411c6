package adminapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/registry"
)

// TestHostileInput sends every operation of the document what an
// attacker or a broken client would: bodies that are not JSON, not one
// object, with unknown or repeated members, too large or of another
// media type; no token, a wrong one, one without the scope; methods the
// path does not take; IDs that try to leave their path segment. Each is
// refused with the status the document names, as a problem, never a 500.
func TestHostileInput(t *testing.T) {
	e := newEnv(t)
	doc, _ := loadSpec(t)
	victim := e.createClient(map[string]any{"client_name": "victim"})
	u := e.createUser(map[string]any{"username": "vic", "password": "a long passphrase"})
	noScope := e.tokenFor(e.in.CreateClient(t, registry.ClientSpec{Name: "plain", Scopes: []string{"api"}}), "")
	ids := strings.NewReplacer("{client_id}", victim.ClientID, "{user_id}", u.UserID)
	big := `{"client_name":"` + strings.Repeat("a", int(e.in.Config.MaxBodyBytes)) + `"}`

	for path, item := range doc.Paths.Map() {
		concrete := ids.Replace(path)
		for method, op := range item.Operations() {
			if path == adminapi.PathOpenAPI {
				continue
			}
			name := method + " " + path
			t.Run(name, func(t *testing.T) {
				check := func(what string, c call, status int, code string) {
					t.Helper()
					c.method, c.path, c.hostile = method, concrete, true
					r := e.do(c)
					if r.status != status {
						t.Fatalf("%s: %d, want %d\n%s", what, r.status, status, r.body)
					}
					if p := r.problem(t); code != "" && p.Code != code {
						t.Errorf("%s: error %q, want %q", what, p.Code, code)
					}
				}
				check("no token", call{}, http.StatusUnauthorized, "unauthorized")
				check("a wrong token", call{token: "tmat_" + strings.Repeat("A", 54)}, http.StatusUnauthorized, "invalid_token")
				check("a token without the scope", call{token: noScope}, http.StatusForbidden, "insufficient_scope")
				if op.RequestBody == nil {
					return
				}
				bad := http.StatusBadRequest
				for _, tc := range []struct {
					what, body string
				}{
					{"truncated JSON", `{"a":`},
					{"not an object", `["x"]`},
					{"a bare string", `"x"`},
					{"an unknown member", `{"no_such_member":1}`},
					{"a member twice", `{"password":"long enough pw","password":"long enough pw"}`},
					{"trailing data", `{} {}`},
					{"invalid UTF-8", "{\"name\":\"\xff\xfe\"}"},
				} {
					check(tc.what, call{token: e.token, body: tc.body}, bad, "")
				}
				check("a body over max_body_bytes", call{token: e.token, body: big}, http.StatusRequestEntityTooLarge, "payload_too_large")
				check("a form body", call{token: e.token, body: "a=b", contentType: "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "unsupported_media_type")
				check("no media type", call{token: e.token, body: "{}", contentType: "text/plain"}, http.StatusUnsupportedMediaType, "unsupported_media_type")
			})
		}
		// Methods the path does not take: 405 with Allow, as a problem.
		for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost} {
			if item.GetOperation(m) != nil {
				continue
			}
			r := e.do(call{method: m, path: concrete, token: e.token, hostile: true})
			if r.status != http.StatusMethodNotAllowed || r.problem(t).Code != "method_not_allowed" {
				t.Errorf("%s %s: %d %s, want 405", m, path, r.status, r.body)
				continue
			}
			var documented []string
			for dm := range item.Operations() {
				documented = append(documented, dm)
			}
			for _, a := range strings.Split(r.header.Get("Allow"), ", ") {
				if a != http.MethodHead && !slices.Contains(documented, a) {
					t.Errorf("%s %s: Allow %q names %s, which the document does not", m, path, r.header.Get("Allow"), a)
				}
			}
		}
	}

	// IDs that are not a client's or a user's, however written.
	for _, p := range []string{
		adminapi.PathClients + "/nope", adminapi.PathClients + "/" + strings.Repeat("x", 10000),
		adminapi.PathClients + "/..%2Fusers", adminapi.PathClients + "/%00", adminapi.PathClients + "/a%20b",
		adminapi.PathUsers + "/" + victim.ClientID, adminapi.PathClients + "/" + u.UserID,
	} {
		r := e.do(call{method: http.MethodGet, path: p, token: e.token, hostile: true})
		if r.status != http.StatusNotFound || r.problem(t).Code != "not_found" {
			t.Errorf("GET %.80s: %d %.200s, want a 404 problem", p, r.status, r.body)
		}
	}
	// Paths no route takes, under /admin/v1/.
	for _, p := range []string{adminapi.PathPrefix + "/", adminapi.PathPrefix + "/nope", adminapi.PathClients + "/", adminapi.PathClients + "/a/b", adminapi.PathKeys + "/x"} {
		r := e.do(call{method: http.MethodGet, path: p, token: e.token, hostile: true})
		if r.status != http.StatusNotFound || r.problem(t).Code != "not_found" {
			t.Errorf("GET %s: %d %s, want a 404 problem", p, r.status, r.body)
		}
	}
	// The victim is as it was.
	r := e.admin(http.MethodGet, adminapi.PathClients+"/"+victim.ClientID, nil)
	want(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"client_name":"victim"`) {
		t.Errorf("the victim changed: %s", r.body)
	}
}
