package oauth4webapi_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
)

// TestOpenIDClient: panva's openid-client (v6), a relying party library,
// through OpenID Connect on real servers (oidc.mjs): discovery; the code
// flow with PKCE and a nonce, the ID token validated by
// authorizationCodeGrant (sid, auth_time, acr, amr); fetchUserInfo with
// the expected sub; refreshTokenGrant keeping sub, auth_time, acr and amr
// (OIDC Core §12.2); the claims parameter (§5.5); login_hint; acr_values;
// max_age (auth_time checked by the client); prompt=none with a session
// and without (login_required); pairwise subjects of two sectors;
// tokenIntrospection, tokenRevocation, clientCredentialsGrant; the
// password grant (genericGrantRequest) with acr and amr kept by its
// refresh; and buildEndSessionUrl (RP-Initiated Logout), with client_id
// and with the id_token_hint alone (another client's hint refused),
// after which the relying party's backchannel_logout_uri, served by the
// script, receives a logout token it validates per OIDC Back-Channel
// Logout 1.0 §2.6.
func TestOpenIDClient(t *testing.T) {
	node := requireNode(t)
	if _, err := os.Stat(filepath.Join("node_modules", "openid-client", "package.json")); err != nil {
		t.Skip("openid-client is not installed in test/oauth4webapi/node_modules: run `npm ci --prefix test/oauth4webapi`")
	}
	onBackends(t, func(t *testing.T, database func() string) {
		// The worker posts logout tokens to the script on loopback.
		in := startWebServer(t, database(), func(c *config.Config) { c.AllowPrivateFetch = true })
		u, err := in.Server.Store().GetUserByUsername(t.Context(), webUser)
		if err != nil {
			t.Fatal(err)
		}
		const email, name = "ada@example.com", "Ada Lovelace"
		if _, err := in.Registry.UpdateUser(t.Context(), u.ID, func(s *registry.UserSpec) { s.Email, s.Name = email, name }); err != nil {
			t.Fatal(err)
		}
		port := freePort(t)
		rp := webClient(t, in, "openid-client rp", func(s *registry.ClientSpec) {
			s.GrantTypes = []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken}
			s.Scopes = []string{"openid", "profile", "email", "api"}
			s.BackchannelLogoutURI = "http://127.0.0.1:" + port + "/backchannel-logout"
			s.BackchannelLogoutSessionRequired = true
		})
		pairA := webClient(t, in, "openid-client pairwise A", func(s *registry.ClientSpec) { s.SubjectType = tokenmint.SubjectPairwise })
		pairB := webClient(t, in, "openid-client pairwise B", func(s *registry.ClientSpec) {
			s.SubjectType = tokenmint.SubjectPairwise
			s.RedirectURIs = []string{"https://other.example/callback"}
		})
		svc := in.CreateClient(t, registry.ClientSpec{Name: "openid-client service",
			GrantTypes: []string{tokenmint.GrantClientCredentials}, Scopes: []string{"api"}})
		pw := in.CreateClient(t, registry.ClientSpec{Name: "openid-client password",
			GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}, Scopes: []string{"openid"}})
		runNode(t, node, "oidc.mjs",
			"TOKENMINT_ISSUER="+in.Config.Issuer, "USERNAME="+webUser, "PASSWORD="+webPassword, "EMAIL="+email, "NAME="+name,
			"RP_CLIENT_ID="+rp.ID, "RP_CLIENT_SECRET="+rp.Secret, "LOGOUT_PORT="+port,
			"PAIRA_CLIENT_ID="+pairA.ID, "PAIRA_CLIENT_SECRET="+pairA.Secret,
			"PAIRB_CLIENT_ID="+pairB.ID, "PAIRB_CLIENT_SECRET="+pairB.Secret,
			"SVC_CLIENT_ID="+svc.ID, "SVC_CLIENT_SECRET="+svc.Secret,
			"PW_CLIENT_ID="+pw.ID, "PW_CLIENT_SECRET="+pw.Secret,
		)
	})
}

// freePort is a loopback TCP port free a moment ago, for a listener the
// Node script opens (its URL is registered before the script runs).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
