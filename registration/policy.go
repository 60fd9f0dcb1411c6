package registration

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// ScopeRegister lets an access token of this server serve as an initial
// access token (RFC 7591 §3). Like every tokenmint:* scope, only an
// operator can give it to a client.
const ScopeRegister = "tokenmint:register"

// scopeAdmin, the admin plane's everything scope, implies ScopeRegister.
const scopeAdmin = "tokenmint:admin"

// Modes of registration (Policy.Mode), the values of --registration.
const (
	ModeOff   = "off"   // no registration endpoint
	ModeToken = "token" // an initial access token is required
	ModeOpen  = "open"  // anyone may register
)

// Policy is the operator's bound on dynamic registration: who may
// register (Mode) and what a registered client may get. A request for
// anything outside it is refused, never narrowed.
type Policy struct {
	Mode        string
	GrantTypes  []string // a subset of authorization_code, refresh_token, client_credentials
	Scopes      []string // never a tokenmint:* scope
	AuthMethods []string // a subset of tokenmint.AuthMethods
}

// DefaultPolicy lets a standard OpenID Connect relying party register
// with an initial access token.
func DefaultPolicy() Policy {
	return Policy{
		Mode:        ModeToken,
		GrantTypes:  []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken},
		Scopes:      []string{"openid", "profile", "email"},
		AuthMethods: slices.Clone(tokenmint.AuthMethods),
	}
}

// metadataError is a 400 invalid_client_metadata (RFC 7591 §3.2.2).
func metadataError(format string, args ...any) *oauth.Error {
	return oauth.NewError(clientmeta.CodeInvalidClientMetadata, format, args...)
}

// check holds a client about to be registered to the policy: its token
// endpoint authentication method, grant types and scopes (the scopes of
// the policy when it asked for none). Everything else (redirect URIs,
// response types, consistency) clientmeta and tokenmint.Client.Validate
// check on every path that registers clients.
func (p *Policy) check(spec *registry.ClientSpec) error {
	if !slices.Contains(p.AuthMethods, spec.AuthMethod) {
		return metadataError("token_endpoint_auth_method %s is not allowed here (allowed: %s)", spec.AuthMethod, strings.Join(p.AuthMethods, ", "))
	}
	for _, g := range spec.GrantTypes {
		if !slices.Contains(p.GrantTypes, g) {
			return metadataError("grant type %s is not allowed here (allowed: %s)", truncate(g), strings.Join(p.GrantTypes, ", "))
		}
	}
	if spec.Scopes == nil {
		spec.Scopes = slices.Clone(p.Scopes)
		return nil
	}
	for _, s := range spec.Scopes {
		switch {
		case clientmeta.OperatorOnlyScope(s):
			return metadataError("scope %s is reserved for clients an operator creates: registration never grants tokenmint:* scopes", truncate(s))
		case !slices.Contains(p.Scopes, s):
			return metadataError("scope %s is not allowed here (allowed: %s)", truncate(s), strings.Join(p.Scopes, " "))
		}
	}
	return nil
}

// Validate checks the policy itself, as the configuration does.
func (p *Policy) Validate() error {
	switch p.Mode {
	case ModeOff, ModeToken, ModeOpen:
	default:
		return fmt.Errorf("unknown registration mode %q", p.Mode)
	}
	if len(p.GrantTypes) == 0 || len(p.AuthMethods) == 0 {
		return errors.New("a registration policy needs a grant type and an auth method")
	}
	for _, g := range p.GrantTypes {
		if g == tokenmint.GrantPassword || g == tokenmint.GrantTokenExchange || g == tokenmint.GrantJWTBearer || !slices.Contains(tokenmint.KnownGrantTypes, g) {
			return fmt.Errorf("grant type %q cannot be given by registration", g)
		}
	}
	for _, s := range p.Scopes {
		if !oauth.ValidScopeToken(s) || clientmeta.OperatorOnlyScope(s) {
			return fmt.Errorf("scope %q cannot be given by registration", s)
		}
	}
	for _, m := range p.AuthMethods {
		if !slices.Contains(tokenmint.AuthMethods, m) {
			return fmt.Errorf("unknown token endpoint auth method %q", m)
		}
	}
	return nil
}

// truncate bounds a value echoed in an error description.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
