package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/jsonobject"
	"github.com/tokenmint/tokenmint/oauth"
)

// appendIntrospection appends the RFC 7662 §2.2 response for in:
// {"active":false} alone for an inactive token, otherwise the registered
// members and the client's custom claims at the top level, a registered
// member taking precedence over a custom claim of its name.
//
// The body is, byte for byte, what json.Marshal gave for the
// map[string]any this replaced: members sorted by name, encoding/json's
// string escaping, "aud" a string when there is one audience, and the
// optional members (aud, jti, nbf, sub) omitted when empty, in which case
// a custom claim of that name shows instead. Building it by hand instead
// of through a map saves most of the endpoint's encoding cost (a score
// of allocations); TestIntrospectionBody and FuzzIntrospectionBody hold
// it to the map.
func appendIntrospection(b []byte, in *grant.Introspection) ([]byte, error) {
	if !in.Active {
		return append(b, `{"active":false}`...), nil
	}
	w := jsonobject.Start(b)
	x := w.Merge(in.Extra, func(name string) bool { return registeredPresent(in, name) })
	x.Before("active")
	w.Bool("active", true)
	if len(in.Audience) > 0 {
		x.Before("aud")
		if len(in.Audience) == 1 {
			w.String("aud", in.Audience[0])
		} else {
			w.Strings("aud", in.Audience)
		}
	}
	x.Before("client_id")
	w.String("client_id", in.ClientID)
	x.Before("exp")
	w.Int("exp", in.ExpiresAt.Unix())
	x.Before("iat")
	w.Int("iat", in.IssuedAt.Unix())
	x.Before("iss")
	w.String("iss", in.Issuer)
	if in.JTI != "" {
		x.Before("jti")
		w.String("jti", in.JTI)
	}
	if !in.NotBefore.IsZero() {
		x.Before("nbf")
		w.Int("nbf", in.NotBefore.Unix())
	}
	x.Before("scope")
	w.String("scope", oauth.JoinScope(in.Scopes))
	if in.Subject != "" {
		x.Before("sub")
		w.String("sub", in.Subject)
	}
	x.Before("token_type")
	w.String("token_type", in.TokenType)
	x.Rest()
	return w.End()
}

// registeredPresent reports whether in has the registered member name,
// which then hides a custom claim of the same name.
func registeredPresent(in *grant.Introspection, name string) bool {
	switch name {
	case "active", "client_id", "exp", "iat", "iss", "scope", "token_type":
		return true
	case "aud":
		return len(in.Audience) > 0
	case "jti":
		return in.JTI != ""
	case "nbf":
		return !in.NotBefore.IsZero()
	case "sub":
		return in.Subject != ""
	}
	return false
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
	body, err := appendIntrospection(make([]byte, 0, 512), in)
	if err == nil && WantsIntrospectionJWT(r.Header.Values("Accept")) {
		a.writeIntrospectionJWT(w, r, caller, body)
		return
	}
	writeJSONBody(w, http.StatusOK, "application/json", body, err)
}
