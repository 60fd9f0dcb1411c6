package grant

import (
	"context"
	"errors"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// Client authentication methods (RFC 6749 §2.3.1, RFC 8414 §2).
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
	AuthNone  = "none"
	// AuthAssertion: a client_assertion (RFC 7521 §4.2), which the
	// client's registration makes private_key_jwt or client_secret_jwt.
	AuthAssertion = "client_assertion"
)

// Credentials are what a request presented to identify its client.
type Credentials struct {
	ID     string
	Secret string
	// Method is how they came: AuthBasic, AuthPost, AuthNone (client_id
	// alone, for public clients) or AuthAssertion. Errors of a Basic
	// attempt carry a WWW-Authenticate challenge (RFC 6749 §5.2).
	Method string
	// AssertionType and Assertion are the client_assertion_type and
	// client_assertion of AuthAssertion (RFC 7521 §4.2); ID is then
	// optional, and must be the assertion's iss when given.
	AssertionType string
	Assertion     string
	// Endpoint is the path of the endpoint the request came to
	// ("/oauth2/token"): an assertion's aud may be the issuer followed by
	// it, besides the issuer itself.
	Endpoint string
	// APIKey is a second client credential some platforms send beside
	// the client's own (EmpowerID's X-EmpowerID-API-Key); verified when
	// present, required where the dialect's policy says so.
	APIKey string
	// Certificate is the client's TLS certificate, when it presented one
	// (mutual TLS, RFC 8705): how tls_client_auth and
	// self_signed_tls_client_auth clients authenticate, and what
	// certificate-bound tokens are bound to.
	Certificate *ClientCertificate
}

// dummySum is compared against when the client is unknown, so that an
// unknown client costs the same as a wrong secret.
var dummySum = make([]byte, 32)

// AuthenticateClient identifies and authenticates the client (RFC 6749
// §2.3, §3.2.1): every endpoint and dialect that authenticates clients
// comes here. Confidential clients prove their secret, or sign an
// assertion (authenticateAssertion), as they registered: a client of
// private_key_jwt or client_secret_jwt cannot send its secret, nor one
// of client_secret_basic or _post an assertion (RFC 7591 §2). Public
// clients identify themselves by client_id alone and must not send a
// secret. Clients of the mutual-TLS methods send client_id alone and
// prove the certificate they registered (client_cert.go, RFC 8705 §2). Every failure of a secret is the same invalid_client, so an
// attacker cannot tell an unknown client from a wrong secret.
func (e *Engine) AuthenticateClient(ctx context.Context, cred Credentials) (*tokenmint.Client, error) {
	c, err := e.authenticateClient(ctx, cred)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// authenticateClient is AuthenticateClient returning, with the error of a
// failed authentication, the record of a client that exists (for the
// audit event; never for the caller to act on).
func (e *Engine) authenticateClient(ctx context.Context, cred Credentials) (*tokenmint.Client, error) {
	if cred.Method == AuthAssertion {
		return e.authenticateAssertion(ctx, cred)
	}
	fail := &oauth.Error{Code: oauth.InvalidClient, Description: "client authentication failed", Basic: cred.Method == AuthBasic}
	if cred.ID == "" {
		fail.Description = "client authentication is required (HTTP Basic or client_id and client_secret)"
		return nil, fail
	}
	c, err := e.clients.GetClient(ctx, cred.ID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		e.cfg.Secrets.Verify(cred.Secret, dummySum)
		return nil, fail
	}
	if err != nil {
		return nil, storeError("authenticate client", err)
	}
	if c.Public {
		if cred.Secret != "" {
			fail.Description = "a public client has no secret to send"
			return &c, fail
		}
		return &c, nil
	}
	if c.AuthMethod == tokenmint.AuthMethodTLSClientAuth || c.AuthMethod == tokenmint.AuthMethodSelfSignedTLSClientAuth {
		// RFC 8705 §2: client_id in the request, the certificate in the
		// TLS handshake, and no other credential.
		if cred.Method != AuthNone {
			e.cfg.Secrets.Verify(cred.Secret, dummySum)
			return &c, fail
		}
		if err := e.authenticateCertificate(ctx, &c, cred.Certificate); err != nil {
			return &c, err
		}
		return &c, nil
	}
	if c.AuthMethod == tokenmint.AuthMethodPrivateKeyJWT || c.AuthMethod == tokenmint.AuthMethodSecretJWT {
		e.cfg.Secrets.Verify(cred.Secret, dummySum)
		return nil, fail
	}
	if cred.Secret == "" || !e.secretMatches(&c, cred.Secret) {
		return &c, fail
	}
	return &c, nil
}

// Client returns the registered client with that ID, from the engine's
// client source (the server's in-memory cache): for adapters that answer
// per client, such as a dialect's CORS checks against the client's
// registered redirect URIs.
func (e *Engine) Client(ctx context.Context, id string) (tokenmint.Client, error) {
	return e.clients.GetClient(ctx, id)
}

// secretMatches reports whether secret is the client's current secret, or
// the previous one while a rotation's grace period lasts. One keyed hash
// is compared with both, in constant time, whether or not the client has
// a previous secret, so that the answer's timing tells neither which
// secret matched nor whether there is a previous one.
func (e *Engine) secretMatches(c *tokenmint.Client, secret string) bool {
	previous := dummySum
	live := c.PreviousSecretLive(e.now())
	if live {
		previous = c.PreviousSecretHash
	}
	isCurrent, isPrevious := e.cfg.Secrets.VerifyEither(secret, c.SecretHash, previous)
	return isCurrent || (isPrevious && live)
}
