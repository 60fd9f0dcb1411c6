package clientmeta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// Fields are a client's metadata as a request gives them: a nil member
// was absent. JSON null is present, with the member's zero value, which
// is also its default ("" for signing_alg: the server's; 0 for a
// lifetime: the default one; an empty list or object: none). Marshalled,
// absent members are left out, so that a Go client (package adminclient)
// sends only what it sets.
type Fields struct {
	ClientID                *string   `json:"client_id,omitempty"`
	ClientName              *string   `json:"client_name,omitempty"`
	GrantTypes              *[]string `json:"grant_types,omitempty"`
	ResponseTypes           *[]string `json:"response_types,omitempty"`
	Scope                   *string   `json:"scope,omitempty"`
	RedirectURIs            *[]string `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod *string   `json:"token_endpoint_auth_method,omitempty"`
	// JWKS is a JWK Set, a JSON object; null removes the client's.
	JWKS                        *json.RawMessage   `json:"jwks,omitempty"`
	JWKSURI                     *string            `json:"jwks_uri,omitempty"`
	TokenEndpointAuthSigningAlg *string            `json:"token_endpoint_auth_signing_alg,omitempty"`
	TokenFormat                 *string            `json:"token_format,omitempty"`
	AccessTokenTTL              *int64             `json:"access_token_ttl,omitempty"`
	IdleTTL                     *int64             `json:"idle_ttl,omitempty"`
	RefreshTokenTTL             *int64             `json:"refresh_token_ttl,omitempty"`
	Audience                    *[]string          `json:"audience,omitempty"`
	Claims                      *map[string]string `json:"claims,omitempty"`
	Profile                     *string            `json:"profile,omitempty"`
	SigningAlg                  *string            `json:"signing_alg,omitempty"`
	DefaultScope                *string            `json:"default_scope,omitempty"`
	RequireConsent              *bool              `json:"require_consent,omitempty"`
	AllowPlainPKCE              *bool              `json:"allow_plain_pkce,omitempty"`
	AllowNoPKCE                 *bool              `json:"allow_no_pkce,omitempty"`
	IntersectScopes             *bool              `json:"intersect_scopes,omitempty"`
	// Resources are the resource indicators (RFC 8707) the client may
	// ask for. RFC 7591 registers no member for them: the name is
	// tokenmint's, the plural of the request parameter as redirect_uris
	// is of redirect_uri; "resource" is read as an alias.
	Resources *[]string `json:"resources,omitempty"`
	// IntrospectionSignedResponseAlg is the alg of the client's JWT
	// introspection responses (RFC 9701 §6); "": RS256.
	IntrospectionSignedResponseAlg *string `json:"introspection_signed_response_alg,omitempty"`
	// The per-client settings of mutual TLS (RFC 8705 §2.1.2, §3.4), DPoP
	// (RFC 9449 §5.2), OpenID Connect registration (OIDC Registration
	// §2, Back-Channel Logout §2.2), PAR (RFC 9126 §6) and JAR (RFC 9101
	// §10.5), by their registered names (tokenmint.Client).
	TLSClientAuthSubjectDN                *string `json:"tls_client_auth_subject_dn,omitempty"`
	TLSClientAuthSANDNS                   *string `json:"tls_client_auth_san_dns,omitempty"`
	TLSClientAuthSANURI                   *string `json:"tls_client_auth_san_uri,omitempty"`
	TLSClientAuthSANIP                    *string `json:"tls_client_auth_san_ip,omitempty"`
	TLSClientAuthSANEmail                 *string `json:"tls_client_auth_san_email,omitempty"`
	TLSClientCertificateBoundAccessTokens *bool   `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	DPoPBoundAccessTokens                 *bool   `json:"dpop_bound_access_tokens,omitempty"`
	SubjectType                           *string `json:"subject_type,omitempty"`
	SectorIdentifierURI                   *string `json:"sector_identifier_uri,omitempty"`
	BackchannelLogoutURI                  *string `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired      *bool   `json:"backchannel_logout_session_required,omitempty"`
	RequirePushedAuthorizationRequests    *bool   `json:"require_pushed_authorization_requests,omitempty"`
	RequireSignedRequestObject            *bool   `json:"require_signed_request_object,omitempty"`
	// HasAPIKey true on creation generates an API key; false in an
	// update removes the client's (POST .../api-key makes a new one).
	HasAPIKey *bool `json:"has_api_key,omitempty"`
	// Token exchange (RFC 8693) and the JWT bearer grant (RFC 7523
	// §2.1), tokenmint's own names (federation.go).
	TokenExchangeSubjectIssuers *[]string         `json:"token_exchange_subject_issuers,omitempty"`
	TokenExchangeAudiences      *[]string         `json:"token_exchange_audiences,omitempty"`
	JWTBearerTrusts             *[]JWTBearerTrust `json:"jwt_bearer_trusts,omitempty"`
	// Owner is the ID of the user who manages the client through the
	// self-service pages (tokenmint.Client.Owner); "" or null: none.
	// tokenmint's own member, for operators: dynamic registration never
	// reads it (a client would claim an owner). It must name an existing
	// user, which registry checks.
	Owner *string `json:"owner,omitempty"`
}

// Member names that are not writable.
const (
	// Answered, never taken.
	FieldClientSecret            = "client_secret"
	FieldClientIDIssuedAt        = "client_id_issued_at"
	FieldClientSecretExpiresAt   = "client_secret_expires_at"
	FieldAPIKey                  = "api_key"
	FieldPreviousSecretExpiresAt = "previous_secret_expires_at"
)

// readOnly says why each member that is answered but not taken is.
var readOnly = map[string]string{
	FieldClientSecret:            "client_secret is generated by the server and cannot be set: rotate it with POST /admin/v1/clients/{client_id}/secret",
	FieldClientIDIssuedAt:        "client_id_issued_at is set by the server",
	FieldClientSecretExpiresAt:   "client_secret_expires_at is set by the server",
	FieldAPIKey:                  "api_key is generated by the server and cannot be set: ask for one with has_api_key, or POST /admin/v1/clients/{client_id}/api-key",
	FieldPreviousSecretExpiresAt: "previous_secret_expires_at is set by a secret rotation's grace period",
	"registration_access_token":  "registration_access_token is issued by the server",
	"registration_client_uri":    "registration_client_uri is set by the server",
}

// unsupported says why each RFC 7591 member tokenmint does not take yet
// is refused, rather than calling it unknown.
var unsupported = map[string]string{
	"client_uri":         "client_uri is not supported",
	"logo_uri":           "logo_uri is not supported",
	"contacts":           "contacts is not supported",
	"tos_uri":            "tos_uri is not supported",
	"policy_uri":         "policy_uri is not supported",
	"software_id":        "software_id is not supported",
	"software_version":   "software_version is not supported",
	"software_statement": "software_statement is not supported",
}

// DecodeOptions relax Decode for RFC 7591 registration, which "MUST
// ignore any client metadata sent by the client that it does not
// understand" (§2).
type DecodeOptions struct {
	IgnoreUnknown  bool // drop unknown and unsupported members instead of refusing them
	IgnoreReadOnly bool // drop members the server sets (client_secret, ...) instead of refusing them
}

// Decode reads one JSON object of client metadata, refusing anything
// else: an unknown member, a member given twice, a read-only member
// (client_secret, ...), a value of the wrong type, trailing data. The
// error is an *Error naming the member.
func Decode(data []byte) (*Fields, error) { return DecodeWith(data, DecodeOptions{}) }

// DecodeWith is Decode with opts.
func DecodeWith(data []byte, opts DecodeOptions) (*Fields, error) {
	f := &Fields{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &Error{Code: CodeInvalidClientMetadata, Description: "the body must be one JSON object of client metadata"}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxError(err)
		}
		if canonical, ok := aliases[name]; ok {
			name = canonical
		}
		if seen[name] {
			return nil, fieldErrorf(name, "%s is given twice", quoteName(name))
		}
		seen[name] = true
		if err := f.set(name, raw, opts); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Code: CodeInvalidClientMetadata, Description: "the body must be one JSON object of client metadata, with nothing after it"}
	}
	return f, nil
}

func syntaxError(err error) *Error {
	return &Error{Code: CodeInvalidClientMetadata, Description: "the body is not valid JSON: " + err.Error(), Err: err}
}

// aliases are other names a request may give a member by: the singular
// of the RFC 8707 parameter for resources.
var aliases = map[string]string{"resource": FieldResources}

// FieldResources names the resource indicators member.
const FieldResources = "resources"

// set decodes the value of member name into f.
func (f *Fields) set(name string, raw json.RawMessage, opts DecodeOptions) error {
	if why, ok := readOnly[name]; ok {
		if opts.IgnoreReadOnly {
			return nil
		}
		return fieldErrorf(name, "%s", why)
	}
	m, ok := memberByName(name)
	if !ok {
		if opts.IgnoreUnknown {
			return nil
		}
		if why, ok := unsupported[name]; ok {
			return fieldErrorf(name, "%s", why)
		}
		return fieldErrorf(name, "unknown member %s (members: %s)", quoteName(name), strings.Join(Names(), ", "))
	}
	p := reflect.ValueOf(f).Elem().Field(m.index) // a pointer field
	v := reflect.New(p.Type().Elem())
	if m.object && string(bytes.TrimSpace(raw)) != "null" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return &Error{Code: CodeInvalidClientMetadata, Field: name, Description: fmt.Sprintf("%s must be %s", name, m.kind), Err: err}
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return &Error{Code: CodeInvalidClientMetadata, Field: name, Description: fmt.Sprintf("%s must be %s", name, m.kind), Err: err}
		}
		v.Elem().SetBytes(compact.Bytes())
	} else if string(bytes.TrimSpace(raw)) != "null" {
		if err := json.Unmarshal(raw, v.Interface()); err != nil {
			return &Error{Code: CodeInvalidClientMetadata, Field: name, Description: fmt.Sprintf("%s must be %s", name, m.kind), Err: err}
		}
	}
	p.Set(v)
	return nil
}

// quoteName quotes a member name for a message, bounded: it is the
// caller's text.
func quoteName(name string) string {
	if len(name) > 64 {
		name = name[:64] + "…"
	}
	return fmt.Sprintf("%q", name)
}

// member is one writable member of Fields.
type member struct {
	name   string
	index  int    // of its field in Fields
	kind   string // what its value must be, for messages
	object bool   // a JSON object kept as it is (json.RawMessage)
}

var members = func() []member {
	t := reflect.TypeFor[Fields]()
	out := make([]member, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		raw := sf.Type.Elem() == reflect.TypeFor[json.RawMessage]()
		out = append(out, member{name: name, index: i, kind: kindOf(sf.Type.Elem()), object: raw})
	}
	return out
}()

func kindOf(t reflect.Type) string {
	if t == reflect.TypeFor[json.RawMessage]() {
		return "a JSON object (a JWK Set, RFC 7517 §5)"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int64:
		return "a whole number of seconds"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array of strings"
	case reflect.Map:
		return "an object whose values are strings"
	}
	panic("clientmeta: no kind for " + t.String())
}

func memberByName(name string) (member, bool) {
	i := slices.IndexFunc(members, func(m member) bool { return m.name == name })
	if i < 0 {
		return member{}, false
	}
	return members[i], true
}

// Names lists the writable members, in the order of Fields.
func Names() []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.name
	}
	return out
}

// Has reports whether the member with that name was given.
func (f *Fields) Has(name string) bool {
	m, ok := memberByName(name)
	return ok && !reflect.ValueOf(f).Elem().Field(m.index).IsNil()
}

// Present lists the members given, in the order of Fields.
func (f *Fields) Present() []string {
	var out []string
	for _, m := range members {
		if !reflect.ValueOf(f).Elem().Field(m.index).IsNil() {
			out = append(out, m.name)
		}
	}
	return out
}
