package console

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// A client form's fields are the admin API's client members (package
// clientmeta): the form is turned into the JSON document the admin API
// would get and decoded by clientmeta.Decode, so that the console and the
// API accept exactly the same clients. What the form adds is only its
// own shape: lists one per line, claims as name=value lines, lifetimes in
// the unit the label names, checkboxes.

// fieldKind says how a form field becomes a member.
type fieldKind int

const (
	kindText     fieldKind = iota // a string
	kindLines                     // a list, one item per line
	kindChoices                   // a list, from repeated checkboxes
	kindLifetime                  // a number in the field's unit, to seconds
	kindBool                      // a checkbox: present is true
	kindClaims                    // name=value lines, to an object
	kindJSON                      // a JSON value as typed (jwks)
)

// formField is one field of the client form.
type formField struct {
	name string // the member's name, and the form field's
	kind fieldKind
	unit int64 // seconds per unit, for kindLifetime
	max  int   // bytes
}

// Units of the lifetime fields, as their labels name them.
const (
	unitSeconds = 1
	unitMinutes = 60
	unitDays    = 24 * 60 * 60
)

var clientFormFields = []formField{
	{name: "client_id", kind: kindText, max: 128},
	{name: "client_name", kind: kindText, max: 200},
	{name: "profile", kind: kindText, max: 64},
	{name: "token_endpoint_auth_method", kind: kindText, max: 64},
	{name: "grant_types", kind: kindChoices, max: 128},
	{name: "scope", kind: kindText, max: 4096},
	{name: "default_scope", kind: kindText, max: 4096},
	{name: "redirect_uris", kind: kindLines, max: 16 << 10},
	{name: "audience", kind: kindLines, max: 4096},
	{name: "resources", kind: kindLines, max: 4096},
	{name: "token_format", kind: kindText, max: 16},
	{name: "signing_alg", kind: kindText, max: 16},
	{name: "introspection_signed_response_alg", kind: kindText, max: 16},
	{name: "access_token_ttl", kind: kindLifetime, unit: unitSeconds, max: 32},
	{name: "idle_ttl", kind: kindLifetime, unit: unitMinutes, max: 32},
	{name: "refresh_token_ttl", kind: kindLifetime, unit: unitDays, max: 32},
	{name: "claims", kind: kindClaims, max: 8192},
	{name: "jwks", kind: kindJSON, max: tokenmint.MaxJWKSBytes},
	{name: "jwks_uri", kind: kindText, max: 2048},
	{name: "token_endpoint_auth_signing_alg", kind: kindText, max: 16},
	{name: "require_consent", kind: kindBool},
	{name: "allow_plain_pkce", kind: kindBool},
	{name: "allow_no_pkce", kind: kindBool},
	{name: "intersect_scopes", kind: kindBool},
	{name: "has_api_key", kind: kindBool},
	// Mutual TLS (RFC 8705), DPoP (RFC 9449), OpenID Connect registration,
	// PAR (RFC 9126), JAR (RFC 9101).
	{name: "tls_client_auth_subject_dn", kind: kindText, max: 1024},
	{name: "tls_client_auth_san_dns", kind: kindText, max: 255},
	{name: "tls_client_auth_san_uri", kind: kindText, max: 2048},
	{name: "tls_client_auth_san_ip", kind: kindText, max: 64},
	{name: "tls_client_auth_san_email", kind: kindText, max: 320},
	{name: "tls_client_certificate_bound_access_tokens", kind: kindBool},
	{name: "dpop_bound_access_tokens", kind: kindBool},
	{name: "subject_type", kind: kindText, max: 16},
	{name: "sector_identifier_uri", kind: kindText, max: 2048},
	{name: "backchannel_logout_uri", kind: kindText, max: 2048},
	{name: "backchannel_logout_session_required", kind: kindBool},
	{name: "require_pushed_authorization_requests", kind: kindBool},
	{name: "require_signed_request_object", kind: kindBool},
}

