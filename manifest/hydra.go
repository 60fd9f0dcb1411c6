package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// Ory Hydra's OAuth 2.0 client, as `hydra list clients --format json`
// (an object with items, next_page_token and is_last_page),
// `hydra get client ID --format json` (one object) and Hydra's admin API
// (GET /admin/clients, an array) print it. FromHydra maps what tokenmint
// serves and refuses the rest by name.

// hydraMapped are the members FromHydra maps onto tokenmint's.
var hydraMapped = []string{
	"client_id", "client_name", "grant_types", "response_types", "scope", "redirect_uris",
	"token_endpoint_auth_method", "audience", "access_token_strategy",
}

// hydraAccessLifespans and hydraRefreshLifespans are Hydra's per-grant
// lifetimes (Go durations, "1h0m0s"), by the grant they apply to;
// tokenmint has one access token and one refresh lifetime per client.
var (
	hydraAccessLifespans = map[string]string{
		"client_credentials_grant_access_token_lifespan": tokenmint.GrantClientCredentials,
		"authorization_code_grant_access_token_lifespan": tokenmint.GrantAuthorizationCode,
		"refresh_token_grant_access_token_lifespan":      tokenmint.GrantRefreshToken,
	}
	hydraRefreshLifespans = map[string]string{
		"authorization_code_grant_refresh_token_lifespan": tokenmint.GrantAuthorizationCode,
		"refresh_token_grant_refresh_token_lifespan":      tokenmint.GrantRefreshToken,
	}
)

// hydraInformational are left out with a warning when set: they describe
// the client or tune features tokenmint configures elsewhere, and change
// nothing about how it authenticates or what it is granted.
var hydraInformational = []string{
	"owner", "metadata", "client_uri", "logo_uri", "policy_uri", "tos_uri", "contacts", "skip_consent", "skip_logout_consent",
	"authorization_code_grant_id_token_lifespan", "implicit_grant_id_token_lifespan", "refresh_token_grant_id_token_lifespan",
	"device_authorization_grant_id_token_lifespan",
}

// hydraServerSet are set by Hydra and meaningless elsewhere. The secret
// is a hash in Hydra's exports (or absent): tokenmint generates a new one.
var hydraServerSet = []string{
	"client_secret", "client_secret_expires_at", "created_at", "updated_at", "registration_access_token",
	"registration_client_uri", "request_object_signing_alg", "token_endpoint_auth_signing_alg",
	"frontchannel_logout_session_required", "backchannel_logout_session_required",
	// lifetimes of grants tokenmint refuses anyway
	"implicit_grant_access_token_lifespan", "jwt_bearer_grant_access_token_lifespan",
	"device_authorization_grant_access_token_lifespan", "device_authorization_grant_refresh_token_lifespan",
}

// hydraUnsupported are features tokenmint does not have: a client that
// sets one is refused unless IgnoreUnsupported, as it would not behave
// the same.
var hydraUnsupported = map[string]string{
	"jwks":                         "client JWKS (private_key_jwt)",
	"jwks_uri":                     "client JWKS (private_key_jwt)",
	"request_uris":                 "request objects (RFC 9101)",
	"post_logout_redirect_uris":    "OpenID Connect logout",
	"frontchannel_logout_uri":      "OpenID Connect front-channel logout",
	"backchannel_logout_uri":       "OpenID Connect back-channel logout",
	"allowed_cors_origins":         "per-client CORS origins",
	"sector_identifier_uri":        "pairwise subject identifiers",
	"userinfo_signed_response_alg": "signed UserInfo responses",
}

// FromHydra converts Ory Hydra's client export.
func FromHydra(data []byte, opts ImportOptions) (*Imported, error) {
	items, warnings, err := jsonItems(data, func(o map[string]json.RawMessage) bool {
		_, ok := o["client_id"]
		_, page := o["items"]
		return ok && !page
	})
	if err != nil {
		return nil, err
	}
	out := &Imported{Manifest: &Manifest{}, Warnings: warnings}
	for i, raw := range items {
		c, warns, err := hydraClient(raw, opts)
		if err != nil {
			return nil, fmt.Errorf("hydra client %s: %w", hydraName(raw, i), err)
		}
		for _, w := range warns {
			out.Warnings = append(out.Warnings, fmt.Sprintf("hydra client %s: %s", c.ID(), w))
		}
		out.Manifest.Clients = append(out.Manifest.Clients, c)
	}
	return out, out.Manifest.checkUnique()
}

