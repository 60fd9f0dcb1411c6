package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dialect/dialects"
	"github.com/tokenmint/tokenmint/registry"
)

// clientView is the JSON form of a client. Secrets appear only when just
// generated; stored hashes never do.
type clientView struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	APIKey       string `json:"api_key,omitempty"`
	Name         string `json:"name"`
	Public       bool   `json:"public"`
	// AuthMethod is token_endpoint_auth_method as published; JWKS,
	// JWKSURI and AuthSigningAlg the keys of a private_key_jwt client.
	AuthMethod      string            `json:"token_endpoint_auth_method"`
	JWKS            json.RawMessage   `json:"jwks,omitempty"`
	JWKSURI         string            `json:"jwks_uri,omitempty"`
	AuthSigningAlg  string            `json:"token_endpoint_auth_signing_alg,omitempty"`
	HasAPIKey       bool              `json:"has_api_key"`
	GrantTypes      []string          `json:"grant_types"`
	Scopes          []string          `json:"scopes"`
	DefaultScopes   []string          `json:"default_scopes"`
	RedirectURIs    []string          `json:"redirect_uris"`
	Audience        []string          `json:"audience"`
	TokenFormat     string            `json:"token_format"`
	SigningAlg      string            `json:"signing_alg"` // "": the server's default
	AccessTTL       string            `json:"access_ttl"`
	IdleTTL         string            `json:"idle_ttl"` // "0s": no idle expiry
	RefreshTTL      string            `json:"refresh_ttl"`
	Claims          map[string]string `json:"claims"`
	AllowPlainPKCE  bool              `json:"allow_plain_pkce"`
	RequireConsent  bool              `json:"require_consent"`
	Profile         string            `json:"profile"`
	AllowNoPKCE     bool              `json:"allow_no_pkce"`
	IntersectScopes bool              `json:"intersect_scopes"`
	CreatedAt       time.Time         `json:"created_at"`
	// UpdatedAt is absent in remote mode: the admin API does not answer it.
	UpdatedAt time.Time `json:"updated_at,omitzero"`

	Resources []string `json:"resources"`
	// IntrospectionAlg: "" is RS256 (RFC 9701 §6).
	IntrospectionAlg string `json:"introspection_signed_response_alg"`

	clientSettingsView // mTLS, DPoP, OpenID Connect, PAR, JAR
	// Token exchange and the JWT bearer grant (federation.go).
	TokenExchangeSubjectIssuers []string                    `json:"token_exchange_subject_issuers"`
	TokenExchangeAudiences      []string                    `json:"token_exchange_audiences"`
	JWTBearerTrusts             []clientmeta.JWTBearerTrust `json:"jwt_bearer_trusts"`
	// Owner is the ID of the user who manages the client through the
	// self-service pages, OwnerUsername theirs (nameOwners); absent for
	// a client only operators manage.
	Owner         string `json:"owner,omitempty"`
	OwnerUsername string `json:"owner_username,omitempty"`
}

// newClientView shows effective values: default scopes and lifetimes as
// the server applies them.
func newClientView(c tokenmint.Client, creds registry.Credentials) clientView {
	defaults, _ := c.GrantedScopes(nil)
	claims := c.Claims
	if claims == nil {
		claims = map[string]string{}
	}
	return clientView{
		ClientID: c.ID, ClientSecret: creds.ClientSecret.Reveal(), APIKey: creds.APIKey.Reveal(),
		Name: c.Name, Public: c.Public, HasAPIKey: len(c.APIKeyHash) > 0,
		AuthMethod: clientmeta.AuthMethod(&c), JWKS: json.RawMessage(c.JWKS), JWKSURI: c.JWKSURI, AuthSigningAlg: c.AuthSigningAlg,
		GrantTypes: nonNil(c.GrantTypes), Scopes: nonNil(c.Scopes), DefaultScopes: nonNil(defaults),
		RedirectURIs: nonNil(c.RedirectURIs), Audience: nonNil(c.Audience),
		TokenFormat: c.TokenFormat, SigningAlg: c.SigningAlg,
		AccessTTL: c.EffectiveAccessTTL().String(), IdleTTL: c.IdleTTL.String(), RefreshTTL: c.EffectiveRefreshTTL().String(),
		Claims: claims, AllowPlainPKCE: c.AllowPlainPKCE, RequireConsent: c.RequireConsent,
		Profile: c.Profile, AllowNoPKCE: c.AllowNoPKCE, IntersectScopes: c.IntersectScopes,
		Resources: nonNil(c.Resources), IntrospectionAlg: c.IntrospectionAlg,
		clientSettingsView:          newClientSettingsView(&c),
		TokenExchangeSubjectIssuers: nonNil(c.TokenExchangeSubjectIssuers), TokenExchangeAudiences: nonNil(c.TokenExchangeAudiences),
		JWTBearerTrusts: trustViews(c.JWTBearerTrusts), Owner: c.Owner,
		// whole seconds, as the admin API answers client_id_issued_at
		CreatedAt: c.CreatedAt.UTC().Truncate(time.Second), UpdatedAt: c.UpdatedAt.UTC().Truncate(time.Second),
	}
}

