package oauth4webapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestOAuth4WebAPIFederation: oauth4webapi's genericTokenEndpointRequest (3.8.9; later versions name it genericGrantRequest) through
// the JWT bearer grant and token exchange on a real server
// (federation.mjs): discovery lists both grants; a public CI client
// trades its issuer's JWT for an access token, and the replayed, the
// wrong-subject and the expired JWTs are refused with invalid_grant; a
// service exchanges a token meant for it for the ledger, and is refused
// another audience (invalid_target) and a forged subject token
// (invalid_request).
func TestOAuth4WebAPIFederation(t *testing.T) {
	node := requireNode(t)
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.AllowPrivateFetch = true // the external issuer is an httptest server
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	in := servertest.StartWithClock(t, clock, cfg)
	is := servertest.NewIssuer(t, clock)

	const aud, ledger = "https://tokenmint.test/ci", "https://ledger.example"
	ci := in.CreateClient(t, registry.ClientSpec{Name: "ci", Public: true, AuthMethod: tokenmint.AuthMethodNone,
		GrantTypes: []string{tokenmint.GrantJWTBearer}, Scopes: []string{"deploy"},
		JWTBearerTrusts: []tokenmint.JWTTrust{{Issuer: is.URL, Audience: aud, Subject: "repo:org/app:ref:refs/heads/*",
			Claims: []tokenmint.ClaimCondition{{Name: "repository", Value: "org/app"}}, Scopes: []string{"deploy"}}}})
	svc := in.CreateClient(t, registry.ClientSpec{Name: "service", GrantTypes: []string{tokenmint.GrantTokenExchange},
		Scopes: []string{"read"}, TokenExchangeAudiences: []string{ledger}})
	front := in.CreateClient(t, registry.ClientSpec{Name: "frontend", Scopes: []string{"read"}, Audience: []string{svc.ID}})

	jwt := func(sub string, exp time.Duration) string {
		c := is.Claims(sub, aud)
		c["repository"] = "org/app"
		c["exp"] = time.Now().Add(exp).Unix()
		if exp < 0 {
			c["iat"], c["nbf"] = time.Now().Add(2*exp).Unix(), time.Now().Add(2*exp).Unix()
		}
		return is.Sign(t, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "federation.mjs")
	cmd.Env = append(os.Environ(),
		"TOKENMINT_ISSUER="+in.Config.Issuer, "EXT_ISSUER="+is.URL, "CI_CLIENT_ID="+ci.ID,
		"GOOD_JWT="+jwt("repo:org/app:ref:refs/heads/main", 5*time.Minute),
		"WRONG_SUBJECT_JWT="+jwt("repo:org/app:ref:refs/tags/v1", 5*time.Minute),
		"EXPIRED_JWT="+jwt("repo:org/app:ref:refs/heads/main", -5*time.Minute),
		"FRONT_CLIENT_ID="+front.ID, "FRONT_CLIENT_SECRET="+front.Secret,
		"SVC_CLIENT_ID="+svc.ID, "SVC_CLIENT_SECRET="+svc.Secret, "LEDGER="+ledger,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node federation.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
