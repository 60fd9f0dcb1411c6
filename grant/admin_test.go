package grant_test

import (
	"context"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// TestPreviousSecretGrace: after a rotation with a grace period, the old
// secret authenticates until the period ends, the new one at once; a
// rotation without grace ends the old secret at once.
func TestPreviousSecretGrace(t *testing.T) {
	f := newFixtureWith(t, cheap, false)
	ctx := context.Background()
	c, old := f.client(t, registry.ClientSpec{Scopes: []string{"api"}})
	auth := func(secret string) bool {
		_, err := f.e.AuthenticateClient(ctx, grant.Credentials{ID: c.ID, Secret: secret, Method: grant.AuthBasic})
		if err != nil {
			if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidClient {
				t.Fatalf("authenticate: %v", err)
			}
		}
		return err == nil
	}
	fresh, _, err := f.reg.RotateSecretGrace(ctx, c.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !auth(fresh.Reveal()) || !auth(old.Secret) {
		t.Fatal("during the grace period both secrets must authenticate")
	}
	if auth("tmcs_wrong") || auth("") {
		t.Fatal("a wrong secret authenticated")
	}
	f.advance(time.Hour)
	if !auth(fresh.Reveal()) || auth(old.Secret) {
		t.Fatal("after the grace period only the new secret may authenticate")
	}
	newest, _, err := f.reg.RotateSecretGrace(ctx, c.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !auth(newest.Reveal()) || auth(fresh.Reveal()) {
		t.Fatal("a rotation without grace must end the old secret at once")
	}
	// The token endpoint goes through the same check.
	if _, err := f.e.Token(ctx, grant.TokenRequest{GrantType: "client_credentials", Client: grant.Credentials{ID: c.ID, Secret: newest.Reveal(), Method: grant.AuthPost}}); err != nil {
		t.Fatal(err)
	}
}

// TestRevokeClientTokensEndsStatelessJWTs: revoking every token of a
// client ends its client_credentials JWTs and opaque tokens, which no
// family holds; tokens issued afterwards work.
func TestRevokeClientTokensEndsStatelessJWTs(t *testing.T) {
	for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
		t.Run(format, func(t *testing.T) {
			f := newFixtureWith(t, cheap, false)
			ctx := context.Background()
			c, cred := f.client(t, registry.ClientSpec{TokenFormat: format})
			other, otherCred := f.client(t, registry.ClientSpec{TokenFormat: format})
			issue := func(cred grant.Credentials) string {
				resp, err := f.e.Token(ctx, grant.TokenRequest{GrantType: "client_credentials", Client: cred})
				if err != nil {
					t.Fatal(err)
				}
				return resp.AccessToken
			}
			before, kept := issue(cred), issue(otherCred)
			f.advance(time.Millisecond)
			if err := f.st.RevokeClientTokens(ctx, c.ID, f.clock()); err != nil {
				t.Fatal(err)
			}
			if f.active(t, cred, before) {
				t.Error("a token issued before the revocation is active")
			}
			if !f.active(t, otherCred, kept) {
				t.Errorf("the token of another client (%s) was ended", other.ID)
			}
			f.advance(time.Millisecond)
			if after := issue(cred); !f.active(t, cred, after) {
				t.Error("a token issued after the revocation is inactive")
			}
			if _, err := f.e.ValidateBearer(ctx, before); err == nil {
				t.Error("ValidateBearer accepted a revoked token")
			}
		})
	}
}
