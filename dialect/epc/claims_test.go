package epc_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/dialect/dialecttest"
	"github.com/tokenmint/tokenmint/dialect/epc"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// tokenWith asks the token endpoint with the partner's Basic credentials
// and the given form, and returns the answer.
func tokenWith(t *testing.T, in *servertest.Instance, c servertest.Client, form string) dialecttest.Response {
	t.Helper()
	req := dialecttest.Request(t, http.MethodPost, in.URL+epc.PathToken, form, "Content-Type", formType)
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	return dialecttest.Do(t, req)
}

// TestProfileClient: a partner created as `client create --profile epc
// --encompass-client-id 007001` gets what the documents describe without
// any other setting: "EPC uses the Client Credentials grant type", scope
// "pc pcapi", tokens active 15 minutes after their last use and 120 at
// most, and the introspection members environment, encompass_instance_id
// ("Test" in the sample), identity_type ("always Partner") and
// encompass_client_id (the Partner ID). The scope "must be pc pcapi":
// omitted, the client's pc pcapi is granted; a part of it, that part.
func TestProfileClient(t *testing.T) {
	in := dialecttest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Name: "partner", Profile: epc.Name, Claims: map[string]string{"encompass_client_id": "007001"}})
	claims := map[string]string{"environment": "Test", "encompass_instance_id": "Test", "identity_type": "Partner", "encompass_client_id": "007001"}
	for _, tc := range []struct{ form, granted string }{
		{"grant_type=client_credentials&scope=pc+pcapi", "pc pcapi"},
		{"grant_type=client_credentials", "pc pcapi"},
		{"grant_type=client_credentials&scope=pc", "pc"},
	} {
		t.Run(tc.form, func(t *testing.T) {
			tok := wantToken(t, tokenWith(t, in, c, tc.form))
			r := introspect(t, in.URL, c, tok)
			if r.JSON["scope"] != tc.granted {
				t.Errorf("scope %v, want %q", r.JSON["scope"], tc.granted)
			}
			r.JSON["scope"] = "pc pcapi" // the rest as documented
			wantIntrospection(t, in, r, c.ID, claims)
		})
	}
	tok := wantToken(t, tokenWith(t, in, c, "grant_type=client_credentials"))
	in.Clock.Advance(15 * time.Minute)
	wantInactive(t, introspect(t, in.URL, c, tok))
	for _, grant := range []string{"password&username=a&password=b", "refresh_token&refresh_token=x"} {
		r := dialecttest.Do(t, dialecttest.Request(t, http.MethodPost, in.URL+"/oauth2/token", "grant_type="+grant,
			"Content-Type", formType, "Authorization", dialecttest.Basic(c.ID, c.Secret)))
		if r.Status != http.StatusBadRequest || r.JSON["error"] != "unauthorized_client" {
			t.Errorf("grant_type=%s at the standard endpoint: %d %s, want unauthorized_client", grant, r.Status, r.Raw)
		}
	}
}

// TestOtherPartnersToken: a partner introspects and revokes its own
// tokens. Another partner's token is "not valid" to it (RFC 7662 §4: no
// probing of other clients' tokens), and revoking it is an error ("If the
// token is successfully revoked ... 204. Otherwise, an error is
// returned", RFC 7009 §2.1) that leaves the token alone.
func TestOtherPartnersToken(t *testing.T) {
	in := dialecttest.Start(t)
	a := in.CreateClient(t, registry.ClientSpec{Name: "partner a", Profile: epc.Name})
	b := in.CreateClient(t, registry.ClientSpec{Name: "partner b", Profile: epc.Name})
	tok := token(t, in.URL, a)
	wantInactive(t, introspect(t, in.URL, b, tok))
	req := dialecttest.Request(t, http.MethodPost, in.URL+epc.PathRevocation, "token="+tok, "Content-Type", formType)
	req.SetBasicAuth(b.ID, b.Secret)
	if r := dialecttest.Do(t, req); r.Status != http.StatusBadRequest || r.JSON["error"] != "unauthorized_client" {
		t.Fatalf("revoking another partner's token: %d %s, want 400 unauthorized_client", r.Status, r.Raw)
	}
	if r := introspect(t, in.URL, a, tok); r.Status != http.StatusOK || r.JSON["active"] != true {
		t.Fatalf("the token after another partner tried to revoke it: %d %s", r.Status, r.Raw)
	}
	// A resource server named in a token's audience introspects it; a
	// wrong token_type_hint is only a hint.
	api := in.CreateClient(t, registry.ClientSpec{Name: "loan API"})
	aud := in.CreateClient(t, registry.ClientSpec{Name: "partner c", Profile: epc.Name, Audience: []string{api.ID}})
	req = dialecttest.Request(t, http.MethodPost, in.URL+epc.PathIntrospection, "token_type_hint=refresh_token&token="+token(t, in.URL, aud),
		"Content-Type", formType, "Authorization", dialecttest.Basic(api.ID, api.Secret))
	if r := dialecttest.Do(t, req); r.Status != http.StatusOK || r.JSON["client_id"] != aud.ID {
		t.Fatalf("the audience's introspection: %d %s, want the token's answer", r.Status, r.Raw)
	}
}

// TestRevocationAnswers: 204 when the token is revoked, and also for a
// token that is already revoked, expired or unknown: there is nothing
// left to revoke, which RFC 7009 §2.2 counts as success. Without a token
// it is an error.
func TestRevocationAnswers(t *testing.T) {
	in := dialecttest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{Name: "partner", Profile: epc.Name})
	revoke := func(form string) dialecttest.Response {
		t.Helper()
		req := dialecttest.Request(t, http.MethodPost, in.URL+epc.PathRevocation, form, "Content-Type", formType)
		req.SetBasicAuth(c.ID, c.Secret)
		return dialecttest.Do(t, req)
	}
	tok := token(t, in.URL, c)
	expired := token(t, in.URL, c)
	for _, tc := range []struct{ name, form string }{
		{"active token", "token=" + tok},
		{"already revoked", "token=" + tok},
		{"unknown token", "token=tmat_unknown"},
		{"not a token at all", "token=x"},
	} {
		if r := revoke(tc.form); r.Status != http.StatusNoContent || len(r.Raw) != 0 {
			t.Errorf("%s: %d %q, want 204 without a body", tc.name, r.Status, r.Raw)
		}
	}
	in.Clock.Advance(2 * time.Hour)
	if r := revoke("token=" + expired); r.Status != http.StatusNoContent {
		t.Errorf("expired token: %d %s, want 204", r.Status, r.Raw)
	}
	if r := revoke("token_type_hint=access_token"); r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_request" {
		t.Errorf("no token: %d %s, want 400 invalid_request", r.Status, r.Raw)
	}
}