func hydraName(raw json.RawMessage, i int) string {
	var o struct {
		ID string `json:"client_id"`
	}
	if json.Unmarshal(raw, &o) == nil && o.ID != "" {
		return o.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

// hydraClient maps one Hydra client.
func hydraClient(raw json.RawMessage, opts ImportOptions) (Client, []string, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return Client{}, nil, fmt.Errorf("not a JSON object")
	}
	h := hydraReader{obj: obj}
	var f clientmeta.Fields
	var warns, dropped, informational []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch {
		case slices.Contains(hydraMapped, k), hydraAccessLifespans[k] != "", hydraRefreshLifespans[k] != "", slices.Contains(hydraServerSet, k):
		case slices.Contains(hydraInformational, k):
			if !isEmptyJSON(obj[k]) {
				informational = append(informational, k)
			}
		case k == "subject_type":
			if s := h.str(k); s != "" && s != "public" {
				if !opts.IgnoreUnsupported {
					return Client{}, nil, fmt.Errorf("subject_type %q is not supported (tokenmint's subjects are public)%s", s, ignoreHint)
				}
				dropped = append(dropped, k)
			}
		case hydraUnsupported[k] != "":
			if isEmptyJSON(obj[k]) || k == "userinfo_signed_response_alg" && h.str(k) == "none" {
				continue
			}
			if !opts.IgnoreUnsupported {
				return Client{}, nil, fmt.Errorf("%s is set, and tokenmint has no %s%s", k, hydraUnsupported[k], ignoreHint)
			}
			dropped = append(dropped, k)
		default:
			if !opts.IgnoreUnsupported {
				return Client{}, nil, fmt.Errorf("unknown member %q%s", k, ignoreHint)
			}
			dropped = append(dropped, k)
		}
	}
	if err := h.err; err != nil {
		return Client{}, nil, err
	}
	id := h.str("client_id")
	if id == "" {
		return Client{}, nil, fmt.Errorf("client_id is missing")
	}
	f.ClientID = &id
	name := h.str("client_name")
	if name == "" {
		name = id
	}
	f.ClientName = &name
	grants, gw, err := hydraGrants(h.list("grant_types"), opts)
	if err != nil {
		return Client{}, nil, err
	}
	warns = append(warns, gw...)
	f.GrantTypes = &grants
	rw, err := hydraResponseTypes(h.list("response_types"), opts)
	if err != nil {
		return Client{}, nil, err
	}
	warns = append(warns, rw...)
	if s := h.str("scope"); s != "" {
		f.Scope = &s
	}
	if l := h.list("redirect_uris"); len(l) > 0 {
		f.RedirectURIs = &l
	}
	if l := h.list("audience"); len(l) > 0 {
		f.Audience = &l
	}
	method := h.str("token_endpoint_auth_method")
	if method == "" {
		method = tokenmint.AuthMethodSecretBasic // Hydra's default
	}
	f.TokenEndpointAuthMethod = &method
	switch s := h.str("access_token_strategy"); s {
	case "":
	case tokenmint.FormatJWT, tokenmint.FormatOpaque:
		f.TokenFormat = &s
	default:
		return Client{}, nil, fmt.Errorf("access_token_strategy %q is not jwt or opaque", s)
	}
	var lw []string
	if f.AccessTokenTTL, lw, err = h.lifespan(hydraAccessLifespans, grants, "access_token_ttl"); err != nil {
		return Client{}, nil, err
	}
	warns = append(warns, lw...)
	if f.RefreshTokenTTL, lw, err = h.lifespan(hydraRefreshLifespans, grants, "refresh_token_ttl"); err != nil {
		return Client{}, nil, err
	}
	warns = append(warns, lw...)
	if err := h.err; err != nil {
		return Client{}, nil, err
	}
	if len(informational) > 0 {
		warns = append(warns, "left out "+strings.Join(informational, ", ")+" (informational in tokenmint's model)")
	}
	if len(dropped) > 0 {
		warns = append(warns, "left out unsupported "+strings.Join(dropped, ", "))
	}
	return Client{Fields: f}, warns, nil
}

const ignoreHint = " (remove it, or import with --ignore-unsupported to leave such members out)"

