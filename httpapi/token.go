package httpapi

import (
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// TokenBody is the RFC 6749 §5.1 success response.
type TokenBody struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	// IssuedTokenType is the issued_token_type of a token exchange (RFC
	// 8693 §2.2.1).
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// NewTokenBody encodes a core response in the standard units (seconds).
func NewTokenBody(t *grant.TokenResponse) TokenBody {
	return TokenBody{
		AccessToken:     t.AccessToken,
		TokenType:       t.TokenType,
		ExpiresIn:       int64(t.ExpiresIn.Seconds()),
		Scope:           oauth.JoinScope(t.Scopes),
		RefreshToken:    t.RefreshToken,
		IDToken:         t.IDToken,
		IssuedTokenType: t.IssuedTokenType,
	}
}

// Token serves the token endpoint (RFC 6749 §3.2).
func (a *API) Token(w http.ResponseWriter, r *http.Request) {
	form, err := ParseForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	req, err := TokenRequestFromForm(r, form)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	req.ClientIP = ClientIP(r, a.cfg.TrustedProxies)
	req.DPoP = a.DPoPProof(r, PathToken)
	resp, err := a.cfg.Engine.Token(r.Context(), req)
	a.SetDPoPNonce(w, req.DPoP)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, NewTokenBody(resp))
}

// TokenRequestFromForm decodes the standard token request parameters.
func TokenRequestFromForm(r *http.Request, form url.Values) (grant.TokenRequest, error) {
	cred, err := ClientCredentials(r, form)
	if err != nil {
		return grant.TokenRequest{}, err
	}
	return grant.TokenRequest{
		GrantType:          form.Get("grant_type"),
		Client:             cred,
		Scope:              form.Get("scope"),
		Code:               form.Get("code"),
		RedirectURI:        form.Get("redirect_uri"),
		CodeVerifier:       form.Get("code_verifier"),
		RefreshToken:       form.Get("refresh_token"),
		Username:           form.Get("username"),
		Password:           form.Get("password"),
		DeviceCode:         form.Get("device_code"),
		Resources:          form[ParamResource],
		Assertion:          form.Get("assertion"),
		SubjectToken:       form.Get("subject_token"),
		SubjectTokenType:   form.Get("subject_token_type"),
		ActorToken:         form.Get("actor_token"),
		ActorTokenType:     form.Get("actor_token_type"),
		RequestedTokenType: form.Get("requested_token_type"),
		Audiences:          form[ParamAudience],
	}, nil
}
