// Package adminclient is a Go client for tokenmint's admin API (package
// adminapi, /admin/v1 on the admin listener): a typed method for every
// route, errors carrying the RFC 9457 problem the server answered. The
// CLI's remote mode (--server) uses it; so can a partner portal.
//
// A Client authenticates with a bearer token from a TokenSource: a fixed
// token (StaticToken), or ClientCredentials, which gets one from the
// server's token endpoint with an admin client's ID and secret and gets
// a new one shortly before it expires.
//
//	ts := &adminclient.ClientCredentials{TokenURL: "http://127.0.0.1:8080/oauth2/token", ClientID: id, ClientSecret: secret}
//	c, err := adminclient.New("http://127.0.0.1:8081", ts)
//	created, err := c.CreateClient(ctx, clientmeta.Fields{ClientName: adminclient.Ptr("partner"), Scope: adminclient.Ptr("api")})
package adminclient
