package empowerid

import (
	"mime"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// PathToken is "https://{FQDN_Of_Your_EmpowerID_Web_Server}/oauth/v2/token".
const PathToken = "/oauth/v2/token"

// HeaderAPIKey carries "The API key for the OAuth application".
const HeaderAPIKey = "X-EmpowerID-API-Key"

// DefaultAccessTTL is the lifetime of an access token for a client that
// sets none: "The default expiration time for JWT and access tokens is
// 3600 seconds."
const DefaultAccessTTL = 3600 * time.Second

// none is how the article writes an absent token or description: the
// string "null" ("id_token": "null", "error_description": "null").
const none = "null"

type handler struct{ d dialect.Deps }

// Dialect is the EmpowerID dialect (package dialect).
type Dialect struct{}

// Name is "empowerid".
func (Dialect) Name() string { return Name }

// Settings: EmpowerID adds none.
func (Dialect) Settings() []dialect.Setting { return nil }

// Policy: every token request carries the application's API key and
// names its registered redirect URI (a refresh need not, but one it names
// must be registered), and a token lives 3600 s unless the client says
// otherwise.
func (Dialect) Policy() grant.DialectPolicy {
	return grant.DialectPolicy{RequireAPIKey: true, RequireRedirectURI: true, DefaultAccessTTL: DefaultAccessTTL}
}

// Routes is the token endpoint, with the server's general per-IP token
// limit if one is configured.
func (Dialect) Routes(d dialect.Deps) ([]dialect.Route, error) {
	d.Check(Name)
	h := &handler{d: d}
	return []dialect.Route{
		{Pattern: "POST " + PathToken, Endpoint: "empowerid_token", Handler: d.LimitByIP("empowerid_token", d.TokenIPLimit, http.HandlerFunc(h.token), nil)},
	}, nil
}

// tokenRequest is the article's "Request Data", and refresh_token for
// the refresh grant. scope is optional (the client's default scopes
// apply without it; a refresh keeps the granted ones or narrows them).
type tokenRequest struct {
	ClientID     dialect.StringOrNumber `json:"client_id"`
	ClientSecret string                 `json:"client_secret"`
	RedirectURI  string                 `json:"redirect_uri"`
	GrantType    string                 `json:"grant_type"`
	Scope        string                 `json:"scope"`
	RefreshToken string                 `json:"refresh_token"`
}

// tokenBody is the article's response, every member always present.
type tokenBody struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"` // seconds
	RefreshToken     string `json:"refresh_token"`
	IDToken          string `json:"id_token"`
	Error            string `json:"error"`             // "" on success
	ErrorDescription string `json:"error_description"` // "null" on success
}

func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	body, err := h.decode(w, r)
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	req, err := tokenRequestFrom(r, body)
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	req.ClientIP = h.d.ClientIP(r)
	if req.Client.Certificate, err = httpapi.ClientCertificate(r); err != nil { // mutual TLS (RFC 8705)
		h.d.WriteError(w, r, err)
		return
	}
	resp, err := h.d.Engine.Token(r.Context(), req)
	if err != nil {
		h.d.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, tokenBody{
		AccessToken:      resp.AccessToken,
		TokenType:        resp.TokenType,
		ExpiresIn:        int64(resp.ExpiresIn / time.Second),
		RefreshToken:     orNone(resp.RefreshToken),
		IDToken:          orNone(resp.IDToken),
		ErrorDescription: none,
	})
}

