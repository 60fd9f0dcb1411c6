package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// AuthorizeGET serves the authorization endpoint (RFC 6749 §3.1, §4.1.1).
func (p *Pages) AuthorizeGET(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	req, derr := p.decodeRequest(r, q, err != nil)
	p.authorizeDecoded(w, r, req, derr)
}

// AuthorizePOST accepts the request form-encoded in the body, as OpenID
// Connect Core §3.1.2.1 requires an authorization server to.
func (p *Pages) AuthorizePOST(w http.ResponseWriter, r *http.Request) {
	form, ok := p.parseForm(w, r)
	if !ok {
		return
	}
	req, derr := p.decodeRequest(r, form, false)
	p.authorizeDecoded(w, r, req, derr)
}

func (p *Pages) authorizeDecoded(w http.ResponseWriter, r *http.Request, req grant.AuthorizeRequest, derr *decodeError) {
	if derr != nil {
		p.decodeFailed(w, r, req, derr)
		return
	}
	p.Authorize(w, r, req)
}

// decodeFailed answers a request that could not be decoded. When
// client_id and redirect_uri were unambiguous and validate, the error goes
// to the client (RFC 6749 §4.1.2.1); otherwise it is shown here.
func (p *Pages) decodeFailed(w http.ResponseWriter, r *http.Request, req grant.AuthorizeRequest, derr *decodeError) {
	if !derr.trusted {
		p.oauthErrorPage(w, derr.err)
		return
	}
	a, err := p.cfg.Engine.ValidateAuthorize(r.Context(), req)
	if a == nil {
		p.authorizeErrorPage(w, r, err)
		return
	}
	state := a.State
	if !derr.stateOK {
		state = ""
	}
	p.redirectOAuthError(w, r, a.RedirectURI, a.ResponseMode, state, derr.err)
}

// Authorize runs the browser flow for an authorization request already
// decoded from the wire: validation, then the existing session or the
// login page, consent when needed, and finally the redirect with the code
// in the request's response mode. Dialects with an authorize path of their
// own call it after their own decoding (and may force ResponseMode and
// set Dialect); the login and consent forms then post to this package's
// paths, carrying the request signed, and validate it again.
func (p *Pages) Authorize(w http.ResponseWriter, r *http.Request, req grant.AuthorizeRequest) {
	a, ok := p.validate(w, r, req)
	if !ok {
		return
	}
	sess, live, err := p.session(r.Context(), r)
	if err != nil {
		p.redirectError(w, r, a, err)
		return
	}
	switch why := p.signInNeeded(a, sess, live); {
	case why == "":
		p.complete(w, r, a, req, sess, false)
	case a.Prompt.Has(grant.PromptNone):
		// OIDC Core §3.1.2.1, §3.1.2.6: no UI may be shown.
		p.redirectError(w, r, a, oauth.NewError(oauth.LoginRequired, "%s", why))
	default:
		p.showLogin(w, r, a, req, http.StatusOK, p.prefill(r.Context(), a), "")
	}
}

// signInNeeded says why the browser's session cannot answer a, so that
// the user must sign in (OIDC Core §3.1.2.1), or "" when it can: no live
// session, prompt=login, a sign-in older than max_age, or a user other
// than the one id_token_hint or the claims parameter's sub names.
func (p *Pages) signInNeeded(a *grant.Authorization, sess tokenmint.LoginSession, live bool) string {
	switch {
	case !live:
		return "the user is not signed in"
	case a.Prompt.Has(grant.PromptLogin):
		return "prompt=login asks the user to sign in again"
	case a.MaxAgeExceeded(sess.AuthTime, p.now()):
		return "the user signed in longer ago than max_age allows"
	case p.hintMismatch(a, sess.UserID):
		return "the signed-in user is not the one id_token_hint or the claims parameter names"
	}
	return ""
}

