package adminapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// TestClientOwner: owner (a user ID) is set on creation, changed and
// cleared by PATCH, answered when set, filters the list, must name a
// user (400 naming owner); a user who owns a client is not deleted (409
// naming it) until the client has another owner.
func TestClientOwner(t *testing.T) {
	e := newEnv(t)
	ada := e.createUser(map[string]any{"username": "ada", "password": "a long passphrase"})
	bob := e.createUser(map[string]any{"username": "bob", "password": "another passphrase"})

	r := e.admin(http.MethodPost, adminapi.PathClients, map[string]any{"client_name": "ghost", "owner": "no-such-user"})
	want(t, r, http.StatusBadRequest)
	if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "owner" || !strings.Contains(p.Detail, "no-such-user") {
		t.Errorf("unknown owner: %+v", p)
	}
	m := e.createClient(map[string]any{"client_id": "billing", "client_name": "billing", "owner": ada.UserID})
	if m.Owner != ada.UserID {
		t.Errorf("created with owner %q", m.Owner)
	}
	e.createClient(map[string]any{"client_id": "other", "client_name": "other"})
	get := func(path string) clientmeta.Metadata {
		t.Helper()
		r := e.admin(http.MethodGet, path, nil)
		want(t, r, http.StatusOK)
		var m clientmeta.Metadata
		r.json(t, &m)
		return m
	}
	if got := get(adminapi.PathClients + "/billing"); got.Owner != ada.UserID {
		t.Errorf("GET owner %q", got.Owner)
	}
	if r := e.admin(http.MethodGet, adminapi.PathClients+"/other", nil); strings.Contains(string(r.body), `"owner"`) {
		t.Errorf("a client without an owner answers one: %s", r.body)
	}
	list := func(owner string) []string {
		t.Helper()
		r := e.admin(http.MethodGet, adminapi.PathClients+"?owner="+owner, nil)
		want(t, r, http.StatusOK)
		var l adminapi.ClientList
		r.json(t, &l)
		var ids []string
		for _, c := range l.Clients {
			ids = append(ids, c.ClientID)
		}
		return ids
	}
	if got := list(ada.UserID); len(got) != 1 || got[0] != "billing" {
		t.Errorf("clients owned by ada: %v", got)
	}
	if got := list(bob.UserID); len(got) != 0 {
		t.Errorf("clients owned by bob: %v", got)
	}

	r = e.admin(http.MethodDelete, adminapi.PathUsers+"/"+ada.UserID, nil)
	want(t, r, http.StatusConflict)
	if p := r.problem(t); !strings.Contains(p.Detail, "billing") {
		t.Errorf("deleting an owner: %+v", p)
	}

	r = e.admin(http.MethodPatch, adminapi.PathClients+"/billing", map[string]any{"owner": "no-such-user"})
	want(t, r, http.StatusBadRequest)
	if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "owner" {
		t.Errorf("PATCH to an unknown owner: %+v", p)
	}
	r = e.admin(http.MethodPatch, adminapi.PathClients+"/billing", map[string]any{"owner": bob.UserID})
	want(t, r, http.StatusOK)
	if got := get(adminapi.PathClients + "/billing"); got.Owner != bob.UserID {
		t.Errorf("owner after PATCH %q", got.Owner)
	}
	want(t, e.admin(http.MethodDelete, adminapi.PathUsers+"/"+ada.UserID, nil), http.StatusNoContent)
	for _, clear := range []any{nil, ""} {
		r = e.admin(http.MethodPatch, adminapi.PathClients+"/billing", map[string]any{"owner": bob.UserID})
		want(t, r, http.StatusOK)
		r = e.admin(http.MethodPatch, adminapi.PathClients+"/billing", map[string]any{"owner": clear})
		want(t, r, http.StatusOK)
		if got := get(adminapi.PathClients + "/billing"); got.Owner != "" {
			t.Errorf("owner %v: still %q", clear, got.Owner)
		}
	}
	want(t, e.admin(http.MethodDelete, adminapi.PathUsers+"/"+bob.UserID, nil), http.StatusNoContent)
}

// TestClientOwnerHostile: an owner of the wrong type, a client's ID, a
// huge or markup-laden one, each refused with a 400 naming owner and a
// bounded message; an unknown owner filter lists nothing; nothing changed.
func TestClientOwnerHostile(t *testing.T) {
	e := newEnv(t)
	victim := e.createClient(map[string]any{"client_id": "victim", "client_name": "victim"})
	huge := strings.Repeat("u", 20000)
	for _, tc := range []struct {
		what  string
		owner any
	}{
		{"a number", 7},
		{"an object", map[string]any{"user_id": "x"}},
		{"a list", []string{"x"}},
		{"a client's ID", victim.ClientID},
		{"a huge ID", huge},
		{"markup", "<script>alert(1)</script>"},
		{"a path", "../users/x"},
	} {
		for _, method := range []string{http.MethodPost, http.MethodPatch} {
			path := adminapi.PathClients
			body := map[string]any{"client_name": "hostile", "owner": tc.owner}
			if method == http.MethodPatch {
				path += "/victim"
			}
			r := e.do(call{method: method, path: path, token: e.token, body: body, hostile: true})
			if r.status != http.StatusBadRequest {
				t.Errorf("%s %s: %d, want 400\n%.300s", method, tc.what, r.status, r.body)
				continue
			}
			p := r.problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Field != "owner" || len(p.Detail) > 300 {
				t.Errorf("%s %s: %+v", method, tc.what, p)
			}
		}
	}
	r := e.admin(http.MethodGet, adminapi.PathClients+"?owner="+huge[:2000], nil)
	want(t, r, http.StatusOK)
	var l adminapi.ClientList
	r.json(t, &l)
	if len(l.Clients) != 0 {
		t.Errorf("an unknown owner lists %d clients", len(l.Clients))
	}
	r = e.admin(http.MethodGet, adminapi.PathClients+"/victim", nil)
	if strings.Contains(string(r.body), `"owner"`) || !strings.Contains(string(r.body), `"client_name":"victim"`) {
		t.Errorf("the victim changed: %s", r.body)
	}
}
