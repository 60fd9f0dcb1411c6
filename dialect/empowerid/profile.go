package empowerid

import (
	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// Name is the name of the dialect and of its client profile.
const Name = "empowerid"

// Profile is an EmpowerID OAuth application: "the credentials generated
// for that application—which consists of the API Key, the Client ID and
// the Client Secret", grant_type password with a refresh_token in the
// response, and "The default expiration time ... is 3600 seconds".
func (Dialect) Profile() registry.Profile {
	return registry.Profile{
		Name:    Name,
		Summary: "EmpowerID OAuth application: password and refresh_token grants, an API key, tokens valid 3600 s",
		Defaults: func(*registry.ClientSpec) registry.ClientSpec {
			return registry.ClientSpec{
				GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken},
				APIKey:     true,
				AccessTTL:  DefaultAccessTTL,
			}
		},
	}
}
