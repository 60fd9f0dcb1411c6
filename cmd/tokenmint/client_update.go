package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// clientUpdate is a parsed `client update`: the flags of client create,
// of which only those given change the client.
type clientUpdate struct {
	f    *flags
	spec registry.ClientSpec
	set  map[string]bool // flag names given
}

func newClientUpdate(f *flags) *clientUpdate {
	u := &clientUpdate{f: f, set: map[string]bool{}}
	clientSpecFlags(f, &u.spec)
	return u
}

// settingFlags are flags of every command that name no client member.
var settingFlags = []string{"output", "config", "database", "master-key-file"}

func isRemoteFlag(name string) bool { _, ok := remoteEnv[name]; return ok }

// check records the flags given and refuses what an update cannot do.
func (u *clientUpdate) check() error {
	u.f.Visit(func(fl *flag.Flag) {
		if !slices.Contains(settingFlags, fl.Name) && !isRemoteFlag(fl.Name) {
			u.set[fl.Name] = true
		}
	})
	switch {
	case len(u.set) == 0:
		return usagef("nothing to change: give the flags of the members to change (run 'tokenmint client update -h')")
	case u.set["id"]:
		return usagef("--id cannot change: the client ID is the argument")
	case u.set["api-key"] && u.spec.APIKey:
		return usagef("--api-key cannot add an API key here: run 'tokenmint client rotate-api-key ID' (--api-key=false removes the client's)")
	}
	return nil
}

