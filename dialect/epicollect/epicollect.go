package epicollect

import (
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// PathToken is the token endpoint: "POST /api/oauth/token".
const PathToken = "/api/oauth/token"

type handler struct {
	d     dialect.Deps
	limit int // requests per period of the IP limit, for X-RateLimit-Limit
}

// Register mounts the token endpoint on mux, limited per client IP by
// d.EpicollectLimit (the platform's documented 10 per hour by default) or,
// when that is zero, by the server's general d.TokenIPLimit.
func Register(mux *http.ServeMux, d dialect.Deps) {
	d.Check("epicollect")
	l := d.EpicollectLimit
	if l.IsZero() {
		l = d.TokenIPLimit
	}
	h := &handler{d: d, limit: l.Count}
	d.Handle(mux, "POST "+PathToken, "epicollect_token", d.LimitByIP("epicollect_token", l, http.HandlerFunc(h.token), h.refuse))
	d.Handle(mux, PathToken, "method_not_allowed", http.HandlerFunc(h.methodNotAllowed))
}

// tokenRequest is the documented body: grant_type, client_id (a number
// in the sample, "client_id: 153"), client_secret. scope is optional, as
// at any client_credentials token endpoint (RFC 6749 §4.4.2); the
// document sends none and the sample token's scopes are [].
type tokenRequest struct {
	GrantType    string                 `json:"grant_type"`
	ClientID     dialect.StringOrNumber `json:"client_id"`
	ClientSecret string                 `json:"client_secret"`
	Scope        string                 `json:"scope"`
}

// tokenBody is the documented response, members in the document's order.
type tokenBody struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // seconds: "7200"
	AccessToken string `json:"access_token"`
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	var body tokenRequest
	if err := dialect.DecodeJSON(w, r, h.d.BodyLimit(), &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	if body.GrantType != tokenmint.GrantClientCredentials {
		h.writeError(w, r, oauth.NewError(oauth.UnsupportedGrantType, "grant_type must be client_credentials"))
		return
	}
	cred := grant.Credentials{ID: string(body.ClientID), Secret: body.ClientSecret, Method: grant.AuthPost}
	if cred.Secret == "" {
		cred.Method = grant.AuthNone
	}
	resp, err := h.d.Engine.Token(r.Context(), grant.TokenRequest{
		GrantType: body.GrantType,
		Client:    cred,
		Scope:     body.Scope,
		ClientIP:  h.d.ClientIP(r),
		Shape:     Shape,
	})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, tokenBody{TokenType: resp.TokenType, ExpiresIn: int64(resp.ExpiresIn / time.Second), AccessToken: resp.AccessToken})
}

// Shape gives a JWT access token the layout of the document's sample
// token, whose header is {"typ":"JWT","alg":"RS256","jti":...} and whose
// claims are {"aud":"2","jti":...,"iat":...,"nbf":...,"exp":...,"sub":"",
// "scopes":[]}: RS256 whatever the client's algorithm; "jti" copied into
// the protected header; "aud" the client's ID; "sub" present and empty;
// the granted scopes as the array "scopes". The RFC 9068 members stay
// ("iss", "client_id", "scope", "typ": "at+jwt") so that the engine
// introspects and revokes the token like any other.
func Shape(j *grant.JWT) {
	j.Alg = tokenmint.AlgRS256
	c := j.Claims
	c.Audience = []string{c.ClientID}
	c.Subject, c.KeepEmptySubject = "", true
	scopes := oauth.ParseScope(c.Scope)
	if scopes == nil {
		scopes = []string{} // "scopes":[] as in the sample, never null
	}
	extra := make(map[string]any, len(c.Extra)+1)
	for k, v := range c.Extra {
		extra[k] = v
	}
	extra["scopes"] = scopes
	c.Extra = extra
	j.Options.ExtraHeaders = map[string]any{"jti": c.ID}
}
