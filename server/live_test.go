package server_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/password"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store"
	"github.com/tokenmint/tokenmint/store/sqlstore"
	"github.com/tokenmint/tokenmint/token"
)

// openOther opens a second handle on the instance's database, as another
// process (the CLI, another instance) would.
func openOther(t *testing.T, in *servertest.Instance) tokenmint.Store {
	t.Helper()
	other, err := store.Open(t.Context(), in.Config.Database, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// TestClientChangesFromAnotherProcess: a client created, changed and
// deleted through a second handle on the SQLite file (what the CLI does
// while the server runs) takes effect on the server within two seconds,
// although the server caches clients.
func TestClientChangesFromAnotherProcess(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	other := openOther(t, in)
	cli := &registry.Registry{Store: other, Secrets: token.NewHasher(servertest.TestMasterKey.Derive(token.PurposeSecretHash)),
		Passwords: password.NewHasher(servertest.TestPasswordParams), Now: time.Now}
	c, cred, err := cli.CreateClient(ctx, registry.ClientSpec{Name: "live", Scopes: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	tokenStatus := func(scope string) int {
		status, _, _ := post(t, in.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, c.ID, cred.ClientSecret.Reveal())
		return status
	}
	eventually(t, 2*time.Second, "created client usable", func() bool { return tokenStatus("a") == 200 })
	if tokenStatus("b") != 400 {
		t.Fatal("scope b granted before the change")
	}
	if _, err := other.UpdateClient(ctx, c.ID, func(c *tokenmint.Client) error { c.Scopes = append(c.Scopes, "b"); return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "changed client's new scope granted", func() bool { return tokenStatus("b") == 200 })
	if err := other.DeleteClient(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "deleted client refused", func() bool { return tokenStatus("a") == 401 })
}

// TestJWTRevokedByAnotherProcess: the server answers JWT revocation
// checks from memory (package store/cache) and follows the store's
// revocation feed, so a JWT revoked through a second handle on the
// database (another instance, the CLI) turns inactive within a poll; the
// list's size is exported.
func TestJWTRevokedByAnotherProcess(t *testing.T) {
	in := servertest.Start(t)
	ctx := context.Background()
	other := openOther(t, in)
	c := in.CreateClient(t, registry.ClientSpec{})
	tok := issue(t, in, c, "")
	body := introspectActive(t, in, c, tok)
	r := tokenmint.RevokedToken{ID: body["jti"].(string), ClientID: c.ID, ExpiresAt: time.Unix(int64(body["exp"].(float64)), 0)}
	if !strings.Contains(metricsText(t, in.AdminURL), "tokenmint_revoked_tokens 0") {
		t.Fatal("tokenmint_revoked_tokens is not 0 before any revocation")
	}
	if err := other.RevokeJWT(ctx, r); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "JWT revoked by another process inactive", func() bool {
		s, _, b := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
		return s == 200 && b["active"] == false
	})
	if !strings.Contains(metricsText(t, in.AdminURL), "tokenmint_revoked_tokens 1") {
		t.Fatal("tokenmint_revoked_tokens is not 1 after a revocation")
	}
}

// TestOpaqueTokenCachedAndRevokedByAnotherProcess: the server reads an
// opaque token's record once and then answers from memory, and a
// revocation by a second handle on the database (another instance, the
// CLI) reaches it through the revocation feed within a poll.
func TestOpaqueTokenCachedAndRevokedByAnotherProcess(t *testing.T) {
	in := servertest.Start(t)
	other := openOther(t, in)
	c := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	tok := issue(t, in, c, "")
	for range 3 {
		introspectActive(t, in, c, tok)
	}
	m := metricsText(t, in.AdminURL)
	for _, want := range []string{
		`tokenmint_token_cache_lookups_total{result="miss"} 1`,
		`tokenmint_token_cache_lookups_total{result="hit"} 2`,
		"tokenmint_token_cache_entries 1",
	} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics lack %q after three introspections of one token", want)
		}
	}
	id := token.NewHasher(servertest.TestMasterKey.Derive(token.PurposeTokenHash)).ID(tok)
	if err := other.DeleteAccessToken(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "opaque token revoked by another process inactive", func() bool {
		s, _, b := post(t, in.URL+"/oauth2/introspect", url.Values{"token": {tok}}, c.ID, c.Secret)
		return s == 200 && b["active"] == false
	})
	if !strings.Contains(metricsText(t, in.AdminURL), "tokenmint_revoked_tokens 1") {
		t.Fatal("tokenmint_revoked_tokens is not 1 after the revocation")
	}
}

// TestOpaqueTokenOfTheEarlierFormat: opaque tokens issued before tokens
// carried their issuance time (prefix + 43 characters, stored under the
// plain keyed hash) still introspect and revoke, and a new token is of the
// timed format.
func TestOpaqueTokenOfTheEarlierFormat(t *testing.T) {
	in := servertest.Start(t)
	c := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque})
	if tok := issue(t, in, c, ""); len(tok) != len(token.PrefixAccessToken)+54 {
		t.Fatalf("new opaque token %q: want the prefix and 54 characters", tok)
	}
	old := token.Generate(token.PrefixAccessToken)
	now := in.Clock.Now()
	rec := tokenmint.AccessToken{
		ID:     base64.RawURLEncoding.EncodeToString(token.NewHasher(servertest.TestMasterKey.Derive(token.PurposeTokenHash)).Sum(old)),
		Format: tokenmint.FormatOpaque, ClientID: c.ID, Subject: c.ID,
		IssuedAt: now, ExpiresAt: now.Add(time.Hour), LastUsedAt: now,
	}
	if err := in.Server.Store().CreateAccessToken(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if body := introspectActive(t, in, c, old); body["client_id"] != c.ID {
		t.Fatalf("earlier-format token introspected as %v", body)
	}
	if status, _, body := post(t, in.URL+"/oauth2/revoke", url.Values{"token": {old}}, c.ID, c.Secret); status != 200 {
		t.Fatalf("revoke: %d %v", status, body)
	}
	if _, err := in.Server.Store().GetAccessToken(context.Background(), rec.ID); !errors.Is(err, tokenmint.ErrNotFound) {
		t.Fatalf("earlier-format token's record after revocation: %v, want ErrNotFound", err)
	}
}

// TestJanitorDeletesExpiredRows: the janitor removes expired opaque
// tokens on its own schedule.
func TestJanitorDeletesExpiredRows(t *testing.T) {
	in := servertest.Start(t, func(c *config.Config) { c.JanitorInterval = 50 * time.Millisecond })
	c := in.CreateClient(t, registry.ClientSpec{TokenFormat: tokenmint.FormatOpaque, AccessTTL: time.Minute})
	tok := issue(t, in, c, "")
	id := token.NewHasher(servertest.TestMasterKey.Derive(token.PurposeTokenHash)).ID(tok)
	ctx := context.Background()
	if _, err := in.Server.Store().GetAccessToken(ctx, id); err != nil {
		t.Fatalf("fresh token not stored: %v", err)
	}
	in.Clock.Advance(time.Minute)
	eventually(t, 2*time.Second, "expired token deleted by the janitor", func() bool {
		_, err := in.Server.Store().GetAccessToken(ctx, id)
		return err != nil
	})
}
