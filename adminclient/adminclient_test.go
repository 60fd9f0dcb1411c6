package adminclient_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/adminclient"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/internal/openapicheck"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// newClient starts a server with an admin client and returns a Client
// authenticating with its credentials, every exchange checked against
// the OpenAPI document.
func newClient(t *testing.T) (*adminclient.Client, *servertest.Instance, *openapicheck.Seen) {
	t.Helper()
	in := servertest.Start(t)
	ops := in.CreateClient(t, registry.ClientSpec{Name: "ops", Scopes: []string{adminapi.ScopeAdmin}})
	seen := &openapicheck.Seen{}
	ts := &adminclient.ClientCredentials{TokenURL: in.URL + "/oauth2/token", ClientID: ops.ID, ClientSecret: ops.Secret}
	c, err := adminclient.New(in.AdminURL, ts, adminclient.WithHTTPClient(&http.Client{Transport: &openapicheck.Transport{T: t, Seen: seen}}))
	if err != nil {
		t.Fatal(err)
	}
	return c, in, seen
}

// TestEveryMethod calls every method once against a real server and
// checks the client drove every operation of the document.
func TestEveryMethod(t *testing.T) {
	c, in, seen := newClient(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	doc, err := c.OpenAPI(ctx)
	must(err)
	if !strings.Contains(string(doc), `"openapi": "3.1.0"`) {
		t.Errorf("document %.80s", doc)
	}

	created, err := c.CreateClient(ctx, clientmeta.Fields{ClientName: adminclient.Ptr("partner"), Scope: adminclient.Ptr("api"), HasAPIKey: adminclient.Ptr(true)})
	must(err)
	if created.ClientSecret == "" || created.APIKey == "" || created.Scope != "api" {
		t.Errorf("created %+v", created)
	}
	got, err := c.GetClient(ctx, created.ClientID)
	must(err)
	if got.ClientSecret != "" || got.ClientName != "partner" {
		t.Errorf("got %+v", got)
	}
	updated, err := c.UpdateClient(ctx, created.ClientID, clientmeta.Fields{AccessTokenTTL: adminclient.Ptr[int64](300)})
	must(err)
	if updated.AccessTokenTTL != 300 || updated.Scope != "api" {
		t.Errorf("updated %+v", updated)
	}
	list, err := c.ListClients(ctx, "partner", adminclient.ListOptions{PageSize: 10})
	must(err)
	if len(list.Clients) != 1 {
		t.Errorf("listed %+v", list)
	}
	all, err := c.AllClients(ctx, "")
	must(err)
	if len(all) != 2 {
		t.Errorf("all clients: %d", len(all))
	}
	grace := time.Hour
	rotated, err := c.RotateSecret(ctx, created.ClientID, &grace)
	must(err)
	if rotated.ClientSecret == "" || rotated.ClientSecret == created.ClientSecret || rotated.PreviousSecretExpiresAt != in.Clock.Now().Add(time.Hour).Unix() {
		t.Errorf("rotated %+v", rotated)
	}
	_, err = c.RotateSecret(ctx, created.ClientID, nil)
	must(err)
	keyed, err := c.RotateAPIKey(ctx, created.ClientID)
	must(err)
	if keyed.APIKey == "" || keyed.APIKey == created.APIKey {
		t.Errorf("api key %+v", keyed)
	}
	must(c.RevokeTokens(ctx, created.ClientID))
	must(c.DeleteClient(ctx, created.ClientID))
	if _, err := c.GetClient(ctx, created.ClientID); !adminclient.IsNotFound(err) {
		t.Errorf("deleted client: %v", err)
	}

	u, err := c.CreateUser(ctx, adminclient.NewUser{Username: "ada", Password: "a long passphrase", Roles: []string{"admin"}})
	must(err)
	u, err = c.UpdateUser(ctx, u.UserID, adminclient.UserUpdate{Name: adminclient.Ptr("Ada"), Roles: &[]string{}})
	must(err)
	if u.Name != "Ada" || len(u.Roles) != 0 {
		t.Errorf("updated user %+v", u)
	}
	_, err = c.GetUser(ctx, u.UserID)
	must(err)
	ul, err := c.ListUsers(ctx, "ada", adminclient.ListOptions{})
	must(err)
	users, err := c.AllUsers(ctx)
	must(err)
	if len(ul.Users) != 1 || len(users) != 1 {
		t.Errorf("users %+v %+v", ul, users)
	}
	must(c.SetPassword(ctx, u.UserID, "another passphrase"))
	if d, err := c.DisableUser(ctx, u.UserID); err != nil || !d.Disabled {
		t.Errorf("disable: %+v %v", d, err)
	}
	if d, err := c.EnableUser(ctx, u.UserID); err != nil || d.Disabled {
		t.Errorf("enable: %+v %v", d, err)
	}
	must(c.RevokeSessions(ctx, u.UserID))
	owned, err := c.CreateClient(ctx, clientmeta.Fields{ClientName: adminclient.Ptr("ada's app"), Owner: &u.UserID})
	must(err)
	mine, err := c.OwnedClients(ctx, u.UserID)
	must(err)
	if owned.Owner != u.UserID || len(mine) != 1 || mine[0].ClientID != owned.ClientID {
		t.Errorf("owned client %+v, listed %+v", owned, mine)
	}
	if err := c.DeleteUser(ctx, u.UserID); !adminclient.IsConflict(err) {
		t.Errorf("deleting the owner of a client: %v", err)
	}
	_, err = c.UpdateClient(ctx, owned.ClientID, clientmeta.Fields{Owner: adminclient.Ptr("")})
	must(err)
	must(c.DeleteUser(ctx, u.UserID))

	keys, err := c.ListKeys(ctx)
	must(err)
	if len(keys) != 3 {
		t.Errorf("keys %+v", keys)
	}
	fresh, err := c.RotateKeys(ctx, "RS256")
	must(err)
	if len(fresh) != 1 || fresh[0].Alg != "RS256" {
		t.Errorf("rotated keys %+v", fresh)
	}
	_, err = c.RotateKeys(ctx, "")
	must(err)
	if _, err := c.ListAudit(ctx, adminclient.AuditQuery{Since: in.Clock.Now().Add(-time.Hour), Type: "client.created"}); err != nil {
		if e, ok := adminclient.AsError(err); !ok || e.StatusCode != http.StatusNotImplemented {
			t.Errorf("audit: %v", err)
		}
	}
	d, _ := openapicheck.Load(t)
	if missing := seen.Missing(d); len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("operations the client never called: %v", missing)
	}
}