// formErrors are the fields of a form that were refused, each with its
// message; "" names the form as a whole.
type formErrors map[string]string

func (e formErrors) add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Summary is the first message, for the top of the page.
func (e formErrors) Summary() string {
	if msg, ok := e[""]; ok {
		return msg
	}
	for _, f := range clientFormFields {
		if msg, ok := e[f.name]; ok {
			return msg
		}
	}
	keys := slices.Sorted(maps.Keys(e))
	if len(keys) == 0 {
		return ""
	}
	return e[keys[0]]
}

// clientFormMode says which members a client form sends.
type clientFormMode struct {
	create bool
	// hasAPIKey: the client being edited has an API key, whose checkbox
	// then keeps (checked) or removes (unchecked) it. An edit of a client
	// without one sends no has_api_key: an API key is made by its own
	// button.
	hasAPIKey bool
}

// decodeClientForm turns a client form into the admin API's client
// document and decodes it with clientmeta. Every refusal names its field.
func decodeClientForm(form url.Values, mode clientFormMode) (*clientmeta.Fields, formErrors) {
	doc, errs := clientDocument(form, mode)
	if len(errs) > 0 {
		return nil, errs
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, formErrors{"": "The form could not be read."}
	}
	f, err := clientmeta.Decode(data)
	if err != nil {
		return nil, metaErrors(err)
	}
	return f, nil
}

// metaErrors turns a clientmeta or registry validation error into form
// errors; nil when err is not about the request (a store failure).
func metaErrors(err error) formErrors {
	e := clientmeta.Validation(err)
	if e == nil {
		return nil
	}
	field := e.Field
	if field == tokenmint.FieldClientID || slices.ContainsFunc(clientFormFields, func(f formField) bool { return f.name == field }) {
		return formErrors{field: e.Description}
	}
	return formErrors{"": e.Description}
}

// clientDocument builds the JSON object of a client form.
func clientDocument(form url.Values, mode clientFormMode) (map[string]any, formErrors) {
	doc := map[string]any{}
	errs := formErrors{}
	for _, f := range clientFormFields {
		vals := form[f.name]
		if err := checkValues(f, vals); err != "" {
			errs.add(f.name, err)
			continue
		}
		v := ""
		if len(vals) == 1 {
			v = vals[0]
		}
		switch {
		case f.name == "client_id" && (!mode.create || v == ""):
			continue // generated on creation; never changed
		case f.name == "has_api_key" && !mode.create && !mode.hasAPIKey:
			continue
		case f.name == "jwks" && strings.TrimSpace(v) == "":
			if !mode.create {
				doc[f.name] = nil // none
			}
			continue
		}
		val, msg := fieldValue(f, vals, v)
		if msg != "" {
			errs.add(f.name, msg)
			continue
		}
		doc[f.name] = val
	}
	return doc, errs
}

// checkValues refuses a field given twice (but the checkboxes), longer
// than its bound, or not UTF-8.
func checkValues(f formField, vals []string) string {
	if len(vals) > 1 && f.kind != kindChoices {
		return label(f.name) + " is given twice."
	}
	total := 0
	for _, v := range vals {
		total += len(v)
		if !utf8.ValidString(v) {
			return label(f.name) + " is not valid text (UTF-8)."
		}
	}
	if total > f.max && f.kind != kindBool {
		return fmt.Sprintf("%s is longer than %d characters.", label(f.name), f.max)
	}
	return ""
}

