package adminapi_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// eventually retries check until it passes, or fails t after within
// (the 2 seconds) plus a little scheduling slack.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within + 300*time.Millisecond)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestChangesReachEveryInstance: two instances on one database behind
// one issuer; a change made through A's admin API shows in what B does
// within 2 seconds: a client's access token lifetime, a new signing key,
// the revocation of a client's tokens, a deleted client. On a shared
// SQLite file always, on PostgreSQL when TOKENMINT_TEST_POSTGRES is set.
func TestChangesReachEveryInstance(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
			if backend == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			clock := servertest.NewClock()
			cfg := config.Default()
			cfg.Issuer, cfg.Database = "https://auth.cluster.test", dsn
			a := servertest.StartWithClock(t, clock, cfg)
			b := servertest.StartWithClock(t, clock, cfg)
			e := newEnvOn(t, a)
			m := e.createClient(map[string]any{"client_name": "partner"})
			if status, _ := tokenStatus(t, b, m.ClientID, m.ClientSecret); status != http.StatusOK {
				t.Fatalf("B does not know the new client: %d", status)
			}

			start := time.Now()
			want(t, e.admin(http.MethodPatch, adminapi.PathClients+"/"+m.ClientID, map[string]any{"access_token_ttl": 120}), http.StatusOK)
			eventually(t, 2*time.Second, "the new lifetime on B", func() bool {
				_, tr := tokenStatus(t, b, m.ClientID, m.ClientSecret)
				return tr.ExpiresIn == 120
			})
			t.Logf("access_token_ttl reached B in %v", time.Since(start))

			r := e.admin(http.MethodPost, adminapi.PathKeysRotate, map[string]any{"alg": "ES256"})
			want(t, r, http.StatusOK)
			var rotated adminapi.KeyList
			r.json(t, &rotated)
			eventually(t, 2*time.Second, "the new key on B", func() bool {
				_, tr := tokenStatus(t, b, m.ClientID, m.ClientSecret)
				return strings.Contains(jwtHeader(t, tr.AccessToken), rotated.Keys[0].KID) && jwksHas(t, b, rotated.Keys[0].KID)
			})

			_, old := tokenStatus(t, b, m.ClientID, m.ClientSecret)
			clock.Advance(time.Millisecond)
			want(t, e.admin(http.MethodPost, adminapi.PathClients+"/"+m.ClientID+"/revoke-tokens", nil), http.StatusNoContent)
			eventually(t, 2*time.Second, "the revoked token inactive on B", func() bool {
				return !active(t, b, m.ClientID, m.ClientSecret, old.AccessToken)
			})

			_, last := tokenStatus(t, b, m.ClientID, m.ClientSecret)
			want(t, e.admin(http.MethodDelete, adminapi.PathClients+"/"+m.ClientID, nil), http.StatusNoContent)
			eventually(t, 2*time.Second, "the deleted client refused on B", func() bool {
				status, _ := tokenStatus(t, b, m.ClientID, m.ClientSecret)
				return status == http.StatusUnauthorized && !active(t, b, e.ops.ID, e.ops.Secret, last.AccessToken)
			})
		})
	}
}

// jwksHas reports whether in publishes the key kid.
func jwksHas(t *testing.T, in *servertest.Instance, kid string) bool {
	t.Helper()
	resp, err := http.Get(in.URL + "/oauth2/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	json.NewDecoder(resp.Body).Decode(&set)
	for _, k := range set.Keys {
		if k.KID == kid {
			return true
		}
	}
	return false
}
