package main

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// remoteSetup is a real server, an admin client of it, and two
// environments for the CLI: local (its database and master key) and
// remote (its admin listener, the admin client's credentials, the issuer
// whose metadata names the token endpoint).
type remoteSetup struct {
	in            *servertest.Instance
	local, remote env
	admin         servertest.Client
}

func newRemoteSetup(t *testing.T) *remoteSetup {
	t.Helper()
	in := servertest.Start(t)
	admin := in.CreateClient(t, registry.ClientSpec{Name: "ops", Scopes: []string{adminapi.ScopeAdmin}})
	return &remoteSetup{
		in:    in,
		admin: admin,
		local: env{
			"TOKENMINT_DATABASE":           in.Config.Database,
			"TOKENMINT_MASTER_KEY":         servertest.TestMasterKey.Encode(),
			"TOKENMINT_ARGON2_MEMORY":      "64",
			"TOKENMINT_ARGON2_ITERATIONS":  "1",
			"TOKENMINT_ARGON2_PARALLELISM": "1",
		},
		remote: env{
			"TOKENMINT_SERVER":              in.AdminURL,
			"TOKENMINT_ADMIN_CLIENT_ID":     admin.ID,
			"TOKENMINT_ADMIN_CLIENT_SECRET": admin.Secret,
			"TOKENMINT_ISSUER":              in.URL,
		},
	}
}

// token asks the server's token endpoint for a client_credentials token.
func (s *remoteSetup) token(t *testing.T, id, secret, scope string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest(http.MethodPost, s.in.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

// sameJSON compares two JSON outputs, updated_at aside (the admin API
// does not answer a client's).
func sameJSON(t *testing.T, what string, local, remote result) {
	t.Helper()
	norm := func(r result) any {
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", what, err, r.stdout)
		}
		var strip func(any)
		strip = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if _, ok := v["client_id"]; ok {
					delete(v, "updated_at")
				}
				for _, x := range v {
					strip(x)
				}
			case []any:
				for _, x := range v {
					strip(x)
				}
			}
		}
		strip(v)
		return v
	}
	if l, r := norm(local), norm(remote); !reflect.DeepEqual(l, r) {
		t.Errorf("%s: local and remote outputs differ:\nlocal  %s\nremote %s", what, local.stdout, remote.stdout)
	}
}

