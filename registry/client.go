package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/token"
)

// ClientSpec describes a client to create. Zero fields take defaults:
// a generated ID, grant types [client_credentials] and token format jwt.
type ClientSpec struct {
	ID     string // generated with token.NewID when empty
	Name   string
	Public bool // no secret (RFC 6749 §2.1); cannot use client_credentials
	// AuthMethod is the token endpoint authentication method registered
	// (tokenmint.Client.AuthMethod); "" leaves it unstated. A
	// private_key_jwt client gets no secret; a client_secret_jwt client
	// gets a longer one (keying up to HS512), kept sealed beside its hash
	// (Registry.Sealer).
	AuthMethod string
	// JWKS (a JWK Set as JSON, public keys only) or JWKSURI is where a
	// private_key_jwt client's keys are; AuthSigningAlg the one algorithm
	// its assertions may use ("": the defaults).
	JWKS           []byte
	JWKSURI        string
	AuthSigningAlg string
	APIKey         bool // also generate an API key
	GrantTypes     []string
	Scopes         []string
	DefaultScopes  []string // nil: all of Scopes
	RedirectURIs   []string
	Audience       []string
	TokenFormat    string // tokenmint.FormatJWT (default) or FormatOpaque
	SigningAlg     string // "": the server's default
	AccessTTL      time.Duration
	IdleTTL        time.Duration
	RefreshTTL     time.Duration
	Claims         map[string]string
	AllowPlainPKCE bool
	RequireConsent bool
	// Profile names a platform profile whose defaults fill the fields
	// left unset (see ApplyProfile); AllowNoPKCE and IntersectScopes are
	// the per-client policy such profiles use (tokenmint.Client).
	Profile         string
	AllowNoPKCE     bool
	IntersectScopes bool
	// GivenSecret and GivenAPIKey, when set, are the client's secret and
	// API key instead of generated ones: credentials an operator chose
	// (tokenmint apply reads them from a reference). CreateClient does not
	// return them in Credentials, which holds only what it generated.
	GivenSecret token.Secret
	GivenAPIKey token.Secret
	// Resources are the resource indicators (RFC 8707) the client may ask
	// for; IntrospectionAlg the alg of its JWT introspection responses
	// (RFC 9701 §6), "" for RS256 (tokenmint.Client).
	Resources        []string
	IntrospectionAlg string
	// The per-client settings of mutual TLS (RFC 8705), DPoP (RFC 9449),
	// OpenID Connect registration, PAR (RFC 9126) and JAR (RFC 9101), as
	// the tokenmint.Client fields of the same names. A tls_client_auth
	// or self_signed_tls_client_auth client gets no secret.
	TLSClientAuthSubjectDN                string
	TLSClientAuthSANDNS                   string
	TLSClientAuthSANURI                   string
	TLSClientAuthSANIP                    string
	TLSClientAuthSANEmail                 string
	TLSClientCertificateBoundAccessTokens bool
	DPoPBoundAccessTokens                 bool
	SubjectType                           string
	SectorIdentifierURI                   string
	BackchannelLogoutURI                  string
	BackchannelLogoutSessionRequired      bool
	RequirePushedAuthorizationRequests    bool
	RequireSignedRequestObject            bool
	// Owner is the ID of the user who manages the client through the
	// self-service pages (tokenmint.Client.Owner); "" for none.
	Owner string
	// Token exchange (RFC 8693) and the JWT bearer grant (RFC 7523 §2.1),
	// as the tokenmint.Client fields of the same names.
	TokenExchangeSubjectIssuers []string
	TokenExchangeAudiences      []string
	JWTBearerTrusts             []tokenmint.JWTTrust

	profileApplied bool
}

// Credentials are the secrets generated for a client. They are shown to
// the operator once; only their keyed hashes are stored.
type Credentials struct {
	ClientSecret token.Secret // empty for a public client
	APIKey       token.Secret // empty unless requested
}

