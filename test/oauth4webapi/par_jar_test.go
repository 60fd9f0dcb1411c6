package oauth4webapi_test

import (
	"testing"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/registry"
)

// TestOAuth4WebAPIPARJAR: oauth4webapi through PAR (RFC 9126) and JAR
// (RFC 9101) on real servers (par_jar.mjs): discovery; the code flow
// with PKCE through pushedAuthorizationRequest, the client authenticated
// with client_secret_basic and with private_key_jwt, the browser bringing
// client_id and request_uri alone, validateAuthResponse checking iss (RFC
// 9207), the code redeemed and the ID token validated; a request object
// signed by issueRequestObject, by value and inside PAR; a client
// registered with require_pushed_authorization_requests and a server
// started with it (discovered). Refused: a replayed request_uri and a
// replayed request object (error page), a request object signed with
// another client's key or for another audience (invalid_request_object),
// PAR without client authentication or with a wrong secret
// (invalid_client), another client's request_uri, authorization requests
// that did not come through PAR where it is required (invalid_request).
func TestOAuth4WebAPIPARJAR(t *testing.T) {
	node := requireNode(t)
	onBackends(t, func(t *testing.T, database func() string) {
		in := startWebServer(t, database(), nil)
		basicKey, pkKey, otherKey := newSigningKey(t, "basic-1"), newSigningKey(t, "pk-1"), newSigningKey(t, "other-1")
		basic := webClient(t, in, "oauth4webapi basic", withJWKS(basicKey))
		pk := webClient(t, in, "oauth4webapi pk", func(s *registry.ClientSpec) {
			s.AuthMethod = tokenmint.AuthMethodPrivateKeyJWT
			s.JWKS = pkKey.public
		})
		webClient(t, in, "oauth4webapi other", withJWKS(otherKey))
		parOnly := webClient(t, in, "oauth4webapi PAR only", func(s *registry.ClientSpec) { s.RequirePushedAuthorizationRequests = true })

		strictIn := startWebServer(t, database(), func(c *config.Config) { c.RequirePushedAuthorizationRequests = true })
		strict := webClient(t, strictIn, "oauth4webapi strict", nil)

		runNode(t, node, "par_jar.mjs",
			"TOKENMINT_ISSUER="+in.Config.Issuer, "USERNAME="+webUser, "PASSWORD="+webPassword,
			"BASIC_CLIENT_ID="+basic.ID, "BASIC_CLIENT_SECRET="+basic.Secret, "BASIC_JWK="+string(basicKey.private),
			"PK_CLIENT_ID="+pk.ID, "PK_JWK="+string(pkKey.private), "OTHER_JWK="+string(otherKey.private),
			"PARONLY_CLIENT_ID="+parOnly.ID, "PARONLY_CLIENT_SECRET="+parOnly.Secret,
			"STRICT_ISSUER="+strictIn.Config.Issuer, "STRICT_CLIENT_ID="+strict.ID, "STRICT_CLIENT_SECRET="+strict.Secret,
		)
	})
}
