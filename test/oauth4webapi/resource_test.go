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

// TestOAuth4WebAPIResourceIndicators: oauth4webapi through resource
// indicators (RFC 8707) and JWT introspection responses (RFC 9701) on a
// real server (resource_introspection.mjs): two resources bound at the
// authorization endpoint, the code's token request narrowing to one, a
// refresh getting them all back and one narrowing to the other, a
// refresh outside the grant refused, client_credentials for two
// resources and hostile ones refused with invalid_target; each token's
// audience checked by oauth4webapi's validateJwtAccessToken as the
// resource servers would; and signed introspection answers verified by
// processIntrospectionResponse and validateApplicationLevelSignature,
// for the client and for the resource server of the token's audience
// (ES256, its introspection_signed_response_alg).
func TestOAuth4WebAPIResourceIndicators(t *testing.T) {
	node := requireNode(t)
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
	in := servertest.StartWithClock(t, clock, cfg)

	const (
		resA = "https://orders.example/api"
		resB = "https://ledger.example/v2?tenant=acme"
		resC = "urn:example:reports"
	)
	in.CreateUser(t, "ada", "correct horse battery")
	web := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi web",
		GrantTypes:   []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantClientCredentials},
		Scopes:       []string{"api"},
		RedirectURIs: []string{"https://app.example/callback"},
		Resources:    []string{resA, resB, resC}})
	rs := in.CreateClient(t, registry.ClientSpec{Name: "orders API", Resources: []string{resA}, IntrospectionAlg: tokenmint.AlgES256})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "resource_introspection.mjs")
	cmd.Env = append(os.Environ(),
		"TOKENMINT_ISSUER="+in.Config.Issuer,
		"RES_A="+resA, "RES_B="+resB, "RES_C="+resC,
		"WEB_CLIENT_ID="+web.ID, "WEB_CLIENT_SECRET="+web.Secret,
		"USERNAME=ada", "PASSWORD=correct horse battery",
		"RS_CLIENT_ID="+rs.ID, "RS_CLIENT_SECRET="+rs.Secret,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("node resource_introspection.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
