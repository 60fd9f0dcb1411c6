package oauth4webapi_test

import "testing"

// TestOAuth4WebAPIFormPost: oauth4webapi through response_mode=form_post
// on a real server (form_post.mjs): the auto-submitting page after
// sign-in (no-store, its form to the redirect URI, a <noscript> button,
// the script allowed by hash), its fields given to validateAuthResponse
// as the form body (iss and state checked), the code redeemed with PKCE,
// with the request in the query and pushed (PAR); the same fields with
// another iss refused by the client; an error (invalid_scope) posted the
// same way, with iss.
func TestOAuth4WebAPIFormPost(t *testing.T) {
	node := requireNode(t)
	onBackends(t, func(t *testing.T, database func() string) {
		in := startWebServer(t, database(), nil)
		c := webClient(t, in, "oauth4webapi form_post", nil)
		runNode(t, node, "form_post.mjs", "TOKENMINT_ISSUER="+in.Config.Issuer, "USERNAME="+webUser, "PASSWORD="+webPassword,
			"CLIENT_ID="+c.ID, "CLIENT_SECRET="+c.Secret)
	})
}
