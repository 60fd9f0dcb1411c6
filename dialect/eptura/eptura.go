package eptura

import (
	"errors"
	"net/http"

	"github.com/tokenmint/tokenmint/dialect"
	"github.com/tokenmint/tokenmint/grant"
)

// Name is the name of the dialect and of the client profile
// (tokenmint.Client.Profile) of the clients its authorization flows
// serve: a client made with `client create --profile eptura`.
const Name = "eptura"

// Paths of the Eptura Workplace endpoints.
const (
	PathLogin  = "/login.html"
	PathAuth   = "/external/api/oauth2/auth"
	PathToken  = "/external/api/oauth2/token"
	PathRevoke = "/external/api/oauth2/revoke"
	PathMe     = "/external/api/rest/v2/users/me"
)

// Request headers of the article.
const (
	hAuthUsername = "X-Auth-Username"
	hAuthPassword = "X-Auth-Password"
	hClientID     = "X-Client-Id"
	hClientSecret = "X-Client-Secret"
	hRedirectURI  = "X-Redirect-Uri"
	hScope        = "X-Scope"
	hGrantType    = "X-Grant-Type"
	hAuthCode     = "X-Auth-Code"
	hRefreshToken = "X-Refresh-Token"
	hCodeVerifier = "X-Code-Verifier" // not in the article: PKCE for apps that use it
	hToken        = "X-Token"         // iOFFICE's client, for revocation
	hAccessToken  = "X-Access-Token"  // iOFFICE's client, for API calls
)

type handler struct{ d dialect.Deps }

// Dialect is the Eptura Workplace dialect (package dialect).
type Dialect struct{}

// Name is "eptura".
func (Dialect) Name() string { return Name }

// Settings: Eptura adds none.
func (Dialect) Settings() []dialect.Setting { return nil }

// Policy: Eptura's token endpoint asks nothing beyond RFC 6749.
func (Dialect) Policy() grant.DialectPolicy { return grant.DialectPolicy{} }

// Routes are the Eptura endpoints. They need d.Login and d.Store: the
// authorization page is the browser flow of package login, and users/me
// reads the user.
func (Dialect) Routes(d dialect.Deps) ([]dialect.Route, error) {
	d.Check(Name)
	if d.Login == nil || d.Store == nil {
		return nil, errors.New("dialect eptura: Login and Store are required")
	}
	h := &handler{d: d}
	revoke := http.HandlerFunc(h.revoke)
	return []dialect.Route{
		{Pattern: "GET " + PathLogin, Endpoint: "eptura_authorize", Handler: http.HandlerFunc(h.authorize)},
		{Pattern: "POST " + PathAuth, Endpoint: "eptura_auth", Handler: d.LimitByIP("eptura_auth", d.TokenIPLimit, http.HandlerFunc(h.auth), nil)},
		{Pattern: "POST " + PathToken, Endpoint: "eptura_token", Handler: d.LimitByIP("eptura_token", d.TokenIPLimit, http.HandlerFunc(h.token), nil)},
		{Pattern: "POST " + PathRevoke, Endpoint: "eptura_revoke", Handler: revoke},
		{Pattern: "GET " + PathRevoke, Endpoint: "eptura_revoke", Handler: revoke}, // iOFFICE's client revokes by GET
		{Pattern: "GET " + PathMe, Endpoint: "eptura_me", Handler: http.HandlerFunc(h.me)},
		// CORS preflights of the calls the article's JavaScript apps make
		// from their own origin (cors.go); /auth gets none.
		{Pattern: "OPTIONS " + PathToken, Endpoint: "eptura_preflight", Handler: preflight("POST")},
		{Pattern: "OPTIONS " + PathRevoke, Endpoint: "eptura_preflight", Handler: preflight("GET, POST")},
		{Pattern: "OPTIONS " + PathMe, Endpoint: "eptura_preflight", Handler: preflight("GET")},
	}, nil
}