// TestRemoteClients: every client command works through the admin API
// with the same flags and the same output as against the database.
func TestRemoteClients(t *testing.T) {
	s := newRemoteSetup(t)
	created := decode[clientView](t, s.remote.ok(t, "", "client", "create", "--name", "partner", "--profile", "epc",
		"--environment", "Prod", "--claim", "tier=gold", "--output", "json"))
	if created.ClientSecret == "" || created.Profile != "epc" || created.Claims["environment"] != "Prod" || created.IdleTTL != "15m0s" {
		t.Fatalf("remote create: %+v", created)
	}
	id := created.ClientID
	if status, body := s.token(t, id, created.ClientSecret, "pc"); status != http.StatusOK {
		t.Fatalf("the secret the remote create printed gets no token: %d %v", status, body)
	}
	for _, args := range [][]string{{"client", "get", id}, {"client", "list", "--output", "json"}} {
		sameJSON(t, strings.Join(args, " "), s.local.ok(t, "", args...), s.remote.ok(t, "", args...))
	}
	if l, r := s.local.ok(t, "", "client", "list"), s.remote.ok(t, "", "client", "list"); l.stdout != r.stdout {
		t.Errorf("client list tables differ:\nlocal\n%s\nremote\n%s", l.stdout, r.stdout)
	}

	upd := s.remote.ok(t, "", "client", "update", id, "--access-ttl", "30m", "--claim", "tier=", "--name", "Partner Co")
	v := decode[clientView](t, upd)
	if v.AccessTTL != "30m0s" || v.Name != "Partner Co" || !maps.Equal(v.Claims, map[string]string{"environment": "Prod",
		"encompass_instance_id": "Prod", "identity_type": "Partner", "encompass_client_id": id}) {
		t.Errorf("remote update: %+v", v)
	}
	sameJSON(t, "client get after update", s.local.ok(t, "", "client", "get", id), s.remote.ok(t, "", "client", "get", id))
	if status, body := s.token(t, id, created.ClientSecret, "pc"); status != http.StatusOK || body["expires_in"] != float64(1800) {
		t.Errorf("token after the update: %d %v", status, body)
	}

	// rotate-secret: the old secret ends at once, or after --grace.
	rotated := decode[map[string]string](t, s.remote.ok(t, "", "client", "rotate-secret", id))
	if status, _ := s.token(t, id, created.ClientSecret, "pc"); status != http.StatusUnauthorized {
		t.Errorf("the old secret still works after rotate-secret: %d", status)
	}
	if status, _ := s.token(t, id, rotated["client_secret"], "pc"); status != http.StatusOK || rotated["client_id"] != id {
		t.Errorf("the rotated secret: %d %v", status, rotated)
	}
	graced := decode[map[string]string](t, s.remote.ok(t, "", "client", "rotate-secret", id, "--grace", "1h"))
	if status, _ := s.token(t, id, rotated["client_secret"], "pc"); status != http.StatusOK {
		t.Errorf("the secret replaced with --grace 1h stopped working: %d", status)
	}
	if status, _ := s.token(t, id, graced["client_secret"], "pc"); status != http.StatusOK {
		t.Errorf("the new secret: %d", status)
	}
	key := decode[map[string]string](t, s.remote.ok(t, "", "client", "rotate-api-key", id))
	if !strings.HasPrefix(key["api_key"], "tmak_") {
		t.Errorf("rotate-api-key: %v", key)
	}
	if got := decode[clientView](t, s.local.ok(t, "", "client", "get", id)); !got.HasAPIKey {
		t.Error("the API key made remotely is not stored")
	}

	if r := s.remote.ok(t, "", "client", "delete", id); r.stdout != "deleted client "+id+"\n" {
		t.Errorf("remote delete: %q", r.stdout)
	}
	for _, e := range []env{s.local, s.remote} {
		if r := e.exec(t, "", "client", "get", id); r.code != exitFailure || r.stderr != "tokenmint: client get: client \""+id+"\" not found\n" {
			t.Errorf("get after delete: %d %q", r.code, r.stderr)
		}
	}
}

// TestRemoteUsersAndKeys: the user and keys commands, remote and local.
func TestRemoteUsersAndKeys(t *testing.T) {
	s := newRemoteSetup(t)
	created := decode[userView](t, s.remote.ok(t, "a long passphrase\n", "user", "create", "--username", "erin", "--email", "erin@example.com",
		"--name", "Erin", "--role", "admin", "--password-stdin"))
	if created.Username != "erin" || !slices.Equal(created.Roles, []string{"admin"}) {
		t.Errorf("remote user create: %+v", created)
	}
	for _, args := range [][]string{{"user", "get", "erin"}, {"user", "list", "--output", "json"}} {
		sameJSON(t, strings.Join(args, " "), s.local.ok(t, "", args...), s.remote.ok(t, "", args...))
	}
	if r := s.remote.ok(t, "", "user", "disable", "erin"); r.stdout != "disabled user erin\n" {
		t.Errorf("disable: %q", r.stdout)
	}
	if u := decode[userView](t, s.local.ok(t, "", "user", "get", "erin")); !u.Disabled {
		t.Error("disabled remotely, enabled in the database")
	}
	sameJSON(t, "user get disabled", s.local.ok(t, "", "user", "get", "erin"), s.remote.ok(t, "", "user", "get", "erin"))
	s.remote.ok(t, "", "user", "enable", "erin")
	if r := s.remote.ok(t, "another long passphrase\n", "user", "set-password", "erin", "--password-stdin"); r.stdout != "changed the password of user erin\n" {
		t.Errorf("set-password: %q", r.stdout)
	}
	u, err := s.in.Server.Store().GetUserByUsername(t.Context(), "erin")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.in.Registry.PasswordMatches(&u, "another long passphrase"); !ok {
		t.Error("the password set remotely does not match")
	}
	s.remote.ok(t, "", "user", "delete", "erin")
	if r := s.remote.exec(t, "", "user", "get", "erin"); r.code != exitFailure || !strings.Contains(r.stderr, `user "erin" not found`) {
		t.Errorf("get after delete: %d %q", r.code, r.stderr)
	}

	rotated := decode[[]keyView](t, s.remote.ok(t, "", "keys", "rotate", "--alg", "EdDSA", "--output", "json"))
	if len(rotated) != 1 || rotated[0].Alg != "EdDSA" || rotated[0].State != "current" {
		t.Errorf("remote keys rotate: %+v", rotated)
	}
	sameJSON(t, "keys list", s.local.ok(t, "", "keys", "list", "--output", "json"), s.remote.ok(t, "", "keys", "list", "--output", "json"))
}

