package grant

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/tokenmint/tokenmint/oauth"
)

// MaxClaimsRequest bounds the claims request parameter, in bytes.
const MaxClaimsRequest = 4096

// maxClaimsMembers bounds the claims one member of it may name.
const maxClaimsMembers = 64

// ClaimsRequest is the claims request parameter of an authorization
// request (OIDC Core §5.5): the individual claims to return from the
// UserInfo endpoint and in the ID token. Members other than userinfo and
// id_token are ignored, as are claims tokenmint does not know (§5.5: "If
// a Claim is not supported by the Authorization Server, it is ignored").
type ClaimsRequest struct {
	UserInfo map[string]*ClaimRequest `json:"userinfo,omitempty"`
	IDToken  map[string]*ClaimRequest `json:"id_token,omitempty"`
}

// ClaimRequest is the query of one claim (OIDC Core §5.5.1): nil (JSON
// null) asks for the claim in the default manner.
type ClaimRequest struct {
	Essential bool  `json:"essential,omitempty"`
	Value     any   `json:"value,omitempty"`
	Values    []any `json:"values,omitempty"`
}

// ParseClaimsRequest decodes the claims parameter: a JSON object of at
// most MaxClaimsRequest bytes whose userinfo and id_token members, when
// present, are objects whose members are null or objects with the
// essential (boolean), value and values (array) members of §5.5.1.
// Anything else is invalid_request. "" is no request (nil).
func ParseClaimsRequest(s string) (*ClaimsRequest, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxClaimsRequest {
		return nil, oauth.NewError(oauth.InvalidRequest, "the claims parameter is longer than %d bytes", MaxClaimsRequest)
	}
	var raw map[string]json.RawMessage
	if err := decodeStrict(s, &raw); err != nil || raw == nil {
		return nil, oauth.NewError(oauth.InvalidRequest, "the claims parameter must be a JSON object (OIDC Core §5.5)")
	}
	var cr ClaimsRequest
	var err error
	if cr.UserInfo, err = parseClaimsMember(raw["userinfo"], "userinfo"); err != nil {
		return nil, err
	}
	if cr.IDToken, err = parseClaimsMember(raw["id_token"], "id_token"); err != nil {
		return nil, err
	}
	return &cr, nil
}

// decodeStrict decodes one JSON value and refuses trailing data.
func decodeStrict(s string, v any) error {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errTrailing
	}
	return nil
}

var errTrailing = oauth.NewError(oauth.InvalidRequest, "trailing data")

// parseClaimsMember decodes the userinfo or id_token member.
func parseClaimsMember(raw json.RawMessage, name string) (map[string]*ClaimRequest, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return nil, oauth.NewError(oauth.InvalidRequest, "the %s member of the claims parameter must be a JSON object", name)
	}
	if len(members) > maxClaimsMembers {
		return nil, oauth.NewError(oauth.InvalidRequest, "the %s member of the claims parameter names more than %d claims", name, maxClaimsMembers)
	}
	out := make(map[string]*ClaimRequest, len(members))
	for claim, q := range members {
		cq, err := parseClaimQuery(q)
		if err != nil {
			return nil, oauth.NewError(oauth.InvalidRequest, "claims parameter: %s.%s must be null or an object with essential, value or values (OIDC Core §5.5.1)", name, truncate(claim))
		}
		out[claim] = cq
	}
	return out, nil
}

// parseClaimQuery decodes null or {"essential":bool,"value":x,"values":[...]}.
func parseClaimQuery(raw json.RawMessage) (*ClaimRequest, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var q struct {
		Essential *json.RawMessage `json:"essential"`
		Value     any              `json:"value"`
		Values    *[]any           `json:"values"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	cq := &ClaimRequest{Value: q.Value}
	if q.Essential != nil {
		if err := json.Unmarshal(*q.Essential, &cq.Essential); err != nil {
			return nil, err
		}
	}
	if q.Values != nil {
		cq.Values = *q.Values
	}
	return cq, nil
}

// Encode is the normalised JSON form kept with the grant
// (tokenmint.AuthCode.Claims): only the claims tokenmint releases, in
// key order; "" when nothing in it concerns them.
func (cr *ClaimsRequest) Encode() string {
	if cr == nil {
		return ""
	}
	n := ClaimsRequest{UserInfo: knownOnly(cr.UserInfo), IDToken: knownOnly(cr.IDToken)}
	if n.UserInfo == nil && n.IDToken == nil {
		return ""
	}
	b, err := json.Marshal(n)
	if err != nil {
		return "" // values came from JSON: they encode
	}
	return string(b)
}

// knownOnly keeps the members of m that name claims tokenmint releases or
// reports (ClaimsSupported); nil when none.
func knownOnly(m map[string]*ClaimRequest) map[string]*ClaimRequest {
	out := maps.Clone(m)
	maps.DeleteFunc(out, func(k string, _ *ClaimRequest) bool { return !slices.Contains(ClaimsSupported, k) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// decodeStoredClaims reads the form Encode wrote; "" or damage: nil.
func decodeStoredClaims(s string) *ClaimsRequest {
	if s == "" {
		return nil
	}
	var cr ClaimsRequest
	if json.Unmarshal([]byte(s), &cr) != nil {
		return nil
	}
	return &cr
}

// userClaimNames are the standard claims of OIDC Core §5.1 tokenmint
// holds of a user.
var userClaimNames = []string{"name", "preferred_username", "email", "email_verified", "updated_at"}

// ClaimsSupported lists the claims tokenmint can supply (OIDC Discovery
// §3 claims_supported): those of its ID tokens and the standard claims
// of its users.
var ClaimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "acr", "amr", "sid",
	"name", "preferred_username", "email", "email_verified", "updated_at"}

// requestedUserClaims lists the standard user claims m names.
func requestedUserClaims(m map[string]*ClaimRequest) []string {
	var out []string
	for _, n := range userClaimNames {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	return out
}
