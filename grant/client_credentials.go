package grant

import (
	"context"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// clientCredentials implements RFC 6749 §4.4: the client acts on its own
// behalf. "A refresh token SHOULD NOT be included" (§4.4.3), so none is.
// The token's subject is the client itself (RFC 9068 §2.2); its audience
// the resources requested, each one the client may ask for (RFC 8707
// §2), or by default the client's audience.
func (e *Engine) clientCredentials(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	scopes, ok := c.GrantedScopes(oauth.ParseScope(req.Scope))
	if !ok {
		return nil, oauth.NewError(oauth.InvalidScope, "the requested scope exceeds what the client may be granted")
	}
	if err := allowResources(c, req.Resources); err != nil {
		return nil, err
	}
	return e.issueAccess(ctx, c, accessGrant{subject: c.ID, scopes: scopes, resources: req.Resources, jkt: req.jkt, x5t: req.x5t}, req.shape)
}
