package epicollect

import (
	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// Name is the name of the dialect and of its client profile.
const Name = "epicollect"

// Profile is a project's client app: "Access tokens are valid for 2
// hours", the sample token an RS256 JWT, client_id a number ("client_id:
// 153").
func (Dialect) Profile() registry.Profile {
	return registry.Profile{
		Name:    Name,
		Summary: "Epicollect5 project app: a numeric client ID, client_credentials, RS256 JWTs valid 2 h",
		Defaults: func(*registry.ClientSpec) registry.ClientSpec {
			return registry.ClientSpec{
				GrantTypes:  []string{tokenmint.GrantClientCredentials},
				TokenFormat: tokenmint.FormatJWT,
				SigningAlg:  tokenmint.AlgRS256,
				AccessTTL:   DefaultAccessTTL,
			}
		},
		NewID: registry.NumericID,
	}
}