// TestRemoteAuth: the ways to authenticate, and the errors of each.
func TestRemoteAuth(t *testing.T) {
	s := newRemoteSetup(t)
	_, body := s.token(t, s.admin.ID, s.admin.Secret, "")
	adminToken, _ := body["access_token"].(string)
	reader := s.in.CreateClient(t, registry.ClientSpec{Name: "reader", Scopes: []string{adminapi.ScopeClientsRead}})
	server := env{"TOKENMINT_SERVER": s.in.AdminURL}

	for name, e := range map[string]env{
		"token variable": server.with("TOKENMINT_ADMIN_TOKEN", adminToken),
		"token url":      server.with("TOKENMINT_ADMIN_CLIENT_ID", s.admin.ID, "TOKENMINT_ADMIN_CLIENT_SECRET", s.admin.Secret, "TOKENMINT_TOKEN_URL", s.in.URL+"/oauth2/token"),
		"issuer":         s.remote,
	} {
		if r := e.exec(t, "", "client", "list", "--output", "json"); r.code != exitOK || !strings.Contains(r.stdout, s.admin.ID) {
			t.Errorf("%s: %d %q", name, r.code, r.stderr)
		}
	}
	if r := (env{}).exec(t, "", "client", "list", "--server", s.in.AdminURL, "--token", adminToken); r.code != exitOK {
		t.Errorf("--server --token flags: %d %q", r.code, r.stderr)
	}
	tests := []struct {
		name string
		e    env
		args []string
		code int
		want string
	}{
		{"no credentials", server, []string{"client", "list"}, exitUsage, "--server needs --token"},
		{"no issuer", server.with("TOKENMINT_ADMIN_CLIENT_ID", "a", "TOKENMINT_ADMIN_CLIENT_SECRET", "b"), []string{"client", "list"}, exitUsage, "give --token-url or --issuer"},
		{"half credentials", server.with("TOKENMINT_ADMIN_CLIENT_ID", "a"), []string{"client", "list"}, exitUsage, "go together"},
		{"bad token", server.with("TOKENMINT_ADMIN_TOKEN", "nope"), []string{"client", "list"}, exitFailure, "admin API: 401 invalid_token"},
		{"bad secret", s.remote.with("TOKENMINT_ADMIN_CLIENT_SECRET", "wrong"), []string{"client", "list"}, exitFailure, "invalid_client"},
		{"narrow scope", s.remote.with("TOKENMINT_ADMIN_CLIENT_ID", reader.ID, "TOKENMINT_ADMIN_CLIENT_SECRET", reader.Secret),
			[]string{"client", "create", "--name", "x"}, exitFailure, "403 insufficient_scope"},
		{"local flag", s.remote, []string{"client", "list", "--database", "sqlite:x.db"}, exitUsage, "--database is a setting of local mode"},
		{"remote flag without server", env{}, []string{"client", "list", "--token", "x"}, exitUsage, "--token goes with --server"},
		{"bad server", env{"TOKENMINT_ADMIN_TOKEN": "x"}, []string{"client", "list", "--server", "ftp://x"}, exitUsage, "--server:"},
		{"wrong issuer", s.remote.with("TOKENMINT_ISSUER", s.in.AdminURL), []string{"client", "list"}, exitFailure, "metadata"},
		{"invalid update", s.remote, []string{"client", "update", s.admin.ID, "--grant-type", "authorization_code"}, exitUsage, "redirect"},
		{"unknown client", s.remote, []string{"client", "rotate-secret", "nope"}, exitFailure, `client "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.e.exec(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}