// fieldValue is the member's value of one field, or a message.
func fieldValue(f formField, vals []string, v string) (any, string) {
	switch f.kind {
	case kindText:
		return strings.TrimSpace(v), ""
	case kindLines:
		return splitLines(v), ""
	case kindChoices:
		out := []string{}
		for _, c := range vals {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return out, ""
	case kindLifetime:
		return parseLifetime(f, v)
	case kindBool:
		return len(vals) > 0 && v != "" && v != "false", ""
	case kindClaims:
		return parseClaims(v)
	case kindJSON:
		if !json.Valid([]byte(v)) {
			return nil, label(f.name) + " must be a JSON object (a JWK Set: {\"keys\": [...]})."
		}
		return json.RawMessage(v), ""
	}
	return nil, "unknown field"
}

// splitLines is the non-blank lines of v, trimmed.
func splitLines(v string) []string {
	out := []string{}
	for _, line := range strings.Split(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// parseLifetime reads a lifetime in the field's unit ("" is 0, the
// default) as whole seconds.
func parseLifetime(f formField, v string) (any, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return int64(0), ""
	}
	n, err := strconv.ParseFloat(v, 64)
	secs := n * float64(f.unit)
	if err != nil || math.IsNaN(n) || n < 0 || secs > float64(clientmeta.MaxTTL.Seconds()) {
		return nil, fmt.Sprintf("%s must be a number from 0 (the default) to %d.", label(f.name), int64(clientmeta.MaxTTL.Seconds())/f.unit)
	}
	return int64(math.Round(secs)), ""
}

// formatLifetime shows seconds in the field's unit.
func formatLifetime(secs, unit int64) string {
	if secs == 0 {
		return ""
	}
	if secs%unit == 0 {
		return strconv.FormatInt(secs/unit, 10)
	}
	return strconv.FormatFloat(float64(secs)/float64(unit), 'f', -1, 64)
}

// parseClaims reads name=value lines.
func parseClaims(v string) (any, string) {
	out := map[string]string{}
	for _, line := range splitLines(v) {
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			return nil, "Each claim is a line name=value (this line is not: " + clip(line) + ")."
		case out[name] != "":
			return nil, "The claim " + clip(name) + " is given twice."
		}
		out[name] = strings.TrimSpace(value)
	}
	return out, ""
}

// formatClaims shows claims as sorted name=value lines.
func formatClaims(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k + "=" + m[k] + "\n")
	}
	return b.String()
}

// labels are the fields' labels, for messages.
var labels = map[string]string{
	"client_id":                         "Client ID",
	"client_name":                       "Name",
	"profile":                           "Profile",
	"token_endpoint_auth_method":        "Authentication method",
	"grant_types":                       "Grant types",
	"scope":                             "Scopes",
	"default_scope":                     "Default scopes",
	"redirect_uris":                     "Redirect URIs",
	"audience":                          "Audience",
	"resources":                         "Resources",
	"token_format":                      "Token format",
	"signing_alg":                       "Signing algorithm",
	"introspection_signed_response_alg": "Introspection response algorithm",
	"access_token_ttl":                  "Token expiration (seconds)",
	"idle_ttl":                          "Idle timeout (minutes)",
	"refresh_token_ttl":                 "Refresh token lifetime (days)",
	"claims":                            "Claims",
	"jwks":                              "JWK Set",
	"jwks_uri":                          "JWK Set URL",
	"token_endpoint_auth_signing_alg":   "Assertion algorithm",
	"username":                          "Username",
	"email":                             "Email",
	"name":                              "Display name",
	"password":                          "Password",
	"grace":                             "Grace period",
	"app_type":                          "Kind of app",
	"tls_client_auth_subject_dn":        "Certificate subject DN",
	"tls_client_auth_san_dns":           "Certificate DNS name",
	"tls_client_auth_san_uri":           "Certificate URI",
	"tls_client_auth_san_ip":            "Certificate IP address",
	"tls_client_auth_san_email":         "Certificate email",
	"subject_type":                      "Subject type",
	"sector_identifier_uri":             "Sector identifier URL",
	"backchannel_logout_uri":            "Back-channel logout URL",
}

func label(name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	return name
}