func (v clientView) fields() []field {
	fs := []field{{"client_id", v.ClientID}}
	if v.ClientSecret != "" {
		fs = append(fs, field{"client_secret", v.ClientSecret})
	}
	if v.APIKey != "" {
		fs = append(fs, field{"api_key", v.APIKey})
	}
	claims := make([]string, 0, len(v.Claims))
	for _, k := range slices.Sorted(maps.Keys(v.Claims)) {
		claims = append(claims, k+"="+v.Claims[k])
	}
	fs = append(fs, field{"name", v.Name}, field{"public", fmt.Sprint(v.Public)})
	// The table shows the authentication of a client that signs
	// assertions; the others' is said by public (none, or a secret).
	switch v.AuthMethod {
	case tokenmint.AuthMethodPrivateKeyJWT, tokenmint.AuthMethodSecretJWT, tokenmint.AuthMethodTLSClientAuth, tokenmint.AuthMethodSelfSignedTLSClientAuth:
		fs = append(fs, field{"token_endpoint_auth_method", v.AuthMethod})
	}
	if len(v.JWKS) > 0 {
		fs = append(fs, field{"jwks", string(v.JWKS)})
	}
	if v.JWKSURI != "" {
		fs = append(fs, field{"jwks_uri", v.JWKSURI})
	}
	if v.AuthSigningAlg != "" {
		fs = append(fs, field{"token_endpoint_auth_signing_alg", v.AuthSigningAlg})
	}
	fs = append(fs,
		field{"has_api_key", fmt.Sprint(v.HasAPIKey)},
		field{"grant_types", joinList(v.GrantTypes)}, field{"scopes", joinList(v.Scopes)},
		field{"default_scopes", joinList(v.DefaultScopes)}, field{"redirect_uris", joinList(v.RedirectURIs)},
		field{"audience", joinList(v.Audience)}, field{"token_format", v.TokenFormat}, field{"signing_alg", v.SigningAlg},
		field{"access_ttl", v.AccessTTL}, field{"idle_ttl", v.IdleTTL}, field{"refresh_ttl", v.RefreshTTL},
		field{"claims", strings.Join(claims, ",")}, field{"allow_plain_pkce", fmt.Sprint(v.AllowPlainPKCE)},
		field{"require_consent", fmt.Sprint(v.RequireConsent)}, field{"profile", v.Profile},
		field{"allow_no_pkce", fmt.Sprint(v.AllowNoPKCE)}, field{"intersect_scopes", fmt.Sprint(v.IntersectScopes)},
		field{"created_at", formatTime(v.CreatedAt)},
	)
	if !v.UpdatedAt.IsZero() { // absent in remote mode
		fs = append(fs, field{"updated_at", formatTime(v.UpdatedAt)})
	}
	fs = append(fs, field{"resources", joinList(v.Resources)})
	if v.IntrospectionAlg != "" { // a rare setting, whose long name would widen every table
		fs = append(fs, field{"introspection_alg", v.IntrospectionAlg})
	}
	fs = append(fs, v.settingsFields()...)
	fs = append(fs, v.federationFields()...)
	if v.Owner != "" {
		fs = append(fs, field{"owner", v.owner()})
	}
	return fs
}

// owner names the client's owner for a person: "alice (ID)", or the ID
// alone when the user is unknown.
func (v clientView) owner() string {
	if v.OwnerUsername == "" {
		return v.Owner
	}
	return v.OwnerUsername + " (" + v.Owner + ")"
}

