package grant

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// RequestURIPrefix starts every request_uri the PAR endpoint issues (RFC
// 9126 §2.2); the rest is 256 random bits.
const RequestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// PushedRequestTTL is how long a request_uri lives: long enough for the
// browser to be sent to the authorization endpoint, no more (RFC 9126
// §2.2: "short", the example's 60 seconds).
const PushedRequestTTL = 60 * time.Second

// Pushed is the answer to a pushed request (RFC 9126 §2.2).
type Pushed struct {
	RequestURI string
	ExpiresIn  time.Duration
}

// PushAuthorization runs the PAR endpoint (RFC 9126 §2) for client c,
// which the caller authenticated first with AuthenticateClient, as at the
// token endpoint (§2: "the same rules for client authentication"). It
// validates the authorization request req as the authorization endpoint
// would (client_id the authenticated client's, redirect URI, PKCE,
// scope, resources, ...) and stores it, as encode writes it, under a new
// single-use request_uri whose keyed hash alone is kept. encode is the
// authorization endpoint's own serialisation (package login owns the
// parameters' wire form), which UsePushedRequest hands back.
func (e *Engine) PushAuthorization(ctx context.Context, c *tokenmint.Client, req AuthorizeRequest, encode func(AuthorizeRequest) string) (*Pushed, error) {
	switch {
	case req.ClientID == "":
		req.ClientID = c.ID
	case req.ClientID != c.ID:
		return nil, oauth.NewError(oauth.InvalidRequest, "client_id differs from the authenticated client (RFC 9126 §2.1)")
	}
	req.Pushed = true
	if _, err := e.ValidateAuthorize(ctx, req); err != nil {
		return nil, err
	}
	now := e.now()
	uri := token.Generate(RequestURIPrefix)
	p := tokenmint.PushedRequest{ID: e.cfg.Tokens.ID(uri), ClientID: c.ID, Params: encode(req),
		CreatedAt: now, ExpiresAt: now.Add(PushedRequestTTL)}
	if err := e.cfg.Store.CreatePushedRequest(ctx, p); err != nil {
		return nil, storeError("store pushed request", err)
	}
	return &Pushed{RequestURI: uri, ExpiresIn: PushedRequestTTL}, nil
}

// UsePushedRequest spends the request_uri clientID sent to the
// authorization endpoint (RFC 9126 §4) and returns the request it stands
// for, as PushRequest.Encode wrote it: once, before it expires, and only
// for the client that pushed it. Every refusal is invalid_request_uri.
func (e *Engine) UsePushedRequest(ctx context.Context, clientID, requestURI string) (string, error) {
	fail := func(desc string) error { return oauth.NewError(oauth.InvalidRequestURI, "%s", desc) }
	if !strings.HasPrefix(requestURI, RequestURIPrefix) || len(requestURI) > 256 {
		return "", fail("request_uri must be one the PAR endpoint issued (" + RequestURIPrefix + "...)")
	}
	now := e.now()
	p, err := e.cfg.Store.UsePushedRequest(ctx, e.cfg.Tokens.ID(requestURI), clientID, now)
	switch {
	case errors.Is(err, tokenmint.ErrAlreadyUsed):
		e.log.WarnContext(ctx, "pushed request_uri replayed", "client_id", clientID)
		return "", fail("the request_uri was used before: it is single-use (RFC 9126 §4)")
	case errors.Is(err, tokenmint.ErrNotFound):
		return "", fail("the request_uri is unknown, expired, or not this client's")
	case err != nil:
		return "", storeError("use pushed request", err)
	case !now.Before(p.ExpiresAt):
		return "", fail("the request_uri has expired")
	}
	return p.Params, nil
}

// RequirePushedRequests reports whether every authorization request must
// come through PAR (serve --require-pushed-authorization-requests; RFC
// 9126 §5 require_pushed_authorization_requests).
func (e *Engine) RequirePushedRequests() bool { return e.cfg.RequirePushedRequests }

// checkRequestForm applies the server's and the client's rules on how a
// request must come: pushed (RFC 9126 §5, §6), signed (RFC 9101 §10.5).
func (e *Engine) checkRequestForm(c *tokenmint.Client, req AuthorizeRequest) error {
	if !req.Pushed && (e.cfg.RequirePushedRequests || c.RequirePushedAuthorizationRequests) {
		return oauth.NewError(oauth.InvalidRequest, "authorization requests must be pushed to the PAR endpoint first (RFC 9126)")
	}
	if !req.Signed && c.RequireSignedRequestObject {
		return oauth.NewError(oauth.InvalidRequest, "this client's authorization requests must be a signed request object (RFC 9101 §10.5)")
	}
	return nil
}