// TestErrors: a refusal comes back as an *Error with the problem's code,
// the member at fault and the challenge.
func TestErrors(t *testing.T) {
	c, in, _ := newClient(t)
	ctx := context.Background()
	_, err := c.CreateClient(ctx, clientmeta.Fields{ClientName: adminclient.Ptr("x"), GrantTypes: &[]string{"implicit"}})
	e, ok := adminclient.AsError(err)
	if !ok || e.StatusCode != http.StatusBadRequest || e.Problem.Code != clientmeta.CodeInvalidClientMetadata || e.Field() != "grant_types" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "invalid_client_metadata") {
		t.Errorf("message %q", err)
	}
	if _, err := c.GetUser(ctx, "nobody"); !adminclient.IsNotFound(err) {
		t.Errorf("unknown user: %v", err)
	}

	bad, err := adminclient.New(in.AdminURL, adminclient.StaticToken("nope"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.ListKeys(ctx)
	if e, ok := adminclient.AsError(err); !ok || e.StatusCode != http.StatusUnauthorized || !strings.Contains(e.Challenge, `error="invalid_token"`) {
		t.Errorf("bad token: %#v", err)
	}
	wrong := &adminclient.ClientCredentials{TokenURL: in.URL + "/oauth2/token", ClientID: "nope", ClientSecret: "nope"}
	bad, _ = adminclient.New(in.AdminURL, wrong)
	if _, err := bad.ListKeys(ctx); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("wrong client credentials: %v", err)
	}
	if _, err := adminclient.New("127.0.0.1:8081", adminclient.StaticToken("x")); err == nil {
		t.Error("a URL without a scheme was accepted")
	}
	if _, err := adminclient.New("http://x", nil); err == nil {
		t.Error("no token source was accepted")
	}
	var target *adminclient.Error
	if errors.As(errors.New("plain"), &target) {
		t.Error("AsError matched a plain error")
	}
}

// TestTokenReuse: the client credentials token is fetched once and used
// until shortly before it expires.
func TestTokenReuse(t *testing.T) {
	in := servertest.Start(t)
	ops := in.CreateClient(t, registry.ClientSpec{Name: "ops", Scopes: []string{adminapi.ScopeAdmin}, AccessTTL: time.Hour})
	counting := &countingTransport{}
	ts := &adminclient.ClientCredentials{TokenURL: in.URL + "/oauth2/token", ClientID: ops.ID, ClientSecret: ops.Secret, HTTPClient: &http.Client{Transport: counting}}
	c, _ := adminclient.New(in.AdminURL, ts)
	for range 3 {
		if _, err := c.ListKeys(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if counting.n != 1 {
		t.Errorf("%d token requests for 3 calls, want 1", counting.n)
	}
}

type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return http.DefaultTransport.RoundTrip(r)
}
