package grant

import (
	"context"
	"errors"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
)

// authorizationCode exchanges a code for tokens (RFC 6749 §4.1.3). The
// code is consumed before anything else is checked, so a code is good for
// one attempt only; presenting a consumed code revokes every token issued
// from it (§4.1.2: "the authorization server ... SHOULD revoke (when
// possible) all tokens previously issued based on that authorization
// code"). Spending the code and recording the family and its tokens is one
// transaction; JWTs are signed after it, as their claims come from the
// code.
func (e *Engine) authorizationCode(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (*TokenResponse, error) {
	if req.Code == "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "missing code")
	}
	var u userIssue
	var rejected error
	code, err := e.cfg.Store.ExchangeAuthCode(ctx, e.cfg.Tokens.ID(req.Code), e.now(), func(code tokenmint.AuthCode) (tokenmint.Issuance, error) {
		if rejected = e.checkCode(c, &code, req); rejected != nil {
			return tokenmint.Issuance{}, rejected
		}
		// The code's resources are the grant's (RFC 8707 §2.1); this
		// request may ask for fewer of them (§2.2).
		audience, err := narrowResources(c, code.Resources, req.Resources)
		if err != nil {
			rejected = err
			return tokenmint.Issuance{}, rejected
		}
		f := e.family(c, code.FamilyID, code.Subject, code.Scopes, code.Resources, code.AuthTime)
		f.SessionID = code.SessionID
		f.Confirmation = familyConfirmation(c, req.cnf())
		u = e.newUserIssue(c, f, code.Scopes, audience, code.Nonce, req.cnf())
		return u.issuance(), nil
	})
	switch {
	case rejected != nil && errors.Is(err, rejected):
		return nil, rejected
	case errors.Is(err, tokenmint.ErrNotFound):
		return nil, invalidGrant("the authorization code is invalid or expired")
	case errors.Is(err, tokenmint.ErrAlreadyUsed):
		if rerr := e.cfg.Store.RevokeFamily(ctx, code.FamilyID, e.now()); rerr != nil {
			return nil, storeError("revoke tokens of a replayed code", rerr)
		}
		e.log.WarnContext(ctx, "authorization code replayed: its tokens are revoked", "client_id", code.ClientID, "family_id", code.FamilyID)
		e.auditFamilyRevoked(ctx, req, tokenmint.AuditCodeReplay, code.ClientID, code.Subject, code.FamilyID)
		return nil, invalidGrant("the authorization code was already used")
	case err != nil:
		return nil, storeError("exchange authorization code", err)
	}
	// The code's exchange stored the tokens' records; they are signed here.
	ictx, span := e.startSpan(ctx, SpanIssueToken)
	resp, err := e.userResponse(ictx, c, &u, req.shape)
	endSpan(span, err)
	return resp, err
}

// checkCode verifies the bindings of a consumed code.
func (e *Engine) checkCode(c *tokenmint.Client, code *tokenmint.AuthCode, req *TokenRequest) error {
	if code.ClientID != c.ID {
		return invalidGrant("the authorization code was issued to another client")
	}
	if !e.now().Before(code.ExpiresAt) {
		return invalidGrant("the authorization code has expired")
	}
	if code.RedirectURI != "" && req.RedirectURI != code.RedirectURI {
		return invalidGrant("redirect_uri does not match the authorization request")
	}
	if code.RedirectURI == "" && req.RedirectURI != "" && !c.HasRedirectURI(req.RedirectURI) {
		return invalidGrant("redirect_uri is not registered for this client")
	}
	if err := checkCodeBinding(code, req.jkt); err != nil {
		return err
	}
	return verifyPKCE(code.CodeChallenge, code.CodeChallengeMethod, req.CodeVerifier)
}
