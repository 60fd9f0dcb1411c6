package server_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
	"github.com/tokenmint/tokenmint/token"
)

// cluster starts three instances on one PostgreSQL schema and one Redis,
// on different ports, sharing a clock, as behind a load balancer.
func cluster(t *testing.T, opts ...servertest.Option) [3]*servertest.Instance {
	t.Helper()
	dsn := storetest.PostgresDSN(t)
	redisURL := os.Getenv("TOKENMINT_TEST_REDIS")
	if redisURL == "" {
		t.Skip("TOKENMINT_TEST_REDIS not set: set it to a Redis URL (e.g. redis://127.0.0.1:6379/0) to run the multi-instance tests")
	}
	clock := servertest.NewClock()
	var out [3]*servertest.Instance
	for i := range out {
		cfg := config.Default()
		cfg.Issuer = "https://auth.cluster.test" // one issuer behind the load balancer
		cfg.Database = dsn
		cfg.Redis = redisURL
		for _, o := range opts {
			o(&cfg)
		}
		out[i] = servertest.StartWithClock(t, clock, cfg)
	}
	return out
}

// eventually retries check until it passes or the deadline (the issue's
// "within 2 seconds" plus scheduling slack) passes.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func introspectOn(t *testing.T, in *servertest.Instance, c servertest.Client, tok string) bool {
	t.Helper()
	status, _, body := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
	if status != 200 {
		t.Fatalf("introspect on %s: %d %v", in.URL, status, body)
	}
	return body["active"] == true
}

// TestClusterBehavesAsOne: issue on A, introspect everywhere, revoke on
// C: inactive on C at once, and on A and B, which cached what they read,
// once they have read the revocation feed (package store/cache, every
// 250 ms) — for both token formats. Without the opaque token cache
// (token_cache_entries 0) an opaque token is read from the database on
// each introspection, and its revocation is seen everywhere at once.
func TestClusterBehavesAsOne(t *testing.T) {
	for _, cached := range []bool{true, false} {
		t.Run(map[bool]string{true: "token cache", false: "no token cache"}[cached], func(t *testing.T) {
			n := cluster(t, func(c *config.Config) {
				if !cached {
					c.TokenCacheEntries = 0
				}
			})
			a, b, c := n[0], n[1], n[2]
			for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
				cl := a.CreateClient(t, registry.ClientSpec{TokenFormat: format})
				tok := issue(t, a, cl, "")
				for i, in := range n {
					if !introspectOn(t, in, cl, tok) {
						t.Fatalf("%s token issued on A inactive on instance %d", format, i)
					}
				}
				if status, _, body := post(t, c.URL+"/oauth2/revoke", url.Values{"token": {tok}}, cl.ID, cl.Secret); status != 200 {
					t.Fatalf("revoke on C: %d %v", status, body)
				}
				if introspectOn(t, c, cl, tok) {
					t.Fatalf("%s token revoked on C still active on C", format)
				}
				if format == tokenmint.FormatOpaque && !cached {
					for i, in := range n[:2] {
						if introspectOn(t, in, cl, tok) {
							t.Fatalf("opaque token revoked on C still active on instance %d without the token cache", i)
						}
					}
				}
				for i, in := range []*servertest.Instance{a, b} {
					eventually(t, 2*time.Second, fmt.Sprintf("%s token revoked on C inactive on instance %d", format, i), func() bool {
						return !introspectOn(t, in, cl, tok)
					})
				}
			}
		})
	}
}