// nameOwners sets the username of each view's owner, listing the users
// once. A user who cannot be found leaves the ID alone.
func nameOwners(ctx context.Context, b backend, views []clientView) error {
	if !slices.ContainsFunc(views, func(v clientView) bool { return v.Owner != "" }) {
		return nil
	}
	users, err := b.ListUsers(ctx)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Username
	}
	for i := range views {
		views[i].OwnerUsername = names[views[i].Owner]
	}
	return nil
}

// resolveOwner is the ID of the user --owner names, by username or by
// ID; "" stays "" (no owner).
func resolveOwner(ctx context.Context, b backend, user string) (string, error) {
	if user == "" {
		return "", nil
	}
	u, err := b.FindUser(ctx, user)
	if err != nil {
		return "", usagef("--owner: %v", err)
	}
	return u.ID, nil
}

func (c *cli) printClient(format string, v clientView) error {
	if format == "json" {
		return c.printJSON(v)
	}
	return c.printFields(v.fields())
}

func checkGrantType(g string) error {
	if !slices.Contains(tokenmint.KnownGrantTypes, g) {
		return fmt.Errorf("unknown grant type %q (use %s)", g, orList(tokenmint.KnownGrantTypes))
	}
	return nil
}

// clientSpecFlags defines the flags describing a new client.
func clientSpecFlags(f *flags, spec *registry.ClientSpec) {
	f.StringVar(&spec.Name, "name", "", "client `NAME` (required)")
	f.StringVar(&spec.ID, "id", "", "client `ID` (default: generated)")
	f.list(&spec.GrantTypes, "grant-type", "allowed grant `TYPE`, repeatable (default client_credentials)", checkGrantType)
	f.list(&spec.Scopes, "scope", "allowed `SCOPE`, repeatable", nil)
	f.list(&spec.DefaultScopes, "default-scope", "`SCOPE` granted when a request names none, repeatable (default: every allowed scope)", nil)
	f.list(&spec.RedirectURIs, "redirect-uri", "registered redirect `URI`, repeatable: https, http only to 127.0.0.1, [::1] or localhost, or a reverse-domain scheme (com.example.app:/cb); compared exactly, but for the port of a loopback URI", nil)
	f.list(&spec.Audience, "audience", "`AUDIENCE` of its access tokens, repeatable (default: the issuer)", nil)
	f.list(&spec.Resources, "resource", "resource indicator `URI` the client may ask for (RFC 8707), repeatable: an absolute URI without a fragment; "+
		"a request naming it gets it as its access token's audience", tokenmint.CheckResource)
	f.choice(&spec.IntrospectionAlg, "introspection-signed-response-alg", "JWS `ALG` of its JWT introspection responses (RFC 9701): ES256, RS256 or EdDSA (default RS256)", tokenmint.KnownAlgs...)
	f.boolean(&spec.Public, "public", "public client without a secret (browser or native apps; needs PKCE)")
	clientAuthFlags(f, spec)
	f.choice(&spec.TokenFormat, "token-format", "access token `FORMAT`: jwt or opaque (default jwt)", tokenmint.FormatJWT, tokenmint.FormatOpaque)
	f.choice(&spec.SigningAlg, "signing-alg", "JWS `ALG` of its JWTs: ES256, RS256 or EdDSA (default: the server's)", tokenmint.KnownAlgs...)
	f.ttl(&spec.AccessTTL, "access-ttl", "access token lifetime, a Go `DURATION` (default 1h)")
	f.ttl(&spec.IdleTTL, "idle-ttl", "end an unused opaque token after this `DURATION` (default: never)")
	f.ttl(&spec.RefreshTTL, "refresh-ttl", "refresh token family lifetime, a Go `DURATION` (default 720h)")
	f.claims(&spec.Claims, "claim", "extra claim `KEY=VALUE` in its tokens, repeatable")
	f.boolean(&spec.APIKey, "api-key", "also generate an API key")
	f.boolean(&spec.AllowPlainPKCE, "allow-plain-pkce", "accept code_challenge_method=plain (RFC 7636 §4.2)")
	f.boolean(&spec.RequireConsent, "require-consent", "show the consent page on every authorization")
	f.choice(&spec.Profile, "profile", "platform `PROFILE` whose documented defaults the client gets: "+
		orList(dialects.Names())+"; explicit flags override them (see 'Client profiles' in the README)", dialects.Names()...)
	f.boolean(&spec.AllowNoPKCE, "allow-no-pkce", "INSECURE, legacy: let this public client use its profile's browser flow without PKCE "+
		"(--profile eptura only; RFC 9700 §2.1.1 requires PKCE, the standard endpoint still does)")
	f.boolean(&spec.IntersectScopes, "intersect-scopes", "grant the allowed part of a requested scope instead of refusing it (RFC 6749 §3.3)")
	f.claimFlag(&spec.Claims, "environment", "EPC: the `ENV` of the partner's tokens (--claim environment=ENV; default Test)")
	f.claimFlag(&spec.Claims, "encompass-instance-id", "EPC: the instance `ID` (--claim encompass_instance_id=ID; default: the environment)")
	f.claimFlag(&spec.Claims, "encompass-client-id", "EPC: the partner `ID` (--claim encompass_client_id=ID; default: the client ID)")
	clientSettingsFlags(f, spec)
	federationFlags(f, spec)
	f.StringVar(&spec.Owner, "owner", "", "the `USER` (username or user ID) who manages the client through the self-service pages (/apps/); "+
		"operators are not bound by --self-service-max-apps (client update: \"\" for none)")
}

