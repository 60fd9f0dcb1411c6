package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// IntrospectionBody encodes an RFC 7662 §2.2 response: {"active": false}
// alone for an inactive token, otherwise the registered members and the
// client's custom claims at the top level.
func IntrospectionBody(in *grant.Introspection) map[string]any {
	if !in.Active {
		return map[string]any{"active": false}
	}
	m := make(map[string]any, 12+len(in.Extra))
	for k, v := range in.Extra {
		m[k] = v
	}
	m["active"] = true
	m["scope"] = oauth.JoinScope(in.Scopes)
	m["client_id"] = in.ClientID
	m["token_type"] = in.TokenType
	m["exp"] = in.ExpiresAt.Unix()
	m["iat"] = in.IssuedAt.Unix()
	m["iss"] = in.Issuer
	setIf(m, "sub", in.Subject)
	setIf(m, "jti", in.JTI)
	if !in.NotBefore.IsZero() {
		m["nbf"] = in.NotBefore.Unix()
	}
	switch len(in.Audience) {
	case 0:
	case 1:
		m["aud"] = in.Audience[0]
	default:
		m["aud"] = in.Audience
	}
	return m
}

func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// TokenForm is the decoded body of an introspection (RFC 7662 §2.1) or
// revocation (RFC 7009 §2.1) request.
type TokenForm struct {
	Client grant.Credentials
	Token  string
	Hint   string // token_type_hint
}

// DecodeTokenForm reads the form of introspection and revocation: client
// credentials (Basic, or in the body) and a required token.
func DecodeTokenForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (TokenForm, error) {
	form, err := ParseForm(w, r, maxBytes)
	if err != nil {
		return TokenForm{}, err
	}
	cred, err := ClientCredentials(r, form)
	if err != nil {
		return TokenForm{}, err
	}
	if form.Get("token") == "" {
		return TokenForm{}, oauth.NewError(oauth.InvalidRequest, "missing token")
	}
	return TokenForm{Client: cred, Token: form.Get("token"), Hint: form.Get("token_type_hint")}, nil
}

// introspect serves RFC 7662 §2.
func (a *API) introspect(w http.ResponseWriter, r *http.Request) {
	f, err := DecodeTokenForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	in, err := a.cfg.Engine.Introspect(r.Context(), grant.IntrospectRequest{Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint})
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, IntrospectionBody(in))
}

// revoke serves RFC 7009 §2: 200 with an empty body on success, also for
// unknown tokens (§2.2).
func (a *API) revoke(w http.ResponseWriter, r *http.Request) {
	f, err := DecodeTokenForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	if err := a.cfg.Engine.Revoke(r.Context(), grant.RevokeRequest{Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint}); err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// userinfo serves OIDC Core §5.3 (GET or POST, bearer in the header).
func (a *API) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		WriteJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: oauth.InvalidRequest, Description: "use GET or POST"})
		return
	}
	tok, err := BearerToken(r)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	claims, err := a.cfg.Engine.UserInfo(r.Context(), tok)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, claims)
}
