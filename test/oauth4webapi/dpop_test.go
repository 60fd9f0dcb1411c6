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
	"github.com/tokenmint/tokenmint/store/storetest"
)

// TestOAuth4WebAPIDPoP: oauth4webapi's DPoP() handle against a real
// server (dpop.mjs), nonces on (the default): client_credentials with a
// nonce challenge then a retry (isDPoPNonceError), the public client's
// password grant, UserInfo with the DPoP scheme, the bound token refused
// as a bearer token, a refresh with another key refused and with the
// family's key accepted. On SQLite always, on PostgreSQL when
// TOKENMINT_TEST_POSTGRES is set (proof jtis are spent in the store).
func TestOAuth4WebAPIDPoP(t *testing.T) {
	node := requireNode(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "tokenmint.db")
			if backend == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			runDPoPScript(t, node, dsn)
		})
	}
}

// runDPoPScript starts a server on database dsn and runs dpop.mjs
// against it.
func runDPoPScript(t *testing.T, node, dsn string) {
	clock := servertest.NewClock()
	realTime(t, clock)
	cfg := config.Default()
	cfg.Issuer = ""
	cfg.Database = dsn
	in := servertest.StartWithClock(t, clock, cfg)
	in.CreateUser(t, "ada", "correct horse battery")
	cc := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi cc", AuthMethod: tokenmint.AuthMethodSecretPost,
		GrantTypes: []string{tokenmint.GrantClientCredentials}, Scopes: []string{"api"}})
	pub := in.CreateClient(t, registry.ClientSpec{Name: "oauth4webapi public", Public: true,
		GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}, Scopes: []string{"openid", "profile"}})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "dpop.mjs")
	cmd.Env = append(os.Environ(), "TOKENMINT_ISSUER="+in.Config.Issuer,
		"CC_CLIENT_ID="+cc.ID, "CC_CLIENT_SECRET="+cc.Secret, "PUB_CLIENT_ID="+pub.ID,
		"USERNAME=ada", "PASSWORD=correct horse battery")
	out, err := cmd.CombinedOutput()
	t.Logf("node dpop.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("oauth4webapi: %v", err)
	}
}