// profileFields maps the flags of client create onto the fields a client
// profile fills in, so that an explicit flag overrides the profile.
var profileFields = map[string]string{
	"grant-type":                 registry.FieldGrantTypes,
	"scope":                      registry.FieldScope,
	"public":                     registry.FieldPublic,
	"token-endpoint-auth-method": registry.FieldPublic,
	"api-key":                    registry.FieldAPIKey,
	"token-format":               registry.FieldTokenFormat,
	"signing-alg":                registry.FieldSigningAlg,
	"access-ttl":                 registry.FieldAccessTTL,
	"idle-ttl":                   registry.FieldIdleTTL,
	"intersect-scopes":           registry.FieldIntersectScopes,
}

// applyProfile fills in the defaults of --profile for every field whose
// flag was not given, and checks the EPC claim flags go with that profile.
func applyProfile(f *flags, spec *registry.ClientSpec) error {
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) {
		set[fl.Name] = true
		if field, ok := profileFields[fl.Name]; ok {
			set[field] = true
		}
	})
	for _, name := range []string{"environment", "encompass-instance-id", "encompass-client-id"} {
		if set[name] && spec.Profile != "epc" {
			return usagef("--%s goes with --profile epc", name)
		}
	}
	return spec.ApplyProfile(dialects.Profile, func(field string) bool { return set[field] })
}

func runClientCreate(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	var spec registry.ClientSpec
	clientSpecFlags(f, &spec)
	out := f.output("json")
	cf := config.Register(f.FlagSet, "database", "master-key-file")
	rf := defineRemoteFlags(f)
	if _, err := f.parse(args); err != nil {
		return err
	}
	if spec.Name == "" {
		return usagef("--name is required")
	}
	if err := applyAuthMethod(&spec); err != nil {
		return err
	}
	if err := applyProfile(f, &spec); err != nil {
		return err
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.AllowNoPKCE {
		fmt.Fprintln(c.stderr, allowNoPKCEWarning)
	}
	b, err := c.backend(ctx, f, cf, rf, mayCreate)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	if spec.Owner, err = resolveOwner(ctx, b, spec.Owner); err != nil {
		return err
	}
	v, err := b.CreateClient(ctx, spec)
	if err != nil {
		return err
	}
	c.warnLocalhost(spec.RedirectURIs)
	return c.printOwnedClient(ctx, b, *out, v)
}

// printOwnedClient prints v with its owner's username.
func (c *cli) printOwnedClient(ctx context.Context, b backend, format string, v clientView) error {
	views := []clientView{v}
	if err := nameOwners(ctx, b, views); err != nil {
		return err
	}
	return c.printClient(format, views[0])
}

// allowNoPKCEWarning is printed when a client is allowed the browser flow
// without PKCE.
const allowNoPKCEWarning = "warning: --allow-no-pkce lets this client get codes without PKCE through the eptura dialect's /login.html; " +
	"an intercepted code can then be redeemed by anyone (RFC 9700 §2.1.1). Prefer PKCE."

// warnLocalhost warns of redirect URIs to localhost: accepted, but RFC
// 8252 §8.3 calls them NOT RECOMMENDED, as the name can resolve to
// something other than the loopback interface.
func (c *cli) warnLocalhost(uris []string) {
	for _, u := range uris {
		if p, err := url.Parse(u); err == nil && p.Scheme == "http" && p.Hostname() == "localhost" {
			fmt.Fprintf(c.stderr, "tokenmint: warning: redirect URI %s names localhost; prefer 127.0.0.1 or [::1] (RFC 8252 §8.3)\n", u)
		}
	}
}

func runClientList(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	b, _, err := c.openCommand(ctx, f, args, mustExist)
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	views, err := b.ListClients(ctx)
	if err != nil {
		return err
	}
	if err := nameOwners(ctx, b, views); err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(views)
	}
	rows := make([][]string, 0, len(views))
	for _, v := range views {
		rows = append(rows, []string{v.ClientID, v.Name, fmt.Sprint(v.Public), joinList(v.GrantTypes),
			joinList(v.Scopes), v.TokenFormat, v.AccessTTL, formatTime(v.CreatedAt), cmpOr(v.OwnerUsername, v.Owner)})
	}
	return c.printTable([]string{"CLIENT_ID", "NAME", "PUBLIC", "GRANT_TYPES", "SCOPES", "FORMAT", "ACCESS_TTL", "CREATED", "OWNER"}, rows)
}