// CreateClient validates spec, generates the client's credentials and
// stores the client. A spec the client record rejects yields an error
// wrapping ErrInvalid; an ID already taken, tokenmint.ErrConflict.
func (r *Registry) CreateClient(ctx context.Context, spec ClientSpec) (tokenmint.Client, Credentials, error) {
	c, creds, err := r.NewClient(spec)
	if err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	if err := r.checkClient(ctx, c); err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	if err := r.checkOwner(ctx, c.Owner); err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	if err := r.Store.CreateClient(ctx, c); err != nil {
		return tokenmint.Client{}, Credentials{}, fmt.Errorf("create client %s: %w", c.ID, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientCreated, ClientID: c.ID, Details: clientCreatedDetails(c, creds)})
	return c, creds, nil
}

// UpdateClient applies change to the stored client with ID id, validates
// the result and stores it, atomically, and returns it. A change the
// client record rejects yields an error wrapping ErrInvalid (and a
// *tokenmint.FieldError naming the field); change's own errors are
// returned as they are; an unknown client is tokenmint.ErrNotFound.
func (r *Registry) UpdateClient(ctx context.Context, id string, change func(*tokenmint.Client) error) (tokenmint.Client, error) {
	now := r.now()
	if err := r.precheckUpdate(ctx, id, change); err != nil {
		return tokenmint.Client{}, err
	}
	var fields []string
	var previousOwner string
	c, err := r.Store.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
		before := *c
		previousOwner = before.Owner
		if err := change(c); err != nil {
			return err
		}
		if err := validate(c); err != nil {
			return err
		}
		c.UpdatedAt = now
		fields = changedFields(before, *c)
		return nil
	})
	if err != nil && !errors.Is(err, ErrInvalid) {
		return tokenmint.Client{}, fmt.Errorf("update client %s: %w", id, err)
	}
	if err == nil {
		details := map[string]string{"fields": strings.Join(fields, ",")}
		if c.Owner != previousOwner {
			details["owner"], details["previous_owner"] = c.Owner, previousOwner // user IDs; "" for none
		}
		r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientChanged, ClientID: id, Details: details})
	}
	return c, err
}

