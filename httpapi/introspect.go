package httpapi

import (
	"encoding/json"
	"maps"
	"net/http"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// introspectionJSON encodes the RFC 7662 §2.2 response for in:
// {"active":false} alone for an inactive token, otherwise the registered
// members and the client's custom claims at the top level, a registered
// member taking precedence over a custom claim of its name. Members are
// sorted by name (json.Marshal of a map), "aud" is a string when there is
// one audience, and the optional members (aud, jti, nbf, sub) are
// omitted when empty, in which case a custom claim of that name shows
// instead. Without custom claims the shape is fixed and a struct gives
// the same bytes as the map.
func introspectionJSON(in *grant.Introspection) ([]byte, error) {
	if !in.Active {
		return json.Marshal(inactive{})
	}
	if len(in.Extra) == 0 {
		return json.Marshal(newIntrospection(in))
	}
	return json.Marshal(introspectionMap(in))
}

// inactive is the response for a token that is not active (RFC 7662 §2.2).
type inactive struct {
	Active bool `json:"active"`
}

// introspection is the response of an active token without custom
// claims, its members in name order. NotBefore points at nbf when the
// token has one.
type introspection struct {
	Active    bool   `json:"active"`
	Audience  any    `json:"aud,omitempty"`
	ClientID  string `json:"client_id"`
	Cnf       *cnf   `json:"cnf,omitempty"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	Issuer    string `json:"iss"`
	JTI       string `json:"jti,omitempty"`
	NotBefore *int64 `json:"nbf,omitempty"`
	Scope     string `json:"scope"`
	Subject   string `json:"sub,omitempty"`
	TokenType string `json:"token_type"`

	nbf int64
}

func newIntrospection(in *grant.Introspection) *introspection {
	out := &introspection{Active: true, Audience: audience(in.Audience), ClientID: in.ClientID,
		ExpiresAt: in.ExpiresAt.Unix(), IssuedAt: in.IssuedAt.Unix(), Issuer: in.Issuer, JTI: in.JTI,
		Scope: oauth.JoinScope(in.Scopes), Subject: in.Subject, TokenType: in.TokenType, Cnf: newCnf(in)}
	if !in.NotBefore.IsZero() {
		out.nbf = in.NotBefore.Unix()
		out.NotBefore = &out.nbf
	}
	return out
}

// introspectionMap is the response of an active token with custom claims:
// they and the registered members present, in one map.
func introspectionMap(in *grant.Introspection) map[string]any {
	m := make(map[string]any, len(in.Extra)+11)
	maps.Copy(m, in.Extra)
	m["active"] = true
	if aud := audience(in.Audience); aud != nil {
		m["aud"] = aud
	}
	m["client_id"] = in.ClientID
	delete(m, "cnf") // a custom claim never passes for a binding
	if c := newCnf(in); c != nil {
		m["cnf"] = c
	}
	m["exp"] = in.ExpiresAt.Unix()
	m["iat"] = in.IssuedAt.Unix()
	m["iss"] = in.Issuer
	if in.JTI != "" {
		m["jti"] = in.JTI
	}
	if !in.NotBefore.IsZero() {
		m["nbf"] = in.NotBefore.Unix()
	}
	m["scope"] = oauth.JoinScope(in.Scopes)
	if in.Subject != "" {
		m["sub"] = in.Subject
	}
	m["token_type"] = in.TokenType
	return m
}

// cnf is the confirmation of a sender-constrained token (RFC 7800 §3.1):
// the jkt of a DPoP-bound one (RFC 9449 §6.2), the x5t#S256 of a
// certificate-bound one (RFC 8705 §3.2).
type cnf struct {
	JKT     string `json:"jkt,omitempty"`
	X5TS256 string `json:"x5t#S256,omitempty"`
}

func newCnf(in *grant.Introspection) *cnf {
	if in.Confirmation.JKT == "" && in.Confirmation.X5TS256 == "" {
		return nil
	}
	return &cnf{JKT: in.Confirmation.JKT, X5TS256: in.Confirmation.X5TS256}
}

// audience is "aud" as RFC 7662 §2.2 and RFC 7519 §4.1.3 allow it: nil
// when there is none, a string when there is one, else the array.
func audience(aud []string) any {
	switch len(aud) {
	case 0:
		return nil
	case 1:
		return aud[0]
	}
	return aud
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

// Introspect serves RFC 7662 §2, and the JWT response of RFC 9701 to a
// request that asks for it (WantsIntrospectionJWT).
func (a *API) Introspect(w http.ResponseWriter, r *http.Request) {
	f, err := DecodeTokenForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	in, caller, err := a.cfg.Engine.IntrospectAs(r.Context(), grant.IntrospectRequest{Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint})
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	body, err := introspectionJSON(in)
	if err == nil && WantsIntrospectionJWT(r.Header.Values("Accept")) {
		a.writeIntrospectionJWT(w, r, caller, body)
		return
	}
	writeJSONBody(w, http.StatusOK, "application/json", body, err)
}