// hintMismatch reports whether userID is not the user a's id_token_hint
// names, or the sub value its claims parameter asks for. "If the
// End-User identified by the ID Token is logged in or is logged in by
// the request, then the Authorization Server returns a positive
// response; otherwise, it SHOULD return an error, such as
// login_required" (OIDC Core §3.1.2.1); for the claims parameter's sub
// it MUST (§5.5.1). Both are the client's view of the user (pairwise or
// not).
func (p *Pages) hintMismatch(a *grant.Authorization, userID string) bool {
	if a.HintSubject == "" && a.ClaimsSubject == "" {
		return false
	}
	sub := p.cfg.Engine.ClientSubject(a.Client, userID)
	return a.HintSubject != "" && a.HintSubject != sub || a.ClaimsSubject != "" && a.ClaimsSubject != sub
}

// prefill is the username to fill in on the login page: that of the user
// a's id_token_hint names, else the request's login_hint (OIDC Core
// §3.1.2.1), which is only ever a prefill: the person signs in as whoever
// they can.
func (p *Pages) prefill(ctx context.Context, a *grant.Authorization) string {
	if u := p.hintUsername(ctx, a); u != "" {
		return u
	}
	return a.LoginHint
}

// hintUsername is the username of the user a's id_token_hint names, to
// fill in on the login page; "" without a hint, for a pairwise client's
// hint (its sub names no user) or when the lookup fails.
func (p *Pages) hintUsername(ctx context.Context, a *grant.Authorization) string {
	if a.HintSubject == "" || a.Client.SubjectType == tokenmint.SubjectPairwise {
		return ""
	}
	u, err := p.cfg.Store.GetUser(ctx, a.HintSubject)
	if err != nil {
		if !errors.Is(err, tokenmint.ErrNotFound) {
			p.log.WarnContext(ctx, "login page: get hinted user", "user_id", a.HintSubject, "err", err)
		}
		return ""
	}
	return u.Username
}

// validate runs grant's checks of the request and answers the errors: a
// page for a bad client or redirect URI, a redirect for the rest.
func (p *Pages) validate(w http.ResponseWriter, r *http.Request, req grant.AuthorizeRequest) (*grant.Authorization, bool) {
	a, err := p.cfg.Engine.ValidateAuthorize(r.Context(), req)
	switch {
	case a == nil && err != nil:
		p.authorizeErrorPage(w, r, err)
		return nil, false
	case err != nil:
		p.redirectError(w, r, a, err)
		return nil, false
	}
	return a, true
}

// authorizeErrorPage shows an error that must not be redirected; causes
// that are not protocol errors are logged by AsOAuthError.
func (p *Pages) authorizeErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	p.oauthErrorPage(w, httpapi.AsOAuthError(r, p.log, err))
}

// complete finishes an authorization for a signed-in user: the consent
// page when it is needed and not yet given, else the code. consented is
// true when the user has just allowed this very request.
func (p *Pages) complete(w http.ResponseWriter, r *http.Request, a *grant.Authorization, req grant.AuthorizeRequest, sess tokenmint.LoginSession, consented bool) {
	if !consented && p.needsConsent(r, a, sess) {
		if a.Prompt.Has(grant.PromptNone) {
			p.redirectError(w, r, a, oauth.NewError(oauth.ConsentRequired, "the user has not consented to this request"))
			return
		}
		p.showConsent(w, r, a, req, sess)
		return
	}
	code, err := p.cfg.Engine.IssueSessionCode(r.Context(), a, sess)
	if err != nil {
		p.redirectError(w, r, a, err)
		return
	}
	p.log.DebugContext(r.Context(), "authorization code issued", "client_id", a.Client.ID, "user_id", sess.UserID)
	p.redirectCode(w, r, a, code)
}

// needsConsent: prompt=consent always asks (OIDC Core §3.1.2.1); a
// client registered with RequireConsent asks once per session, client and
// set of scopes.
func (p *Pages) needsConsent(r *http.Request, a *grant.Authorization, sess tokenmint.LoginSession) bool {
	if a.Prompt.Has(grant.PromptConsent) {
		return true
	}
	return a.Client.RequireConsent && !p.hasConsent(r, p.consentMark(sess.ID, a.Client.ID, a.Scopes))
}
