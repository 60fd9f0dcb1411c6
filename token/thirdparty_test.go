package token

import (
	"context"
	"crypto"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tokenmint/tokenmint"
)

// The tokens Keyset signs must verify with libraries relying parties use,
// against nothing but the published JWKS.

func TestJWTVerifiesWithGoJoseJWT(t *testing.T) {
	k, _, clock := loadedKeyset(t, tokenmint.KnownAlgs...)
	set := parseJWKS(t, k.JWKS())
	for _, alg := range tokenmint.KnownAlgs {
		t.Run(alg, func(t *testing.T) {
			c := fullClaims()
			raw, err := k.Sign(alg, &c, SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			var std jwt.Claims
			var custom struct {
				ClientID string `json:"client_id"`
				Scope    string `json:"scope"`
				Tenant   string `json:"tenant"`
			}
			if err := tok.Claims(&set, &std, &custom); err != nil {
				t.Fatalf("Claims: %v", err)
			}
			err = std.Validate(jwt.Expected{Issuer: c.Issuer, Subject: c.Subject, AnyAudience: jwt.Audience{"api"}, ID: c.ID, Time: clock.Now()})
			if err != nil {
				t.Errorf("Validate: %v", err)
			}
			if custom.ClientID != c.ClientID || custom.Scope != c.Scope || custom.Tenant != "acme" {
				t.Errorf("custom claims = %+v", custom)
			}
			if err := std.Validate(jwt.Expected{Time: c.ExpiresAt.Add(time.Hour)}); err == nil {
				t.Error("expired token validates")
			}
		})
	}
}

func TestJWTVerifiesWithGoOIDC(t *testing.T) {
	ctx := context.Background()
	k, _, clock := loadedKeyset(t, tokenmint.KnownAlgs...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(k.JWKS())
	}))
	defer srv.Close()
	remote := oidc.NewRemoteKeySet(ctx, srv.URL)
	var static oidc.StaticKeySet
	for _, jwk := range parseJWKS(t, k.JWKS()).Keys {
		static.PublicKeys = append(static.PublicKeys, crypto.PublicKey(jwk.Key))
	}
	for _, alg := range tokenmint.KnownAlgs {
		t.Run(alg, func(t *testing.T) {
			c := Claims{Issuer: "https://issuer.example", Subject: "user-1", Audience: []string{"client-1"},
				IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour), Nonce: "n1"}
			raw, err := k.Sign(alg, &c, SignOptions{Type: TypeJWT})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := c.MarshalJSON()
			for name, ks := range map[string]oidc.KeySet{"static": &static, "remote": remote} {
				payload, err := ks.VerifySignature(ctx, raw)
				if err != nil || string(payload) != string(want) {
					t.Errorf("%s key set: payload %s, %v", name, payload, err)
				}
			}
			verifier := oidc.NewVerifier(c.Issuer, remote, &oidc.Config{
				ClientID: "client-1", SupportedSigningAlgs: []string{alg}, Now: clock.Now,
			})
			idt, err := verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("ID token verifier: %v", err)
			}
			if idt.Subject != c.Subject || idt.Nonce != c.Nonce || !slices.Equal(idt.Audience, c.Audience) {
				t.Errorf("ID token = %+v", idt)
			}
		})
	}
}
