package eptura

import (
	"net/http"

	"github.com/tokenmint/tokenmint/dialect"
)

// Profile is the client profile (tokenmint.Client.Profile) of the clients
// this dialect serves: a client made with `client create --profile
// eptura`.
const Profile = "eptura"

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

// Register mounts the Eptura endpoints on mux. It panics without
// d.Login: the authorization page is the browser flow of package login.
func Register(mux *http.ServeMux, d dialect.Deps) {
	d.Check("eptura")
	if d.Login == nil || d.Store == nil {
		panic("dialect eptura: Login and Store are required")
	}
	h := &handler{d: d}
	d.Handle(mux, "GET "+PathLogin, "eptura_authorize", http.HandlerFunc(h.authorize))
	d.Handle(mux, "POST "+PathAuth, "eptura_auth", d.LimitByIP("eptura_auth", d.TokenIPLimit, http.HandlerFunc(h.auth), nil))
	d.Handle(mux, "POST "+PathToken, "eptura_token", d.LimitByIP("eptura_token", d.TokenIPLimit, http.HandlerFunc(h.token), nil))
	d.Handle(mux, "POST "+PathRevoke, "eptura_revoke", http.HandlerFunc(h.revoke))
	d.Handle(mux, "GET "+PathRevoke, "eptura_revoke", http.HandlerFunc(h.revoke))
	d.Handle(mux, "GET "+PathMe, "eptura_me", http.HandlerFunc(h.me))
	d.Handle(mux, PathLogin, "method_not_allowed", d.MethodNotAllowed(http.MethodGet))
	d.Handle(mux, PathAuth, "method_not_allowed", d.MethodNotAllowed(http.MethodPost))
	d.Handle(mux, PathToken, "method_not_allowed", d.MethodNotAllowed(http.MethodPost))
	d.Handle(mux, PathRevoke, "method_not_allowed", d.MethodNotAllowed(http.MethodGet, http.MethodPost))
	d.Handle(mux, PathMe, "method_not_allowed", d.MethodNotAllowed(http.MethodGet))
}
