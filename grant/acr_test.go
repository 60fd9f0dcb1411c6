package grant_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/registry"
)

// idTokenClaims are the claims of an ID token the engine signed (its
// signature is the keyset's business, tested there).
func idTokenClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("ID token %q: %v", raw, err)
	}
	var m map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestACRAMROnEveryGrant: the ID tokens of the code, device and password
// grants state how the user signed in (OIDC Core §2 acr, amr), the
// device grant as the code flow does for the session the user approved
// in, the password grant a password (RFC 8176 "pwd"); the ID token of a
// refresh keeps the original auth_time, acr and amr (OIDC Core §12.2).
func TestACRAMROnEveryGrant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, cred := f.client(t, registry.ClientSpec{
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantPassword, tokenmint.GrantDeviceCode},
		Scopes:       []string{"openid", "read"},
		RedirectURIs: []string{"https://app.example/cb"},
	})
	u := f.user(t, "gwen", "correct horse battery")
	signedIn := f.clock().Add(-time.Minute)
	// A session whose amr is not the default, so that a grant reporting
	// ["pwd"] without reading the session would be caught.
	sess := tokenmint.LoginSession{ID: "sess-acr", UserID: u.ID, AuthTime: signedIn, ExpiresAt: f.clock().Add(time.Hour),
		ACR: grant.ACRPassword, AMR: []string{"pwd", "hwk"}}
	if err := f.st.CreateLoginSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		issue    func(t *testing.T) *grant.TokenResponse
		acr      string
		amr      []string
		authTime time.Time // zero: the time of the grant
	}{
		{"authorization_code", func(t *testing.T) *grant.TokenResponse {
			a, err := f.e.ValidateAuthorize(ctx, grant.AuthorizeRequest{ResponseType: "code", ClientID: c.ID,
				RedirectURI: "https://app.example/cb", Scope: "openid read", State: "s", Nonce: "n"})
			if err != nil {
				t.Fatal(err)
			}
			code, err := f.e.IssueSessionCode(ctx, a, sess)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := f.exchange(ctx, cred, code)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, grant.ACRPassword, sess.AMR, signedIn},
		{"device_code", func(t *testing.T) *grant.TokenResponse {
			d, err := f.e.DeviceAuthorization(ctx, grant.DeviceAuthorizationRequest{Client: cred, Scope: "openid read"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.e.DecideDevice(ctx, d.UserCode, sess, true, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantDeviceCode, Client: cred, DeviceCode: d.DeviceCode})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, grant.ACRPassword, sess.AMR, signedIn},
		{"password", func(t *testing.T) *grant.TokenResponse {
			resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantPassword, Client: cred,
				Username: "gwen", Password: "correct horse battery", Scope: "openid read"})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, grant.ACRPassword, []string{grant.AMRPassword}, time.Time{}}, // auth_time: the grant's time
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			authTime := tc.authTime
			if authTime.IsZero() {
				authTime = f.clock()
			}
			resp := tc.issue(t)
			f.advance(time.Minute)
			refreshed, err := f.e.Token(ctx, grant.TokenRequest{GrantType: tokenmint.GrantRefreshToken, Client: cred, RefreshToken: resp.RefreshToken})
			if err != nil {
				t.Fatal(err)
			}
			for what, raw := range map[string]string{"issued": resp.IDToken, "refreshed": refreshed.IDToken} {
				id := idTokenClaims(t, raw)
				amr, _ := json.Marshal(id["amr"])
				want, _ := json.Marshal(tc.amr)
				if id["acr"] != tc.acr || string(amr) != string(want) || id["auth_time"] != float64(authTime.Unix()) {
					t.Errorf("%s ID token: acr %v amr %s auth_time %v, want %s %s %d", what, id["acr"], amr, id["auth_time"], tc.acr, want, authTime.Unix())
				}
			}
		})
	}
}
