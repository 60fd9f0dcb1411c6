package eptura

import (
	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// Profile is a Workplace app: "The client secret may not be required
// unless you are building a web server application" (public by default),
// an authorization code exchanged for "an access token and a refresh
// token", and scope "you can set it to email or any other string" (any
// requested scope narrowed to the allowed ones). Its public clients may
// opt out of PKCE in /login.html, the article's flow having none.
func (Dialect) Profile() registry.Profile {
	return registry.Profile{
		Name:       Name,
		Summary:    "Eptura Workplace app: public, authorization code and refresh token, any scope string narrowed to the allowed ones (default email)",
		NoPKCEFlow: true,
		Defaults: func(*registry.ClientSpec) registry.ClientSpec {
			return registry.ClientSpec{
				Public:          true,
				GrantTypes:      []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken},
				Scopes:          []string{"email"},
				IntersectScopes: true,
			}
		},
	}
}
