package grant_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/registry"
)

// onlyEvent fails unless exactly one event of type typ was recorded.
func onlyEvent(t *testing.T, f *fixture, typ string) tokenmint.AuditEvent {
	t.Helper()
	es := f.audit.take()
	if len(es) != 1 || es[0].Type != typ {
		t.Fatalf("recorded %+v; want exactly one %s", es, typ)
	}
	return es[0]
}

// TestAuditTokenRefused: the check that refused a request, the client
// only once it is known to exist, the actor only once it authenticated.
func TestAuditTokenRefused(t *testing.T) {
	f := newFixture(t)
	_, cred := f.client(t, registry.ClientSpec{Scopes: []string{"api"}})
	pub, pubCred := f.client(t, registry.ClientSpec{Public: true, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example/cb"}})
	wrong := cred
	wrong.Secret = "sk_wrong_3f9a"
	withSecret := pubCred
	withSecret.Secret = "s"
	cases := []struct {
		name            string
		req             grant.TokenRequest
		check           string
		clientID, actor string
	}{
		{"no grant type", grant.TokenRequest{Client: cred}, "invalid_request", "", ""},
		{"unsupported grant", grant.TokenRequest{GrantType: "urn:x", Client: cred}, "unsupported_grant_type", "", ""},
		{"unknown client", grant.TokenRequest{GrantType: "client_credentials", Client: grant.Credentials{ID: "nobody", Secret: "s"}}, "invalid_client", "", ""},
		{"wrong secret", grant.TokenRequest{GrantType: "client_credentials", Client: wrong}, "invalid_client", cred.ID, ""},
		{"public client with a secret", grant.TokenRequest{GrantType: "authorization_code", Client: withSecret}, "invalid_client", pub.ID, ""},
		{"grant not allowed", grant.TokenRequest{GrantType: "password", Client: cred}, "unauthorized_client", cred.ID, cred.ID},
		{"scope not allowed", grant.TokenRequest{GrantType: "client_credentials", Client: cred, Scope: "admin"}, "invalid_scope", cred.ID, cred.ID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.ClientIP = "198.51.100.7"
			if _, err := f.e.Token(context.Background(), tc.req); err == nil {
				t.Fatal("request not refused")
			}
			ev := onlyEvent(t, f, tokenmint.AuditTokenRefused)
			if ev.Details["check"] != tc.check || ev.ClientID != tc.clientID || ev.Actor != tc.actor || ev.IP != "198.51.100.7" {
				t.Errorf("event %+v; want check %s, client %q, actor %q and the IP", ev, tc.check, tc.clientID, tc.actor)
			}
			if strings.Contains(fmt.Sprint(ev), wrong.Secret) || strings.Contains(fmt.Sprint(ev), cred.Secret) {
				t.Errorf("a secret is in the event: %+v", ev)
			}
		})
	}
}

// TestAuditSignIn: each outcome of AuthenticateUser is one event, a
// failure with its reason and the user when the username exists.
func TestAuditSignIn(t *testing.T) {
	f := newFixture(t)
	u := f.user(t, "ada", "correct horse battery")
	gone := f.user(t, "bob", "correct horse battery")
	if _, err := f.reg.SetDisabled(context.Background(), gone.ID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		username, pw, typ, userID, reason string
	}{
		{"ada", "correct horse battery", tokenmint.AuditSignInSucceeded, u.ID, ""},
		{"ada", "wrong password", tokenmint.AuditSignInFailed, u.ID, "wrong_password"},
		{"nobody", "correct horse battery", tokenmint.AuditSignInFailed, "", "unknown_user"},
		{"bob", "correct horse battery", tokenmint.AuditSignInFailed, gone.ID, "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.username+" "+tc.typ, func(t *testing.T) {
			f.e.AuthenticateUser(context.Background(), grant.SignIn{Username: tc.username, Password: tc.pw, IP: "192.0.2.9", ClientID: "app"})
			ev := onlyEvent(t, f, tc.typ)
			if ev.UserID != tc.userID || ev.ClientID != "app" || ev.IP != "192.0.2.9" || ev.Details["reason"] != tc.reason {
				t.Errorf("event %+v; want user %q, client app, the IP and reason %q", ev, tc.userID, tc.reason)
			}
			if ev.ActorType != tokenmint.ActorUser || (ev.Actor != "") != (tc.typ == tokenmint.AuditSignInSucceeded) {
				t.Errorf("actor %s:%q: want the user only once signed in", ev.ActorType, ev.Actor)
			}
			if strings.Contains(fmt.Sprint(ev), tc.pw) || strings.Contains(fmt.Sprint(ev), tc.username) {
				t.Errorf("the password or username is in the event: %+v", ev)
			}
		})
	}
}

// TestAuditRevokeBearer: a revocation by the token's holder (dialects)
// is recorded with no actor and via bearer; an unknown token records
// nothing.
func TestAuditRevokeBearer(t *testing.T) {
	f := newFixture(t)
	c, cred := f.client(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	resp, err := f.e.Token(context.Background(), grant.TokenRequest{GrantType: "client_credentials", Client: cred})
	if err != nil {
		t.Fatal(err)
	}
	f.audit.take()
	if err := f.e.RevokeBearer(context.Background(), resp.AccessToken); err != nil {
		t.Fatal(err)
	}
	ev := onlyEvent(t, f, tokenmint.AuditTokenRevoked)
	if ev.Actor != "" || ev.ClientID != c.ID || ev.Details["via"] != "bearer" || ev.Details["format"] != tokenmint.FormatOpaque {
		t.Errorf("event %+v", ev)
	}
	if err := f.e.RevokeBearer(context.Background(), resp.AccessToken); err != nil {
		t.Fatal(err)
	}
	if es := f.audit.take(); len(es) != 0 {
		t.Errorf("revoking a revoked token recorded %+v", es)
	}
}
