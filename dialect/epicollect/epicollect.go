package epicollect

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// PathToken is the token endpoint: "POST /api/oauth/token".
const PathToken = "/api/oauth/token"

type handler struct {
	d dialect.Deps
	// quota is the rolling limit of tokens issued per client IP (zero:
	// none), counted by d.Window.
	quota ratelimit.Limit
}

// DefaultAccessTTL is the lifetime of a token for a client that sets
// none: "Access tokens are valid for 2 hours from the time they are
// issued."
const DefaultAccessTTL = 2 * time.Hour

// Dialect is the Epicollect5 dialect (package dialect).
type Dialect struct{}

// Name is "epicollect".
func (Dialect) Name() string { return Name }

// SettingRateLimit is the setting of the tokens issued per client IP over
// a rolling period: "we currently enforce a rate limit of 10 tokens per
// hour per IP address" (--epicollect-rate-limit).
const SettingRateLimit = "epicollect_rate_limit"

// Settings is the rolling limit of tokens issued per client IP.
func (Dialect) Settings() []dialect.Setting {
	return []dialect.Setting{{
		Key:     SettingRateLimit,
		Default: "10/1h",
		Help:    "Epicollect tokens issued per client IP over a rolling period, a `RATE` N/DURATION (empty: none)",
		Check: func(v string) error {
			l, err := ratelimit.ParseLimit(v)
			if err != nil {
				return fmt.Errorf("invalid rate %q (use N/DURATION like 100/1m or 10/1h)", v)
			}
			return l.ValidateWindow()
		},
	}}
}

// Policy: a token lives two hours unless the client says otherwise, and
// has the layout of the document's sample (Shape).
func (Dialect) Policy() grant.DialectPolicy {
	return grant.DialectPolicy{Shape: Shape, DefaultAccessTTL: DefaultAccessTTL}
}

// Routes is the token endpoint. Tokens issued are limited per client IP
// over a rolling period by the epicollect_rate_limit setting (the
// platform's documented 10 per hour by default), failed client
// authentications by d.FailedAuth, and requests of any outcome by the
// server's general d.TokenIPLimit when one is configured.
func (Dialect) Routes(d dialect.Deps) ([]dialect.Route, error) {
	d.Check(Name)
	h := &handler{d: d}
	quota, err := ratelimit.ParseLimit(d.Setting(SettingRateLimit))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SettingRateLimit, err)
	}
	if d.Window != nil {
		h.quota = quota
	}
	refuse := func(w http.ResponseWriter, r *http.Request, retryAfter int) {
		h.tooMany(w, retryAfter, "too many requests from this address")
	}
	return []dialect.Route{
		{Pattern: "POST " + PathToken, Endpoint: "epicollect_token", Handler: d.LimitByIP("epicollect_token", d.TokenIPLimit, http.HandlerFunc(h.token), refuse)},
		// The platform's own error shape for any other method.
		{Pattern: PathToken, Endpoint: "method_not_allowed", Handler: http.HandlerFunc(h.methodNotAllowed)},
	}, nil
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
	body, err := h.decode(w, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if body.GrantType != tokenmint.GrantClientCredentials {
		h.writeError(w, r, oauth.NewError(oauth.UnsupportedGrantType, "grant_type must be client_credentials"))
		return
	}
	cred := credentials(body)
	if cred.Certificate, err = httpapi.ClientCertificate(r); err != nil { // mutual TLS (RFC 8705)
		h.writeError(w, r, err)
		return
	}
	ip := h.d.ClientIP(r)
	res, ok := h.admit(w, r, ip)
	if !ok {
		return
	}
	resp, err := h.d.Engine.Token(r.Context(), grant.TokenRequest{
		GrantType: body.GrantType,
		Client:    cred,
		Scope:     body.Scope,
		ClientIP:  ip,
		Dialect:   Name,
	})
	if err != nil {
		h.failed(r.Context(), ip, res, err)
		h.writeError(w, r, err)
		return
	}
	h.quotaHeaders(w, res)
	httpapi.WriteJSON(w, http.StatusOK, tokenBody{TokenType: resp.TokenType, ExpiresIn: int64(resp.ExpiresIn / time.Second), AccessToken: resp.AccessToken})
}

// decode reads the body as the platform's clients send it: JSON
// (application/vnd.api+json in the jQuery sample, or application/json),
// form-encoded (PyEpicollect's requests.post(data=...)) or multipart (the
// R sample's httr::POST(body=list(...))).
func (h *handler) decode(w http.ResponseWriter, r *http.Request) (tokenRequest, error) {
	var body tokenRequest
	ct := r.Header.Get("Content-Type")
	if dialect.IsJSON(ct) {
		return body, dialect.DecodeJSON(w, r, h.d.BodyLimit(), &body)
	}
	if dialect.FormType(ct) == "" {
		return body, &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusUnsupportedMediaType,
			Description: "Content-Type must be application/vnd.api+json, application/json, application/x-www-form-urlencoded or multipart/form-data"}
	}
	form, err := dialect.DecodeForm(w, r, h.d.BodyLimit())
	if err != nil {
		return body, err
	}
	return tokenRequest{GrantType: form.Get("grant_type"), ClientID: dialect.StringOrNumber(form.Get("client_id")),
		ClientSecret: form.Get("client_secret"), Scope: form.Get("scope")}, nil
}

// credentials are the client's: client_id and client_secret in the body
// (RFC 6749 §2.3.1), client_id alone for a public client.
func credentials(body tokenRequest) grant.Credentials {
	cred := grant.Credentials{ID: string(body.ClientID), Secret: body.ClientSecret, Method: grant.AuthPost}
	if cred.Secret == "" {
		cred.Method = grant.AuthNone
	}
	return cred
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