// TestClusterRefreshReuseAcrossInstances: rotation on A, then the spent
// refresh token presented to B is detected as reuse and kills the family
// everywhere.
func TestClusterRefreshReuseAcrossInstances(t *testing.T) {
	n := cluster(t)
	cl := n[0].CreateClient(t, registry.ClientSpec{GrantTypes: []string{"password", "refresh_token"}, Scopes: []string{"read"}})
	n[0].CreateUser(t, "zoe", "correct horse battery")
	form := url.Values{"grant_type": {"password"}, "username": {"zoe"}, "password": {"correct horse battery"}}
	status, _, first := post(t, n[0].URL+"/oauth2/token", form, cl.ID, cl.Secret)
	if status != 200 {
		t.Fatalf("password grant: %d %v", status, first)
	}
	refresh := func(in *servertest.Instance, rt string) (int, map[string]any) {
		s, _, body := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, cl.ID, cl.Secret)
		return s, body
	}
	status, second := refresh(n[0], first["refresh_token"].(string))
	if status != 200 {
		t.Fatalf("refresh on A: %d %v", status, second)
	}
	status, body := refresh(n[1], first["refresh_token"].(string))
	if status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse on B: %d %v, want invalid_grant", status, body)
	}
	if status, body := refresh(n[2], second["refresh_token"].(string)); status != 400 {
		t.Fatalf("family survived reuse: refresh on C %d %v", status, body)
	}
	// B revoked the family: its access tokens reach C's revocation list
	// by C's next poll.
	eventually(t, 2*time.Second, "access token of the family revoked on B inactive on C", func() bool {
		return !introspectOn(t, n[2], cl, second["access_token"].(string))
	})
}

// TestClusterClientDeletion: a client deleted through A's database is
// refused by B and C within two seconds, although they had it cached.
func TestClusterClientDeletion(t *testing.T) {
	n := cluster(t)
	cl := n[0].CreateClient(t, registry.ClientSpec{})
	for _, in := range n {
		issue(t, in, cl, "") // warm every cache
	}
	if err := n[0].Registry.Store.DeleteClient(context.Background(), cl.ID); err != nil {
		t.Fatal(err)
	}
	for _, in := range n[1:] {
		eventually(t, 2500*time.Millisecond, "deleted client refused on "+in.URL, func() bool {
			status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
			return status == 401
		})
	}
}

// TestClusterKeyRotation: a key rotated through the shared database is
// published by every instance and signs everywhere within seconds; the
// previous key stays published.
func TestClusterKeyRotation(t *testing.T) {
	n := cluster(t)
	cl := n[0].CreateClient(t, registry.ClientSpec{})
	old := issue(t, n[1], cl, "")
	ks := token.NewKeyset(n[0].Registry.Store, servertest.TestMasterKey.Derive(token.PurposeKeyEncryption), token.KeysetOptions{Now: n[0].Clock.Now})
	if err := ks.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated, err := ks.Rotate(context.Background(), tokenmint.AlgES256, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range n {
		eventually(t, 3*time.Second, "new key signing on "+in.URL, func() bool {
			_, header := verifyWithJWKS(t, in.URL, issue(t, in, cl, ""), "ES256")
			return header.KeyID == rotated.ID
		})
		if _, header := verifyWithJWKS(t, in.URL, old, "ES256"); header.KeyID == rotated.ID {
			t.Fatal("old token claims the new kid")
		}
		if !introspectOn(t, in, cl, old) {
			t.Fatalf("token signed by the previous key inactive on %s", in.URL)
		}
	}
}

// TestClusterSharedIPLimit: a per-IP token limit holds across the three
// instances because its state lives in Redis.
func TestClusterSharedIPLimit(t *testing.T) {
	n := cluster(t, func(c *config.Config) { c.TokenRateLimit = "4/1h" })
	rc := redisClient(t)
	rc.Del(context.Background(), "tokenmint:rl:token:ip:127.0.0.1")
	t.Cleanup(func() { rc.Del(context.Background(), "tokenmint:rl:token:ip:127.0.0.1") })
	cl := n[0].CreateClient(t, registry.ClientSpec{})
	allowed := 0
	for i := range 9 {
		status, h, body := post(t, n[i%3].URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, cl.ID, cl.Secret)
		switch status {
		case 200:
			allowed++
		case 429:
			wantRateLimited(t, status, h, body, time.Hour)
		default:
			t.Fatalf("status %d %v", status, body)
		}
	}
	if allowed != 4 {
		t.Fatalf("%d requests allowed across three instances, want 4", allowed)
	}
}

func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(os.Getenv("TOKENMINT_TEST_REDIS"))
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opts)
	t.Cleanup(func() { rc.Close() })
	return rc
}