// decode reads the body as JSON ("Request data is sent to the API in JSON
// format") or, as in the article's curl example, form-encoded. A
// text/plain body is read as JSON: the article's Postman steps paste the
// JSON into a "raw" body, which Postman labels text/plain unless JSON is
// chosen too. (Such a request cannot come from a page on another origin
// without a CORS preflight: it carries X-EmpowerID-API-Key.)
func (h *handler) decode(w http.ResponseWriter, r *http.Request) (tokenRequest, error) {
	var body tokenRequest
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case dialect.IsJSON(ct):
		return body, dialect.DecodeJSON(w, r, h.d.BodyLimit(), &body)
	case mt == "text/plain":
		return body, dialect.DecodeJSONBody(w, r, h.d.BodyLimit(), &body)
	case mt != "application/x-www-form-urlencoded":
		return body, &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusUnsupportedMediaType,
			Description: "Content-Type must be application/json, text/plain holding JSON, or application/x-www-form-urlencoded"}
	}
	form, err := httpapi.ParseForm(w, r, h.d.BodyLimit())
	if err != nil {
		return body, err
	}
	body = tokenRequest{ClientID: dialect.StringOrNumber(form.Get("client_id")), ClientSecret: form.Get("client_secret"),
		RedirectURI: form.Get("redirect_uri"), GrantType: form.Get("grant_type"), Scope: form.Get("scope"),
		RefreshToken: form.Get("refresh_token")}
	return body, nil
}

// tokenRequestFrom checks that each credential is present, naming the
// one that is not, and builds the engine's request; the engine then
// checks each is right (client secret, API key, registered redirect URI,
// person's password or refresh token), again with a message of its own
// for each.
//
// The password grant is the article's. The refresh grant (RFC 6749 §6)
// serves the refresh_token of its response with the same conventions: the
// API key header, client_id and client_secret in the JSON or form body,
// redirect_uri checked when sent; no person's credentials, as the refresh
// token stands for the person's authorization (an Authorization header is
// ignored). Rotation and reuse detection are the engine's.
func tokenRequestFrom(r *http.Request, body tokenRequest) (grant.TokenRequest, error) {
	if body.GrantType != tokenmint.GrantPassword && body.GrantType != tokenmint.GrantRefreshToken {
		return grant.TokenRequest{}, oauth.NewError(oauth.UnsupportedGrantType, "grant_type must be password or refresh_token")
	}
	apiKey, err := apiKeyHeader(r)
	if err != nil {
		return grant.TokenRequest{}, err
	}
	if body.ClientID == "" {
		return grant.TokenRequest{}, oauth.NewError(oauth.InvalidClient, "client_id is missing from the request data")
	}
	if body.ClientSecret == "" {
		return grant.TokenRequest{}, oauth.NewError(oauth.InvalidClient, "client_secret is missing from the request data")
	}
	req := grant.TokenRequest{
		GrantType:   body.GrantType,
		Client:      grant.Credentials{ID: string(body.ClientID), Secret: body.ClientSecret, Method: grant.AuthPost, APIKey: apiKey},
		Scope:       body.Scope,
		RedirectURI: body.RedirectURI,
		Dialect:     Name,
	}
	if body.GrantType == tokenmint.GrantRefreshToken {
		if body.RefreshToken == "" {
			return grant.TokenRequest{}, oauth.NewError(oauth.InvalidRequest, "refresh_token is missing from the request data")
		}
		req.RefreshToken = body.RefreshToken
		return req, nil
	}
	if req.Username, req.Password, err = personCredentials(r); err != nil {
		return grant.TokenRequest{}, err
	}
	return req, nil
}

func apiKeyHeader(r *http.Request) (string, error) {
	switch v := r.Header.Values(HeaderAPIKey); {
	case len(v) > 1:
		return "", oauth.NewError(oauth.InvalidRequest, "the %s header is repeated", HeaderAPIKey)
	case len(v) == 0 || v[0] == "":
		return "", oauth.NewError(oauth.InvalidClient, "the %s header is missing", HeaderAPIKey)
	default:
		return v[0], nil
	}
}

// personCredentials reads "the Basic authentication scheme for the
// EmpowerID Person requesting the access token" (RFC 7617: user-id and
// password as they are, not form-encoded as a client's would be).
func personCredentials(r *http.Request) (user, pw string, err error) {
	user, pw, ok := r.BasicAuth()
	if !ok || user == "" || pw == "" {
		return "", "", oauth.NewError(oauth.InvalidRequest,
			"the Authorization header must carry the person's username and password: Basic base64(username:password)")
	}
	return user, pw, nil
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}