// clientForm is a client form's values as the page shows them: from a
// stored client, or as typed when they were refused.
type clientForm struct {
	ClientID, ClientName, Profile, AuthMethod                    string
	Scope, DefaultScope, RedirectURIs, Audience, Resources       string
	TokenFormat, SigningAlg, IntrospectionAlg                    string
	AccessTTL, IdleTTL, RefreshTTL, Claims, JWKS, JWKSURI        string
	AuthSigningAlg                                               string
	GrantTypes                                                   []string
	RequireConsent, AllowPlainPKCE, AllowNoPKCE, IntersectScopes bool
	HasAPIKey                                                    bool
	// The settings of issues 16 and 18 (mTLS, DPoP, OIDC registration,
	// PAR, JAR).
	TLSSubjectDN, TLSSANDNS, TLSSANURI, TLSSANIP, TLSSANEmail string
	SubjectType, SectorIdentifierURI, BackchannelLogoutURI    string
	CertBound, DPoPBound, BackchannelSession, RequirePAR      bool
	RequireSignedRequest                                      bool
}

// formFromMetadata is the form of a stored client.
func formFromMetadata(m *clientmeta.Metadata) clientForm {
	f := clientForm{
		ClientID: m.ClientID, ClientName: m.ClientName, Profile: m.Profile, AuthMethod: m.TokenEndpointAuthMethod,
		Scope: m.Scope, DefaultScope: m.DefaultScope, RedirectURIs: strings.Join(m.RedirectURIs, "\n"),
		Audience: strings.Join(m.Audience, "\n"), Resources: strings.Join(m.Resources, "\n"),
		TokenFormat: m.TokenFormat, SigningAlg: m.SigningAlg, IntrospectionAlg: m.IntrospectionSignedResponseAlg,
		AccessTTL:  formatLifetime(m.AccessTokenTTL, unitSeconds),
		IdleTTL:    formatLifetime(m.IdleTTL, unitMinutes),
		RefreshTTL: formatLifetime(m.RefreshTokenTTL, unitDays),
		Claims:     formatClaims(m.Claims), JWKSURI: m.JWKSURI, AuthSigningAlg: m.TokenEndpointAuthSigningAlg,
		GrantTypes:     m.GrantTypes,
		RequireConsent: m.RequireConsent, AllowPlainPKCE: m.AllowPlainPKCE, AllowNoPKCE: m.AllowNoPKCE,
		IntersectScopes: m.IntersectScopes, HasAPIKey: m.HasAPIKey,
	}
	if len(m.JWKS) > 0 {
		f.JWKS = string(m.JWKS)
	}
	f.TLSSubjectDN, f.TLSSANDNS, f.TLSSANURI = m.TLSClientAuthSubjectDN, m.TLSClientAuthSANDNS, m.TLSClientAuthSANURI
	f.TLSSANIP, f.TLSSANEmail = m.TLSClientAuthSANIP, m.TLSClientAuthSANEmail
	f.SubjectType, f.SectorIdentifierURI, f.BackchannelLogoutURI = m.SubjectType, m.SectorIdentifierURI, m.BackchannelLogoutURI
	f.CertBound, f.DPoPBound = m.TLSClientCertificateBoundAccessTokens, m.DPoPBoundAccessTokens
	f.BackchannelSession, f.RequirePAR = m.BackchannelLogoutSessionRequired, m.RequirePushedAuthorizationRequests
	f.RequireSignedRequest = m.RequireSignedRequestObject
	return f
}