// changedFields names the fields of a record that differ between before
// and after, but for the update time: names only, never values (a hash
// is a field like any other).
func changedFields[T any](before, after T) []string {
	var out []string
	a, b := reflect.ValueOf(before), reflect.ValueOf(after)
	for i := range a.NumField() {
		name := a.Type().Field(i).Name
		if name != "UpdatedAt" && !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	return out
}

// Validate checks the spec as CreateClient does, without generating
// credentials or touching the store, so that a caller can reject bad
// input before opening anything. Errors wrap ErrInvalid.
func (spec ClientSpec) Validate() error {
	if !spec.profileApplied {
		if err := spec.ApplyProfile(nil, nil); err != nil {
			return err
		}
	}
	c := spec.client(time.Time{})
	if c.UsesSecret() {
		c.SecretHash = []byte("placeholder") // CreateClient generates the real one
	}
	if c.AuthMethod == tokenmint.AuthMethodSecretJWT {
		c.SecretEnc = []byte("placeholder")
	}
	return validate(&c)
}

// validate checks a client record: Client.Validate, and the JWK Set it
// holds (token.ParseClientJWKS, which Validate, in the domain, cannot
// parse). Errors wrap ErrInvalid.
func validate(c *tokenmint.Client) error {
	if err := c.Validate(); err != nil {
		return invalid(err)
	}
	if len(c.JWKS) > 0 {
		if _, err := token.ParseClientJWKS(c.JWKS, true); err != nil {
			return invalid(&tokenmint.FieldError{Field: tokenmint.FieldJWKS, Err: fmt.Errorf("jwks: %w", err)})
		}
	}
	return nil
}

// client builds the record from the spec with defaults applied; copies of
// the slices and map so the caller's spec stays its own.
func (spec ClientSpec) client(now time.Time) tokenmint.Client {
	c := tokenmint.Client{
		ID:              spec.ID,
		Name:            spec.Name,
		Public:          spec.Public,
		AuthMethod:      spec.AuthMethod,
		JWKS:            bytes.Clone(spec.JWKS),
		JWKSURI:         spec.JWKSURI,
		AuthSigningAlg:  spec.AuthSigningAlg,
		GrantTypes:      slices.Clone(spec.GrantTypes),
		Scopes:          slices.Clone(spec.Scopes),
		DefaultScopes:   slices.Clone(spec.DefaultScopes),
		RedirectURIs:    slices.Clone(spec.RedirectURIs),
		Audience:        slices.Clone(spec.Audience),
		TokenFormat:     spec.TokenFormat,
		SigningAlg:      spec.SigningAlg,
		AccessTTL:       spec.AccessTTL,
		IdleTTL:         spec.IdleTTL,
		RefreshTTL:      spec.RefreshTTL,
		Claims:          maps.Clone(spec.Claims),
		AllowPlainPKCE:  spec.AllowPlainPKCE,
		RequireConsent:  spec.RequireConsent,
		Profile:         spec.Profile,
		AllowNoPKCE:     spec.AllowNoPKCE,
		IntersectScopes: spec.IntersectScopes,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	c.Resources, c.IntrospectionAlg = slices.Clone(spec.Resources), spec.IntrospectionAlg
	spec.CopySettings(&c)
	c.Owner = spec.Owner
	c.TokenExchangeSubjectIssuers, c.TokenExchangeAudiences = spec.TokenExchangeSubjectIssuers, spec.TokenExchangeAudiences
	c.JWTBearerTrusts = spec.JWTBearerTrusts
	if c.ID == "" {
		c.ID = newClientID()
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{tokenmint.GrantClientCredentials}
	}
	if c.TokenFormat == "" {
		c.TokenFormat = tokenmint.FormatJWT
	}
	return c
}

// NewClient is CreateClient without the store: it returns the validated
// record, with the keyed hashes of the credentials it generated, and the
// credentials, for a caller that stores the client in a transaction of
// its own (dynamic registration stores it with its registration access
// token).
func (r *Registry) NewClient(spec ClientSpec) (tokenmint.Client, Credentials, error) {
	if !spec.profileApplied {
		if err := spec.ApplyProfile(r.Profiles, nil); err != nil {
			return tokenmint.Client{}, Credentials{}, err
		}
	}
	c := spec.client(r.now())
	creds, err := r.issueCredentials(&c, spec)
	if err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	if err := validate(&c); err != nil {
		return tokenmint.Client{}, Credentials{}, err
	}
	return c, creds, nil
}

// newClientID returns a random ID that does not start with '-', so that
// command lines can pass it as an argument without "--" before it.
func newClientID() string {
	for {
		if id := token.NewID(); id[0] != '-' {
			return id
		}
	}
}

// issueCredentials generates the secret (for a client that uses one)
// and the API key (when asked) and sets their hashes on c; the secret of
// a client_secret_jwt client is also sealed.
func (r *Registry) issueCredentials(c *tokenmint.Client, spec ClientSpec) (Credentials, error) {
	var creds Credentials
	if !c.UsesSecret() && spec.GivenSecret != "" {
		return creds, invalidf("client %s has no secret (public, or authenticating with a key)", c.ID)
	}
	if !c.UsesSecret() && !spec.APIKey && spec.GivenAPIKey == "" {
		return creds, nil
	}
	h, err := r.secrets()
	if err != nil {
		return creds, err
	}
	switch {
	case c.UsesSecret() && spec.GivenSecret != "":
		if c.AuthMethod == tokenmint.AuthMethodSecretJWT {
			if r.Sealer == nil {
				return creds, errors.New("registry has no sealer for the secrets of client_secret_jwt clients")
			}
			c.SecretEnc = r.Sealer.Seal([]byte(spec.GivenSecret.Reveal()), c.ID)
		}
		c.SecretHash = h.Sum(spec.GivenSecret.Reveal())
	case c.UsesSecret():
		secret, enc, err := r.newSecret(c)
		if err != nil {
			return creds, err
		}
		creds.ClientSecret = secret
		c.SecretHash, c.SecretEnc = h.Sum(secret.Reveal()), enc
	}
	switch {
	case spec.GivenAPIKey != "":
		c.APIKeyHash = h.Sum(spec.GivenAPIKey.Reveal())
	case spec.APIKey:
		creds.APIKey = token.Secret(token.Generate(token.PrefixAPIKey))
		c.APIKeyHash = h.Sum(creds.APIKey.Reveal())
	}
	return creds, nil
}

// newSecret generates a secret for c: for a client_secret_jwt client a
// longer one, sealed for it (enc); for any other, enc is nil.
func (r *Registry) newSecret(c *tokenmint.Client) (secret token.Secret, enc []byte, err error) {
	if c.AuthMethod != tokenmint.AuthMethodSecretJWT {
		return token.Secret(token.Generate(token.PrefixClientSecret)), nil, nil
	}
	if r.Sealer == nil {
		return "", nil, errors.New("registry has no sealer for the secrets of client_secret_jwt clients")
	}
	secret = token.Secret(token.GenerateLong(token.PrefixClientSecret))
	return secret, r.Sealer.Seal([]byte(secret.Reveal()), c.ID), nil
}

// RotateSecret replaces the client's secret with a new one and returns
// it; the old secret stops working at once. A public client has no secret
// to rotate (ErrInvalid).
func (r *Registry) RotateSecret(ctx context.Context, id string) (token.Secret, error) {
	secret, _, err := r.RotateSecretGrace(ctx, id, 0)
	return secret, err
}

// MaxSecretGrace bounds the grace period of a rotated secret.
const MaxSecretGrace = 30 * 24 * time.Hour

// RotateSecretGrace replaces the client's secret with a new one and
// returns it with the client as stored. The secret it replaces keeps
// working for grace (none when 0, at most MaxSecretGrace), so that the
// deployments using it can move to the new one; a secret still in the
// grace period of an earlier rotation stops working at once (there is
// one previous secret at most). A public client has no secret to rotate
// (ErrInvalid).
func (r *Registry) RotateSecretGrace(ctx context.Context, id string, grace time.Duration) (token.Secret, tokenmint.Client, error) {
	if grace < 0 || grace > MaxSecretGrace {
		return "", tokenmint.Client{}, invalidf("the grace period must be between 0 and %s", MaxSecretGrace)
	}
	h, err := r.secrets()
	if err != nil {
		return "", tokenmint.Client{}, err
	}
	now := r.now()
	var secret token.Secret
	c, err := r.Store.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
		switch {
		case c.Public:
			return invalidf("client %s is public and has no secret", id)
		case !c.UsesSecret():
			return invalidf("client %s authenticates with %s and has no secret", id, c.AuthMethod)
		}
		var enc []byte
		var err error
		if secret, enc, err = r.newSecret(c); err != nil {
			return err
		}
		c.PreviousSecretHash, c.PreviousSecretExpiresAt, c.PreviousSecretEnc = nil, time.Time{}, nil
		if grace > 0 {
			c.PreviousSecretHash, c.PreviousSecretExpiresAt, c.PreviousSecretEnc = c.SecretHash, now.Add(grace), c.SecretEnc
		}
		c.SecretHash, c.SecretEnc = h.Sum(secret.Reveal()), enc
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, ErrInvalid) {
		return "", tokenmint.Client{}, err
	}
	if err != nil {
		return "", tokenmint.Client{}, fmt.Errorf("rotate credential of client %s: %w", id, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientRotated, ClientID: id, Details: map[string]string{"credential": "secret"}})
	return secret, c, nil
}

// RotateAPIKey replaces (or adds) the client's API key and returns it.
func (r *Registry) RotateAPIKey(ctx context.Context, id string) (token.Secret, error) {
	secret, _, err := r.RotateAPIKeyClient(ctx, id)
	return secret, err
}

// RotateAPIKeyClient is RotateAPIKey, returning the client as stored too.
func (r *Registry) RotateAPIKeyClient(ctx context.Context, id string) (token.Secret, tokenmint.Client, error) {
	return r.rotate(ctx, id, "api_key", token.PrefixAPIKey, func(c *tokenmint.Client, sum []byte) error {
		c.APIKeyHash = sum
		return nil
	})
}

// rotate generates a credential with prefix and lets set store its hash
// on the client, atomically with the update; kind names it in the audit
// event.
func (r *Registry) rotate(ctx context.Context, id, kind, prefix string, set func(*tokenmint.Client, []byte) error) (token.Secret, tokenmint.Client, error) {
	h, err := r.secrets()
	if err != nil {
		return "", tokenmint.Client{}, err
	}
	secret := token.Secret(token.Generate(prefix))
	now := r.now()
	c, err := r.Store.UpdateClient(ctx, id, func(c *tokenmint.Client) error {
		if err := set(c, h.Sum(secret.Reveal())); err != nil {
			return err
		}
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, ErrInvalid) {
		return "", tokenmint.Client{}, err
	}
	if err != nil {
		return "", tokenmint.Client{}, fmt.Errorf("rotate credential of client %s: %w", id, err)
	}
	r.record(ctx, tokenmint.AuditEvent{Type: tokenmint.AuditClientRotated, ClientID: id, Details: map[string]string{"credential": kind}})
	return secret, c, nil
}

// CopySettings copies the per-client settings of mutual TLS, DPoP,
// OpenID Connect registration, PAR and JAR from the spec to c, as an
// update that replaces a client's metadata whole (RFC 7592 §2.2) needs.
func (spec ClientSpec) CopySettings(c *tokenmint.Client) {
	c.TLSClientAuthSubjectDN, c.TLSClientAuthSANDNS = spec.TLSClientAuthSubjectDN, spec.TLSClientAuthSANDNS
	c.TLSClientAuthSANURI, c.TLSClientAuthSANIP = spec.TLSClientAuthSANURI, spec.TLSClientAuthSANIP
	c.TLSClientAuthSANEmail = spec.TLSClientAuthSANEmail
	c.TLSClientCertificateBoundAccessTokens = spec.TLSClientCertificateBoundAccessTokens
	c.DPoPBoundAccessTokens = spec.DPoPBoundAccessTokens
	c.SubjectType, c.SectorIdentifierURI = spec.SubjectType, spec.SectorIdentifierURI
	c.BackchannelLogoutURI = spec.BackchannelLogoutURI
	c.BackchannelLogoutSessionRequired = spec.BackchannelLogoutSessionRequired
	c.RequirePushedAuthorizationRequests = spec.RequirePushedAuthorizationRequests
	c.RequireSignedRequestObject = spec.RequireSignedRequestObject
}

// precheckUpdate runs the checks that need I/O on change applied to the
// stored client, before the update's transaction, which must do none: a
// new owner must exist (checkOwner), and CheckClient. A change the update
// would refuse anyway is left to it.
func (r *Registry) precheckUpdate(ctx context.Context, id string, change func(*tokenmint.Client) error) error {
	c, err := r.Store.GetClient(ctx, id)
	if err != nil {
		return nil // the update reports it
	}
	owner := c.Owner
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	if change(&c) != nil || validate(&c) != nil {
		return nil
	}
	if c.Owner != owner {
		if err := r.checkOwner(ctx, c.Owner); err != nil {
			return err
		}
	}
	if r.CheckClient == nil {
		return nil
	}
	return r.checkClient(ctx, c)
}
