package grant

import (
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// DialectPolicy is what a dialect's token endpoint asks of every request
// beyond RFC 6749, registered once in Config.Dialects under the dialect's
// name and applied by the engine to each request that names the dialect
// (TokenRequest.Dialect), so that no request builder can forget one.
type DialectPolicy struct {
	// RequireAPIKey: the client must present its API key, a second client
	// credential (Credentials.APIKey), as EmpowerID's X-EmpowerID-API-Key.
	// An API key presented through any endpoint is always verified.
	RequireAPIKey bool
	// RequireRedirectURI: the request must name one of the client's
	// registered redirect URIs even for grants that do not use one, for
	// platforms that send one with every token request (EmpowerID).
	RequireRedirectURI bool
	// DefaultAccessTTL, when set, is the access token lifetime for a
	// client that sets none (AccessTTL zero): a platform's documented
	// default (Epicollect5's 2 hours). A client's own AccessTTL wins.
	DefaultAccessTTL time.Duration
	// Shape, when set, adjusts each JWT access token before it is signed,
	// to reproduce a platform's token layout (Epicollect5). It must keep
	// the jti: a user-grant token is recorded under it (for family
	// revocation) in the same transaction, and a changed one is refused
	// as a server error.
	Shape func(*JWT)
}

// dialectPolicy returns the policy of the dialect a request came through;
// the zero policy for the standard endpoints.
func (e *Engine) dialectPolicy(name string) DialectPolicy {
	if name == "" {
		return DialectPolicy{}
	}
	return e.cfg.Dialects[name]
}

// checkCredentials applies the policy's credential rules to an
// authenticated client: the API key (verified whenever presented) and
// the redirect URI every request must name.
func (e *Engine) checkCredentials(c *tokenmint.Client, req *TokenRequest, p DialectPolicy) error {
	if err := e.checkAPIKey(c, req.Client.APIKey, p.RequireAPIKey); err != nil {
		return err
	}
	named := req.RedirectURI != "" || req.GrantType != tokenmint.GrantRefreshToken
	if p.RequireRedirectURI && named && !c.HasRedirectURI(req.RedirectURI) {
		if req.RedirectURI == "" {
			return oauth.NewError(oauth.InvalidRequest, "missing redirect_uri")
		}
		return oauth.NewError(oauth.InvalidRequest, "redirect_uri is not registered for this client")
	}
	return nil
}

// checkAPIKey verifies the second credential of platforms that send one.
func (e *Engine) checkAPIKey(c *tokenmint.Client, key string, required bool) error {
	if key == "" && !required {
		return nil
	}
	if key == "" {
		return &oauth.Error{Code: oauth.InvalidClient, Description: "the API key is missing"}
	}
	if len(c.APIKeyHash) == 0 || !e.cfg.Secrets.Verify(key, c.APIKeyHash) {
		return &oauth.Error{Code: oauth.InvalidClient, Description: "the API key is not valid for this client"}
	}
	return nil
}