// formFromValues is the form as it was typed.
func formFromValues(v url.Values) clientForm {
	on := func(name string) bool { return v.Get(name) != "" && v.Get(name) != "false" }
	return clientForm{
		ClientID: v.Get("client_id"), ClientName: v.Get("client_name"), Profile: v.Get("profile"),
		AuthMethod: v.Get("token_endpoint_auth_method"), Scope: v.Get("scope"), DefaultScope: v.Get("default_scope"),
		RedirectURIs: v.Get("redirect_uris"), Audience: v.Get("audience"), Resources: v.Get("resources"),
		TokenFormat: v.Get("token_format"), SigningAlg: v.Get("signing_alg"),
		IntrospectionAlg: v.Get("introspection_signed_response_alg"),
		AccessTTL:        v.Get("access_token_ttl"), IdleTTL: v.Get("idle_ttl"), RefreshTTL: v.Get("refresh_token_ttl"),
		Claims: v.Get("claims"), JWKS: v.Get("jwks"), JWKSURI: v.Get("jwks_uri"),
		AuthSigningAlg: v.Get("token_endpoint_auth_signing_alg"), GrantTypes: v["grant_types"],
		RequireConsent: on("require_consent"), AllowPlainPKCE: on("allow_plain_pkce"), AllowNoPKCE: on("allow_no_pkce"),
		IntersectScopes: on("intersect_scopes"), HasAPIKey: on("has_api_key"),
		TLSSubjectDN: v.Get("tls_client_auth_subject_dn"), TLSSANDNS: v.Get("tls_client_auth_san_dns"),
		TLSSANURI: v.Get("tls_client_auth_san_uri"), TLSSANIP: v.Get("tls_client_auth_san_ip"),
		TLSSANEmail: v.Get("tls_client_auth_san_email"), SubjectType: v.Get("subject_type"),
		SectorIdentifierURI: v.Get("sector_identifier_uri"), BackchannelLogoutURI: v.Get("backchannel_logout_uri"),
		CertBound: on("tls_client_certificate_bound_access_tokens"), DPoPBound: on("dpop_bound_access_tokens"),
		BackchannelSession: on("backchannel_logout_session_required"), RequirePAR: on("require_pushed_authorization_requests"),
		RequireSignedRequest: on("require_signed_request_object"),
	}
}

// userForm is a user form's decoded fields.
type userForm struct {
	Username, Email, Name, Password string
	Admin                           bool
}

// decodeUserForm reads a user form: every field once, bounded.
func decodeUserForm(form url.Values) (userForm, formErrors) {
	var u userForm
	errs := formErrors{}
	for _, f := range []struct {
		name string
		dst  *string
		max  int
	}{{"username", &u.Username, 256}, {"email", &u.Email, 320}, {"name", &u.Name, 200}, {"password", &u.Password, 1024}} {
		vals := form[f.name]
		if msg := checkValues(formField{name: f.name, kind: kindText, max: f.max}, vals); msg != "" {
			errs.add(f.name, msg)
			continue
		}
		if len(vals) == 1 {
			*f.dst = vals[0]
		}
	}
	u.Username, u.Email, u.Name = strings.TrimSpace(u.Username), strings.TrimSpace(u.Email), strings.TrimSpace(u.Name)
	u.Admin = form.Get("admin") != ""
	return u, errs
}

// appForm is a self-service app's form.
type appForm struct {
	Name, AppType, RedirectURIs string
	GrantTypes, Scopes          []string
}

// decodeAppForm reads the self-service app form.
func decodeAppForm(form url.Values) (appForm, formErrors) {
	var a appForm
	errs := formErrors{}
	for _, f := range []struct {
		field formField
		dst   *string
	}{
		{formField{name: "client_name", kind: kindText, max: 200}, &a.Name},
		{formField{name: "app_type", kind: kindText, max: 64}, &a.AppType},
		{formField{name: "redirect_uris", kind: kindLines, max: 16 << 10}, &a.RedirectURIs},
	} {
		vals := form[f.field.name]
		if msg := checkValues(f.field, vals); msg != "" {
			errs.add(f.field.name, msg)
			continue
		}
		if len(vals) == 1 {
			*f.dst = vals[0]
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"grant_types", &a.GrantTypes}, {"scope", &a.Scopes}} {
		vals := form[f.name]
		if msg := checkValues(formField{name: f.name, kind: kindChoices, max: 4096}, vals); msg != "" {
			errs.add(f.name, msg)
			continue
		}
		v, _ := fieldValue(formField{name: f.name, kind: kindChoices}, vals, "")
		*f.dst = v.([]string)
	}
	a.Name, a.AppType = strings.TrimSpace(a.Name), strings.TrimSpace(a.AppType)
	return a, errs
}
