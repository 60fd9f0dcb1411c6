package epc

import (
	"cmp"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// Name is the name of the EPC dialect and of its client profile.
const Name = "epc"

// Profile is the EPC partner's client: "EPC uses the Client Credentials
// grant type", "scope ... must be pc pcapi", "The access token is active
// for 15 minutes, up to a maximum of 120 minutes", and the introspection
// claims environment, encompass_instance_id, identity_type ("always
// Partner") and encompass_client_id (the Partner ID).
func (Dialect) Profile() registry.Profile {
	return registry.Profile{
		Name:     Name,
		Summary:  "ICE Mortgage Technology EPC partner: client_credentials, scope pc pcapi, opaque tokens living 15 min after last use and 2 h at most, the partner introspection claims",
		Defaults: defaults,
	}
}

func defaults(spec *registry.ClientSpec) registry.ClientSpec {
	// An idle lifetime needs opaque tokens: with JWTs chosen explicitly,
	// the 2 h maximum alone applies.
	idle := 15 * time.Minute
	if spec.TokenFormat == tokenmint.FormatJWT {
		idle = 0
	}
	env := cmp.Or(spec.Claims["environment"], "Test")
	return registry.ClientSpec{
		GrantTypes:  []string{tokenmint.GrantClientCredentials},
		Scopes:      []string{"pc", "pcapi"},
		TokenFormat: tokenmint.FormatOpaque,
		AccessTTL:   2 * time.Hour,
		IdleTTL:     idle,
		Claims: map[string]string{
			"environment":           env,
			"encompass_instance_id": env,
			"identity_type":         "Partner",
			"encompass_client_id":   spec.ID,
		},
	}
}
