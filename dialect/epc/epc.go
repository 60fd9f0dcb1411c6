package epc

import (
	"encoding/json"
	"maps"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// Paths of the EPC endpoints ("OAuth 2.0 REST API Endpoints").
const (
	PathToken         = "/oauth2/v1/token"
	PathIntrospection = "/oauth2/v1/token/introspection"
	PathRevocation    = "/oauth2/v1/token/revocation"
)

type handler struct{ d dialect.Deps }

// Dialect is the EPC dialect (package dialect).
type Dialect struct{}

// Name is "epc".
func (Dialect) Name() string { return Name }

// Settings: EPC adds none.
func (Dialect) Settings() []dialect.Setting { return nil }

// Policy: EPC's token endpoint asks nothing beyond RFC 6749.
func (Dialect) Policy() grant.DialectPolicy { return grant.DialectPolicy{} }

// Routes are the three EPC endpoints. The token endpoint gets the
// server's general per-IP token limit, if one is configured.
func (Dialect) Routes(d dialect.Deps) ([]dialect.Route, error) {
	d.Check(Name)
	h := &handler{d: d}
	return []dialect.Route{
		{Pattern: "POST " + PathToken, Endpoint: "epc_token", Handler: d.LimitByIP("epc_token", d.TokenIPLimit, http.HandlerFunc(h.token), nil)},
		{Pattern: "POST " + PathIntrospection, Endpoint: "epc_introspect", Handler: http.HandlerFunc(h.introspect)},
		{Pattern: "POST " + PathRevocation, Endpoint: "epc_revoke", Handler: http.HandlerFunc(h.revoke)},
	}, nil
}

// tokenBody is the documented token response, and nothing more: "The
// response looks like: {access_token, token_type, expires_in}".
type tokenBody struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // "The value of expires_in, 7200, is in seconds."
}

// token serves "Token Issuance": grant_type "must be client_credentials",
// and a new token is answered with 201 ("201 - an access token is
// created"), where RFC 6749 §5.1 would say 200.
func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	form, err := httpapi.ParseForm(w, r, h.d.BodyLimit())
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	req, err := httpapi.TokenRequestFromForm(r, form)
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	if req.GrantType != "" && req.GrantType != tokenmint.GrantClientCredentials {
		h.d.WriteError(w, r, oauth.NewError(oauth.UnsupportedGrantType, "EPC issues tokens with grant_type=client_credentials only"))
		return
	}
	req.ClientIP = h.d.ClientIP(r)
	resp, err := h.d.Engine.Token(r.Context(), req)
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, tokenBody{
		AccessToken: resp.AccessToken,
		TokenType:   resp.TokenType,
		ExpiresIn:   int64(resp.ExpiresIn / time.Second),
	})
}

// introspect serves "Token Introspection". An active token is answered
// with exactly the documented members: active, scope, client_id,
// token_type, exp (absolute, "seconds ... from January 1, 1970 UTC"),
// plus the client's custom claims (environment, identity_type,
// encompass_client_id, ...).
//
// An inactive token: the document says "If the token is valid, a JSON
// string is returned; otherwise, an error is raised", and also documents
// active as "an indicator of whether the access token is valid". Both are
// honoured: the answer is an error status (400) whose body is
// {"active": false, "error": "invalid_token", "error_description": ...}.
// A plain RFC 7662 200 {"active": false} would be read as success by a
// partner that, trusting the document, only catches errors, and would
// let an expired token through; with this answer both a partner that
// checks the status and one that checks "active" reject the token.
func (h *handler) introspect(w http.ResponseWriter, r *http.Request) {
	f, err := httpapi.DecodeTokenForm(w, r, h.d.BodyLimit())
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	in, err := h.d.Engine.Introspect(r.Context(), grant.IntrospectRequest{Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint})
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	if !in.Active {
		httpapi.WriteJSON(w, http.StatusBadRequest, inactiveBody{Error: oauth.InvalidToken,
			Description: "the token is not active: it is invalid, expired or revoked"})
		return
	}
	body, err := introspectionJSON(in)
	httpapi.WriteJSONBody(w, http.StatusOK, body, err)
}

type inactiveBody struct {
	Active      bool   `json:"active"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// introspectionJSON encodes the documented response of an active token:
// active, client_id, exp, scope and token_type, and the client's custom
// claims at the top level, a documented member winning over a custom
// claim of its name; members sorted by name, as json.Marshal writes a
// map. Without custom claims the shape is fixed and a struct gives the
// same bytes.
func introspectionJSON(in *grant.Introspection) ([]byte, error) {
	if len(in.Extra) == 0 {
		return json.Marshal(activeBody{Active: true, ClientID: in.ClientID, ExpiresAt: in.ExpiresAt.Unix(),
			Scope: oauth.JoinScope(in.Scopes), TokenType: in.TokenType})
	}
	m := make(map[string]any, len(in.Extra)+5)
	maps.Copy(m, in.Extra)
	m["active"] = true
	m["client_id"] = in.ClientID
	m["exp"] = in.ExpiresAt.Unix()
	m["scope"] = oauth.JoinScope(in.Scopes)
	m["token_type"] = in.TokenType
	return json.Marshal(m)
}

// activeBody is the documented response of an active token without
// custom claims, its members in name order.
type activeBody struct {
	Active    bool   `json:"active"`
	ClientID  string `json:"client_id"`
	ExpiresAt int64  `json:"exp"`
	Scope     string `json:"scope"`
	TokenType string `json:"token_type"`
}

// revoke serves "Token Revocation": "If the token is successfully
// revoked, the API returns a 204 status. Otherwise, an error is
// returned." As RFC 7009 §2.2 says, an unknown or already revoked token
// counts as revoked.
func (h *handler) revoke(w http.ResponseWriter, r *http.Request) {
	f, err := httpapi.DecodeTokenForm(w, r, h.d.BodyLimit())
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	err = h.d.Engine.Revoke(r.Context(), grant.RevokeRequest{
		Client: f.Client, Token: f.Token, TokenTypeHint: f.Hint, ClientIP: h.d.ClientIP(r)})
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