func runClientGet(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("json")
	b, pos, err := c.openCommand(ctx, f, args, mustExist, "client ID")
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	v, err := b.GetClient(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.printOwnedClient(ctx, b, *out, v)
}

func runClientDelete(c *cli, ctx context.Context, cmd command, args []string) (err error) {
	f := c.newFlags(cmd)
	out := f.output("table")
	b, pos, err := c.openCommand(ctx, f, args, mustExist, "client ID")
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	id := pos[0]
	if err := b.DeleteClient(ctx, id); err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(map[string]any{"client_id": id, "deleted": true})
	}
	_, err = fmt.Fprintf(c.stdout, "deleted client %s\n", sanitize(id))
	return err
}

func runClientRotateSecret(c *cli, ctx context.Context, cmd command, args []string) error {
	var grace time.Duration
	return rotateCredential(c, ctx, cmd, args, "client_secret", func(f *flags) {
		f.define("grace", "keep the replaced secret working for this `DURATION` (e.g. 24h) so that deployments can move to the new one; "+
			"at most 720h (default 0: it stops working at once)", &value{
			get: func() string { return "" },
			set: func(s string) error {
				d, err := time.ParseDuration(s)
				if err != nil || d < 0 || d > registry.MaxSecretGrace {
					return fmt.Errorf("invalid grace %q (use a Go duration from 0 to %s, like 24h)", s, registry.MaxSecretGrace)
				}
				grace = d
				return nil
			},
		})
	}, func(b backend, ctx context.Context, id string) (string, error) { return b.RotateSecret(ctx, id, grace) })
}

func runClientRotateAPIKey(c *cli, ctx context.Context, cmd command, args []string) error {
	return rotateCredential(c, ctx, cmd, args, "api_key", nil, backend.RotateAPIKey)
}

// rotateCredential runs rotate-secret and rotate-api-key: both print the
// client ID and the new credential under key.
func rotateCredential(c *cli, ctx context.Context, cmd command, args []string, key string, extra func(*flags),
	rotate func(backend, context.Context, string) (string, error)) (err error) {
	f := c.newFlags(cmd)
	if extra != nil {
		extra(f)
	}
	out := f.output("json")
	b, pos, err := c.openCommand(ctx, f, args, mustExist, "client ID")
	if err != nil {
		return err
	}
	defer closeBackend(b, &err)
	id := pos[0]
	secret, err := rotate(b, ctx, id)
	if err != nil {
		return err
	}
	if *out == "json" {
		return c.printJSON(map[string]string{"client_id": id, key: secret})
	}
	return c.printFields([]field{{"client_id", id}, {key, secret}})
}

// openCommand registers the settings of a client, user or keys command
// (the database, the master key file) and the remote flags, parses args
// with the positional arguments want, and returns the backend.
func (c *cli) openCommand(ctx context.Context, f *flags, args []string, mode openMode, want ...string) (backend, []string, error) {
	cf := config.Register(f.FlagSet, "database", "master-key-file")
	rf := defineRemoteFlags(f)
	pos, err := f.parse(args, want...)
	if err != nil {
		return nil, nil, err
	}
	b, err := c.backend(ctx, f, cf, rf, mode)
	return b, pos, err
}

// parseAndLoad parses a command without positional arguments and loads
// its configuration.
func parseAndLoad(c *cli, f *flags, cf *config.Flags, args []string) (config.Config, error) {
	if _, err := f.parse(args); err != nil {
		return config.Config{}, err
	}
	return cf.Load(c.env)
}