// hydraGrants maps Hydra's grant types (default [authorization_code]).
func hydraGrants(grants []string, opts ImportOptions) ([]string, []string, error) {
	if len(grants) == 0 {
		return []string{tokenmint.GrantAuthorizationCode}, nil, nil
	}
	var out, warns []string
	for _, g := range grants {
		switch {
		case g == tokenmint.GrantJWTBearer && !opts.IgnoreUnsupported:
			// Hydra keeps the issuers it trusts apart from its clients
			// (its trust relationships), which an export does not hold.
			return nil, nil, fmt.Errorf("grant type %q needs the issuers the client trusts, which Hydra's client export does not hold: "+
				"add jwt_bearer_trusts to the manifest%s", g, ignoreHint)
		case g == tokenmint.GrantJWTBearer:
			warns = append(warns, fmt.Sprintf("left out grant type %s (its trusted issuers are not in Hydra's client export)", g))
		case slices.Contains(tokenmint.KnownGrantTypes, g):
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		case opts.IgnoreUnsupported:
			warns = append(warns, fmt.Sprintf("left out grant type %s", g))
		default:
			return nil, nil, fmt.Errorf("grant type %q is not supported (tokenmint serves %s)%s", g, strings.Join(tokenmint.KnownGrantTypes, ", "), ignoreHint)
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("none of its grant types %v is supported (tokenmint serves %s)", grants, strings.Join(tokenmint.KnownGrantTypes, ", "))
	}
	return out, warns, nil
}

// hydraResponseTypes checks Hydra's response types: tokenmint serves the
// code flow only (RFC 9700 §2.1.2 retires the implicit one, and with it
// token and id_token at the authorization endpoint).
func hydraResponseTypes(types []string, opts ImportOptions) ([]string, error) {
	var warns []string
	for _, rt := range types {
		if rt == clientmeta.ResponseTypeCode {
			continue
		}
		if !opts.IgnoreUnsupported {
			return nil, fmt.Errorf("response type %q is not supported (only code: tokenmint has no implicit or hybrid flow)%s", rt, ignoreHint)
		}
		warns = append(warns, fmt.Sprintf("left out response type %q", rt))
	}
	return warns, nil
}

// hydraReader reads typed members of a Hydra client, keeping the first
// error.
type hydraReader struct {
	obj map[string]json.RawMessage
	err error
}

func (h *hydraReader) str(k string) string {
	var s *string
	if raw, ok := h.obj[k]; ok {
		if err := json.Unmarshal(raw, &s); err != nil && h.err == nil {
			h.err = fmt.Errorf("%s must be a string", k)
		}
	}
	if s == nil {
		return ""
	}
	return *s
}

func (h *hydraReader) list(k string) []string {
	var l []string
	if raw, ok := h.obj[k]; ok {
		if err := json.Unmarshal(raw, &l); err != nil && h.err == nil {
			h.err = fmt.Errorf("%s must be an array of strings", k)
		}
	}
	return l
}

// lifespan maps Hydra's per-grant lifespans of the client's grants onto
// one lifetime in seconds: the shortest, with a warning when they differ.
func (h *hydraReader) lifespan(members map[string]string, grants []string, target string) (*int64, []string, error) {
	var shortest time.Duration
	var seen []string
	distinct := map[time.Duration]bool{}
	for _, k := range slices.Sorted(maps.Keys(members)) {
		s := h.str(k)
		if s == "" || !slices.Contains(grants, members[k]) {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > clientmeta.MaxTTL {
			return nil, nil, fmt.Errorf("%s %q is not a positive duration up to %s", k, s, clientmeta.MaxTTL)
		}
		seen, distinct[d] = append(seen, k+"="+s), true
		if shortest == 0 || d < shortest {
			shortest = d
		}
	}
	if shortest == 0 {
		return nil, nil, nil
	}
	secs := int64((shortest + time.Second - 1) / time.Second)
	if len(distinct) > 1 {
		return &secs, []string{fmt.Sprintf("%s is the shortest of %s: tokenmint has one per client", target, strings.Join(seen, ", "))}, nil
	}
	return &secs, nil, nil
}

// isEmptyJSON reports whether a member is null or an empty value.
func isEmptyJSON(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "", "null", `""`, "[]", "{}", "false", "0":
		return true
	}
	return false
}