// patch builds the members to change from the flags given and the client
// as it is (cur): only the flags given, but for the claims, which --claim
// and the EPC flags change one by one (--claim KEY= removes KEY), and for
// a new --profile, whose defaults fill the members its flags leave out,
// as client create does. It also returns the members a new profile set.
func (u *clientUpdate) patch(cur *clientmeta.Metadata) (*clientmeta.Fields, []string, error) {
	var p clientmeta.Fields
	s := u.spec
	if u.set["public"] && s.Public != (cur.TokenEndpointAuthMethod == tokenmint.AuthMethodNone) {
		return nil, nil, usagef("--public cannot change: a public client has no secret and a confidential one has; create another client")
	}
	set := func(flag string, apply func()) {
		if u.set[flag] {
			apply()
		}
	}
	set("name", func() { p.ClientName = &s.Name })
	set("grant-type", func() { p.GrantTypes = &s.GrantTypes })
	set("scope", func() { p.Scope = ptrTo(oauth.JoinScope(s.Scopes)) })
	set("default-scope", func() { p.DefaultScope = ptrTo(oauth.JoinScope(s.DefaultScopes)) })
	set("redirect-uri", func() { p.RedirectURIs = &s.RedirectURIs })
	set("audience", func() { p.Audience = &s.Audience })
	set("token-format", func() { p.TokenFormat = &s.TokenFormat })
	set("signing-alg", func() { p.SigningAlg = &s.SigningAlg })
	set("access-ttl", func() { p.AccessTokenTTL = ptrTo(seconds(s.AccessTTL)) })
	set("idle-ttl", func() { p.IdleTTL = ptrTo(seconds(s.IdleTTL)) })
	set("refresh-ttl", func() { p.RefreshTokenTTL = ptrTo(seconds(s.RefreshTTL)) })
	set("api-key", func() { p.HasAPIKey = ptrTo(false) })
	set("allow-plain-pkce", func() { p.AllowPlainPKCE = &s.AllowPlainPKCE })
	set("require-consent", func() { p.RequireConsent = &s.RequireConsent })
	set("allow-no-pkce", func() { p.AllowNoPKCE = &s.AllowNoPKCE })
	set("intersect-scopes", func() { p.IntersectScopes = &s.IntersectScopes })
	set("resource", func() { p.Resources = &s.Resources })
	set("introspection-signed-response-alg", func() { p.IntrospectionSignedResponseAlg = &s.IntrospectionAlg })
	set("token-endpoint-auth-method", func() { p.TokenEndpointAuthMethod = &s.AuthMethod })
	set("jwks", func() { raw := json.RawMessage(s.JWKS); p.JWKS = &raw })
	set("jwks-uri", func() { p.JWKSURI = &s.JWKSURI })
	set("token-endpoint-auth-signing-alg", func() { p.TokenEndpointAuthSigningAlg = &s.AuthSigningAlg })
	set("owner", func() { p.Owner = &s.Owner }) // resolved to an ID by runClientUpdate
	u.patchSettings(&p)
	u.patchFederation(&p)
	if len(s.Claims) > 0 {
		claims := maps.Clone(cur.Claims)
		if claims == nil {
			claims = map[string]string{}
		}
		for k, v := range s.Claims {
			if v == "" {
				delete(claims, k)
			} else {
				claims[k] = v
			}
		}
		p.Claims = &claims
	}
	profile := cur.Profile
	var filled []string
	if u.set["profile"] {
		p.Profile, profile = &s.Profile, s.Profile
		if s.Profile != cur.Profile && s.Profile != "" {
			var err error
			if filled, err = u.profileDefaults(&p, cur); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, name := range []string{"environment", "encompass-instance-id", "encompass-client-id"} {
		if u.set[name] && profile != "epc" {
			return nil, nil, usagef("--%s goes with the epc profile (the client's is %q)", name, profile)
		}
	}
	return &p, filled, nil
}

// profileDefaults fills p with the defaults of the new profile for the
// members whose flags were not given, and returns their names.
func (u *clientUpdate) profileDefaults(p *clientmeta.Fields, cur *clientmeta.Metadata) ([]string, error) {
	spec := u.spec
	spec.ID = cur.ClientID
	explicit := map[string]bool{}
	for fl := range u.set {
		if field, ok := profileFields[fl]; ok {
			explicit[field] = true
		}
	}
	if err := spec.ApplyProfile(dialects.Profile, func(field string) bool { return explicit[field] }); err != nil {
		return nil, err
	}
	var filled []string
	fill := func(field string, apply func()) {
		if !explicit[field] {
			apply()
			filled = append(filled, field)
		}
	}
	fill(registry.FieldGrantTypes, func() { p.GrantTypes = &spec.GrantTypes })
	fill(registry.FieldScope, func() { p.Scope = ptrTo(oauth.JoinScope(spec.Scopes)) })
	fill(registry.FieldTokenFormat, func() { p.TokenFormat = ptrTo(cmpOr(spec.TokenFormat, tokenmint.FormatJWT)) })
	fill(registry.FieldSigningAlg, func() { p.SigningAlg = &spec.SigningAlg })
	fill(registry.FieldAccessTTL, func() { p.AccessTokenTTL = ptrTo(seconds(spec.AccessTTL)) })
	fill(registry.FieldIdleTTL, func() { p.IdleTTL = ptrTo(seconds(spec.IdleTTL)) })
	fill(registry.FieldIntersectScopes, func() { p.IntersectScopes = &spec.IntersectScopes })
	if len(spec.Claims) > 0 {
		claims := maps.Clone(cur.Claims)
		if p.Claims != nil {
			claims = *p.Claims
		}
		if claims == nil {
			claims = map[string]string{}
		}
		for k, v := range spec.Claims {
			if _, own := claims[k]; !own {
				claims[k] = v
			}
		}
		p.Claims = &claims
		filled = append(filled, "claims")
	}
	return filled, nil
}

func ptrTo[T any](v T) *T { return &v }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// seconds is d in whole seconds, rounded up.
func seconds(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }

func runClientUpdate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	u := newClientUpdate(f)
	out := f.output("json")
	cf := config.Register(f.FlagSet, "database")
	rf := defineRemoteFlags(f)
	pos, err := f.parse(args, "client ID")
	if err != nil {
		return err
	}
	if err := u.check(); err != nil {
		return err
	}
	b, err := c.backend(ctx, f, cf, rf, mustExist)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	if u.spec.Owner, err = resolveOwner(ctx, b, u.spec.Owner); err != nil {
		return err
	}
	v, filled, err := b.UpdateClient(ctx, pos[0], u)
	if err != nil {
		return err
	}
	c.afterUpdate(u, filled)
	return c.printOwnedClient(ctx, b, *out, v)
}

// updateError turns the errors of an update into one line naming the
// client or the member.
func updateError(err error, id string) error {
	if e, ok := clientmeta.AsError(err); ok {
		return &usageError{msg: e.Description}
	}
	return notFound(err, "client", id)
}

// afterUpdate warns as client create does, and says which members a new
// profile filled in.
func (c *cli) afterUpdate(u *clientUpdate, filled []string) {
	if len(filled) > 0 {
		fmt.Fprintf(c.stderr, "tokenmint: client update: --profile %s also set %s (its defaults; give their flags to keep other values)\n",
			u.spec.Profile, strings.Join(filled, ", "))
	}
	if u.set["allow-no-pkce"] && u.spec.AllowNoPKCE {
		fmt.Fprintln(c.stderr, allowNoPKCEWarning)
	}
	if u.set["redirect-uri"] {
		c.warnLocalhost(u.spec.RedirectURIs)
	}
}
