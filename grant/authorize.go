package grant

import (
	"context"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/token"
)

// AuthorizeRequest is an authorization request (RFC 6749 §4.1.1, RFC 7636
// §4.3, OIDC Core §3.1.2.1) as decoded from the query string.
type AuthorizeRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	Scope               string
	State               string
	Nonce               string
	MaxAge              string // OIDC: seconds, "" when absent
	IDTokenHint         string // OIDC: an ID token this server issued
	CodeChallenge       string
	CodeChallengeMethod string
	ResponseMode        string // "query" (default), "fragment" or "form_post"
	Prompt              string // OIDC: space-separated none, login, consent, select_account
	// Resources are the request's resource parameters (RFC 8707 §2), as
	// given: the parameter may be repeated.
	Resources []string
	// DPoPJKT is the dpop_jkt parameter (RFC 9449 §10): the thumbprint of
	// the DPoP key the code is bound to, "" for none.
	DPoPJKT string
	// LoginHint, ACRValues, UILocales and Claims are the OIDC Core
	// §3.1.2.1 and §5.5 parameters login_hint, acr_values, ui_locales and
	// claims, as given.
	LoginHint string
	ACRValues string
	UILocales string
	Claims    string
	// Dialect names the dialect serving the request, "" at the standard
	// endpoint. A dialect serves only clients created with its profile
	// (tokenmint.Client.Profile), so that a platform's legacy flows are a
	// per-client opt-in, never a server-wide switch; a public client of
	// that profile created with AllowNoPKCE may then go without PKCE
	// there, and only there (RFC 9700 §2.1.1).
	Dialect string
	// Headless marks a request that carries the person's credentials
	// itself instead of sending a browser to the login page (Eptura's
	// /external/api/oauth2/auth). It is the password grant under another
	// name (RFC 9700 §2.4), so only a client allowed the password grant
	// may use it, never one that requires consent, and PKCE is not asked
	// of it: the client holds the credentials the code stands for.
	Headless bool
	// Pushed marks a request that came through PAR (RFC 9126), Signed
	// one whose parameters came from a verified request object (RFC
	// 9101): set by the server, never read from a client's parameters.
	Pushed bool
	Signed bool
}

// Authorization is a validated authorization request, ready for the user
// to sign in and consent.
type Authorization struct {
	Client              *tokenmint.Client
	RedirectURI         string // where to send the answer
	BoundRedirectURI    string // what the code is bound to ("" when omitted)
	Scopes              []string
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	ResponseMode        string
	Prompt              Prompt
	// MaxAge is the request's max_age when HasMaxAge (OIDC Core
	// §3.1.2.1); see MaxAgeExceeded.
	MaxAge    time.Duration
	HasMaxAge bool
	// HintSubject is the subject of the request's verified id_token_hint,
	// "" without one: the user the client expects to be signed in.
	HintSubject string
	// ClaimsSubject is the value the claims parameter asks the ID
	// token's sub to have (OIDC Core §5.5.1), "" for none: as for
	// HintSubject, only that user may be signed in or sign in. Unlike a
	// hint it is unverified, so it never fills in the login page.
	ClaimsSubject string
	// Resources are the resource indicators requested, each allowed for
	// the client (RFC 8707 §2): bound to the code, they apply to the
	// whole grant (§2.1). Nil when none were requested.
	Resources []string
	// DPoPJKT binds the code to a DPoP key (RFC 9449 §10): its exchange
	// needs a proof by that key.
	DPoPJKT string
	// LoginHint is the request's login_hint when usable as a username to
	// prefill (OIDC Core §3.1.2.1: a hint, never trusted beyond that);
	// "" otherwise.
	LoginHint string
	// UILocale is the first of the request's ui_locales the pages are
	// written in ("" when none is): the lang of the login page.
	UILocale string
	// Claims is the request's claims parameter (OIDC Core §5.5), nil
	// for none; ACR the acr its ID tokens will report (chooseACR).
	Claims *ClaimsRequest
	ACR    string
}

