package eptura

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// auth serves "you can also generate an authorization code by requesting
// it directly": the person's credentials and the authorization request in
// headers, answered with {"code": "..."} (RFC 6749 §4.1.2 without the
// browser). The code is the same single-use code the browser flow issues,
// bound to the client, redirect URI and scopes, and "expires after 5
// minutes" (the engine's CodeTTL).
//
// It is the password grant by another road, so only clients created with
// --profile eptura that are allowed the password grant and do not
// require consent may use it (grant.AuthorizeRequest.Headless); PKCE is
// not asked of them. The request is validated before the password is
// checked, so a malformed request costs no argon2id verification and
// counts no failed sign-in against the user.
func (h *handler) auth(w http.ResponseWriter, r *http.Request) {
	hd, err := headers(r, []string{hAuthUsername, hAuthPassword, hClientID, hRedirectURI, hScope, hCodeVerifier},
		hAuthUsername, hAuthPassword, hClientID, hRedirectURI)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	a, err := h.d.Engine.ValidateAuthorize(r.Context(), grant.AuthorizeRequest{
		ResponseType: "code", ClientID: hd[hClientID], RedirectURI: hd[hRedirectURI], Scope: hd[hScope],
		Dialect: Name, Headless: true,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.d.Engine.AuthenticateUser(r.Context(), grant.SignIn{
		Username: hd[hAuthUsername], Password: hd[hAuthPassword], IP: h.d.ClientIP(r), ClientID: a.Client.ID})
	if err != nil {
		if errors.Is(err, grant.ErrBadCredentials) {
			// RFC 9110 §11.6.1: a 401 names how to authenticate.
			w.Header().Set("WWW-Authenticate", `X-Auth-Headers realm="tokenmint"`)
		}
		h.writeError(w, r, signInError(err))
		return
	}
	code, err := h.d.Engine.IssueCode(r.Context(), a, u.ID, h.d.Clock())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		Code string `json:"code"`
	}{code})
}

// signInError maps a failed sign-in: 401 for wrong credentials (the
// status iOFFICE's client takes for "bad credentials"), 429
// temporarily_unavailable with Retry-After when the sign-in throttle
// refuses (see oauth.RateLimited).
func signInError(err error) error {
	var te *grant.ThrottledError
	switch {
	case errors.Is(err, grant.ErrBadCredentials):
		return &oauth.Error{Code: oauth.AccessDenied, Status: http.StatusUnauthorized, Description: "invalid username or password"}
	case errors.As(err, &te):
		return oauth.RateLimited(te.RetryAfter, te.Error())
	}
	return err
}

// tokenBody is the documented token response. expires_in is "number; //
// in milliseconds", unlike RFC 6749's seconds.
type tokenBody struct {
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

var tokenHeaders = []string{hGrantType, hRedirectURI, hClientID, hClientSecret, hScope, hAuthCode, hRefreshToken, hCodeVerifier}

// token serves the token endpoint with every parameter in a header:
// x-grant-type authorization_code (with x-auth-code) or refresh_token
// (with x-refresh-token, which "will return a brand new token and another
// refresh token": rotation, the old one spent). x-client-secret
// authenticates a confidential client; a public one sends x-client-id
// alone. x-scope, "the same scope used to get the auth-code", may narrow
// a refresh (RFC 6749 §6) and is otherwise the code's.
func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	h.allowClientOrigin(w, r, r.Header.Get(hClientID))
	hd, err := headers(r, tokenHeaders, hGrantType, hClientID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := checkGrant(hd); err != nil {
		h.writeError(w, r, err)
		return
	}
	req := tokenRequest(hd, h.d.ClientIP(r))
	if req.Client.Certificate, err = httpapi.ClientCertificate(r); err != nil { // mutual TLS (RFC 8705)
		h.writeError(w, r, err)
		return
	}
	resp, err := h.d.Engine.Token(r.Context(), req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, tokenBody{
		TokenType:    resp.TokenType,
		AccessToken:  resp.AccessToken,
		ExpiresIn:    resp.ExpiresIn.Milliseconds(),
		RefreshToken: resp.RefreshToken,
	})
}

// checkGrant requires the credential header of the grant, naming it.
func checkGrant(hd map[string]string) error {
	need := map[string]string{tokenmint.GrantAuthorizationCode: hAuthCode, tokenmint.GrantRefreshToken: hRefreshToken}[hd[hGrantType]]
	switch {
	case need == "":
		return oauth.NewError(oauth.UnsupportedGrantType, "x-grant-type must be authorization_code or refresh_token")
	case hd[need] == "":
		return oauth.NewError(oauth.InvalidRequest, "missing header %s", strings.ToLower(need))
	}
	return nil
}

func tokenRequest(hd map[string]string, ip string) grant.TokenRequest {
	cred := grant.Credentials{ID: hd[hClientID], Secret: hd[hClientSecret], Method: grant.AuthPost}
	if cred.Secret == "" {
		cred.Method = grant.AuthNone
	}
	return grant.TokenRequest{
		GrantType:    hd[hGrantType],
		Client:       cred,
		Scope:        hd[hScope],
		Code:         hd[hAuthCode],
		RedirectURI:  hd[hRedirectURI],
		CodeVerifier: hd[hCodeVerifier],
		RefreshToken: hd[hRefreshToken],
		ClientIP:     ip,
	}
}

// revoke serves "To invalidate a token, use the endpoint
// /external/api/oauth2/revoke": the token alone, whoever holds it. A
// refresh token revokes its whole authorization, access tokens included
// (RFC 7009 §2.1); an unknown or already revoked token succeeds (§2.2).
// "This can log out": the browser login session the token's authorization
// was given in (through /login.html) ends too
// (grant.Engine.RevokeBearerAndSession), so the next /login.html asks
// the person to sign in again.
func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	// Any page that holds a token may revoke it and read the empty 200:
	// revoking is what the token's holder is entitled to (RFC 7009 §2.1).
	w.Header().Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	tok, err := presentedToken(r, hToken, hAccessToken, hRefreshToken)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if tok == "" {
		h.writeError(w, r, oauth.NewError(oauth.InvalidRequest, "send the token to revoke in the x-token header"))
		return
	}
	if err := h.d.Engine.RevokeBearerAndSession(r.Context(), tok); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// presentedToken returns the one token a request carries in the named
// headers or as Authorization: Bearer; "" when none. Different tokens in
// different places are refused: which one to act on would be a guess.
func presentedToken(r *http.Request, names ...string) (string, error) {
	var tok string
	for _, n := range names {
		v, err := header(r, n)
		if err != nil {
			return "", err
		}
		if tok, err = same(tok, v); err != nil {
			return "", err
		}
	}
	if r.Header.Get("Authorization") == "" {
		return tok, nil
	}
	v, err := httpapi.BearerToken(r)
	if err != nil {
		return "", err
	}
	return same(tok, v)
}

func same(have, v string) (string, error) {
	if have != "" && v != "" && have != v {
		return "", oauth.NewError(oauth.InvalidRequest, "the request carries two different tokens")
	}
	if v != "" {
		return v, nil
	}
	return have, nil
}