// ValidateAuthorize checks an authorization request in the order RFC 6749
// §4.1.2.1 demands. When the client or redirect URI is bad, it returns a
// nil Authorization and the error must be shown to the user, never
// redirected (an open redirector otherwise). When it returns an error with
// a non-nil Authorization, the error goes back to a.RedirectURI with
// a.State in a.ResponseMode.
func (e *Engine) ValidateAuthorize(ctx context.Context, req AuthorizeRequest) (*Authorization, error) {
	c, redirect, err := e.authorizeClient(ctx, req)
	if err != nil {
		return nil, err
	}
	a := &Authorization{Client: c, RedirectURI: redirect, BoundRedirectURI: req.RedirectURI,
		State: req.State, Nonce: req.Nonce, ResponseMode: "query"}
	switch req.ResponseMode {
	case "", "query":
	case "fragment", "form_post":
		a.ResponseMode = req.ResponseMode
	default:
		return a, oauth.NewError(oauth.InvalidRequest, "response_mode must be query, fragment or form_post")
	}
	if err := e.checkRequestForm(c, req); err != nil {
		return a, err
	}
	if err := e.checkAuthorizeParams(c, req, a); err != nil {
		return a, err
	}
	return a, nil
}

// authorizeClient validates client_id and redirect_uri (exact match,
// RFC 9700 §4.1.3, but for the port of a loopback URI, RFC 8252 §7.3: see
// Client.MatchRedirectURI). A request may omit redirect_uri only when the
// client registered exactly one (RFC 6749 §3.1.2.3). The URI returned is
// the one requested, so that the answer goes to the port the app listens
// on and the code is bound to that exact URI, which the token request
// must repeat (RFC 6749 §4.1.3).
func (e *Engine) authorizeClient(ctx context.Context, req AuthorizeRequest) (*tokenmint.Client, string, error) {
	if req.ClientID == "" {
		return nil, "", oauth.NewError(oauth.InvalidRequest, "missing client_id")
	}
	c, err := e.clients.GetClient(ctx, req.ClientID)
	if errors.Is(err, tokenmint.ErrNotFound) {
		return nil, "", oauth.NewError(oauth.InvalidClient, "unknown client_id")
	}
	if err != nil {
		return nil, "", storeError("authorize: get client", err)
	}
	switch {
	case req.RedirectURI != "" && c.MatchRedirectURI(req.RedirectURI):
		return &c, req.RedirectURI, nil
	case req.RedirectURI == "" && len(c.RedirectURIs) == 1:
		return &c, c.RedirectURIs[0], nil
	case req.RedirectURI == "":
		return nil, "", oauth.NewError(oauth.InvalidRequest, "missing redirect_uri")
	}
	return nil, "", oauth.NewError(oauth.InvalidRequest, "redirect_uri is not registered for this client")
}

func (e *Engine) checkAuthorizeParams(c *tokenmint.Client, req AuthorizeRequest, a *Authorization) error {
	if req.ResponseType != "code" {
		if req.ResponseType == "" {
			return oauth.NewError(oauth.InvalidRequest, "missing response_type")
		}
		return oauth.NewError(oauth.UnsupportedResponseType, "only response_type=code is supported")
	}
	if !c.HasGrant(tokenmint.GrantAuthorizationCode) {
		return oauth.NewError(oauth.UnauthorizedClient, "the client is not allowed the authorization_code grant")
	}
	if !oauth.ValidScope(req.Scope) {
		return oauth.NewError(oauth.InvalidScope, "scope contains characters RFC 6749 §3.3 does not allow")
	}
	scopes, ok := c.GrantedScopes(oauth.ParseScope(req.Scope))
	if !ok {
		return oauth.NewError(oauth.InvalidScope, "the requested scope exceeds what the client may be granted")
	}
	a.Scopes = scopes
	resources, err := ParseResources(req.Resources)
	if err != nil {
		return err
	}
	if err := allowResources(c, resources); err != nil {
		return err
	}
	a.Resources = resources
	if a.DPoPJKT, err = checkDPoPJKT(req.DPoPJKT); err != nil {
		return err
	}
	if err := checkDialect(c, req); err != nil {
		return err
	}
	method, err := checkChallenge(c, req.CodeChallenge, req.CodeChallengeMethod, pkceOptional(c, req))
	if err != nil {
		return err
	}
	a.CodeChallenge, a.CodeChallengeMethod = req.CodeChallenge, method
	return e.checkSignInParams(c, req, a)
}

// checkDialect applies the per-client opt-in of a dialect's flows: a
// dialect serves only the clients of its profile, and the headless flow
// only clients that could use the password grant anyway.
func checkDialect(c *tokenmint.Client, req AuthorizeRequest) error {
	if req.Dialect != "" && c.Profile != req.Dialect {
		return oauth.NewError(oauth.UnauthorizedClient, "this endpoint serves only clients created with --profile %s", req.Dialect)
	}
	if !req.Headless {
		return nil
	}
	if !c.HasGrant(tokenmint.GrantPassword) {
		return oauth.NewError(oauth.UnauthorizedClient, "a code for a username and password needs a client allowed the password grant")
	}
	if c.RequireConsent {
		return oauth.NewError(oauth.UnauthorizedClient, "the client requires the user's consent, which only the browser flow can ask")
	}
	return nil
}

// pkceOptional reports whether a public client may authorize without
// PKCE: only through the dialect of its profile, when it was created with
// AllowNoPKCE, or in the headless flow (see AuthorizeRequest.Headless).
func pkceOptional(c *tokenmint.Client, req AuthorizeRequest) bool {
	if req.Dialect == "" || req.Dialect != c.Profile {
		return false
	}
	return req.Headless || c.AllowNoPKCE
}

// IssueCode mints a single-use authorization code for a signed-in user
// (RFC 6749 §4.1.2), bound to the client, redirect URI, PKCE challenge,
// scopes, user and nonce. It returns the code to send to the client.
func (e *Engine) IssueCode(ctx context.Context, a *Authorization, userID string, authTime time.Time) (string, error) {
	return e.issueCode(ctx, a, tokenmint.LoginSession{UserID: userID, AuthTime: authTime})
}

// IssueSessionCode is IssueCode for the user of browser session sess:
// the code, and the family its exchange starts, remember the session, so
// that revoking a token of that family can also end it
// (RevokeBearerAndSession).
func (e *Engine) IssueSessionCode(ctx context.Context, a *Authorization, sess tokenmint.LoginSession) (string, error) {
	return e.issueCode(ctx, a, sess)
}

// issueCode mints a code for sess.UserID, signed in at sess.AuthTime, in
// session sess.ID ("" for none), once it has checked the user may still
// sign in: a session or sign-in that raced with disabling the user gets
// no code.
func (e *Engine) issueCode(ctx context.Context, a *Authorization, sess tokenmint.LoginSession) (string, error) {
	if err := e.checkUserEnabled(ctx, sess.UserID); err != nil {
		return "", err
	}
	now := e.now()
	raw := token.GenerateTimed(token.PrefixAuthCode, now)
	code := tokenmint.AuthCode{
		ID:                  e.cfg.Tokens.ID(raw),
		FamilyID:            token.NewTimedID(now),
		ClientID:            a.Client.ID,
		RedirectURI:         a.BoundRedirectURI,
		Subject:             sess.UserID,
		Scopes:              a.Scopes,
		Resources:           a.Resources,
		Nonce:               a.Nonce,
		CodeChallenge:       a.CodeChallenge,
		CodeChallengeMethod: a.CodeChallengeMethod,
		AuthTime:            sess.AuthTime,
		IssuedAt:            now,
		ExpiresAt:           now.Add(e.cfg.CodeTTL),
		SessionID:           sess.ID,
		DPoPJKT:             a.DPoPJKT,
		ACR:                 a.ACR,
		AMR:                 sessionAMR(sess),
		Claims:              a.Claims.Encode(),
	}
	if err := e.cfg.Store.CreateAuthCode(ctx, code); err != nil {
		return "", storeError("store authorization code", err)
	}
	return raw, nil
}

// sessionAMR is how the user of sess signed in (RFC 8176): as the session
// recorded it, else a password, the one way tokenmint signs people in.
func sessionAMR(sess tokenmint.LoginSession) []string {
	if len(sess.AMR) > 0 {
		return sess.AMR
	}
	return []string{AMRPassword}
}

// signInAuthn is the acr and amr (OIDC Core §2) of an authorization that
// asked for no acr (no acr_values, no claims parameter) by the user of
// sess: what the code flow states for it (chooseACR, sessionAMR). The
// device grant (the user signed in at the verification page) and the
// password grant (a zero sess: a password, RFC 8176 "pwd") record them
// on their family, so that refreshed ID tokens keep them (§12.2).
func signInAuthn(sess tokenmint.LoginSession) (acr string, amr []string) {
	acr, _ = chooseACR("", nil)
	return acr, sessionAMR(sess)
}
