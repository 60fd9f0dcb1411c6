package tokenmint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Token types of RFC 8693 §3, the subject_token_type, actor_token_type,
// requested_token_type and issued_token_type of a token exchange.
const (
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeJWT         = "urn:ietf:params:oauth:token-type:jwt"
)

// IssuerSelf names tokenmint itself among a client's token exchange
// subject issuers (Client.TokenExchangeSubjectIssuers): its own access
// tokens, JWT or opaque, may be exchanged.
const IssuerSelf = "self"

// Client fields of token exchange (RFC 8693) and of the JWT bearer grant
// (RFC 7523 §2.1).
const (
	FieldTokenExchangeSubjectIssuers = "token_exchange_subject_issuers"
	FieldTokenExchangeAudiences      = "token_exchange_audiences"
	FieldJWTBearerTrusts             = "jwt_bearer_trusts"
)

// Bounds of the federation settings.
const (
	MaxJWTTrusts         = 16
	MaxClaimConditions   = 16
	maxSubjectPattern    = 512
	maxClaimName         = 128
	maxClaimValue        = 512
	maxExchangeAudiences = 64
	maxAudienceValue     = 512
)

// JWTTrust is an external issuer a client trusts, so that the JWTs it
// signs about workloads (a CI job, a Kubernetes service account) are
// exchanged for the client's access tokens: by the JWT bearer grant
// (RFC 7523 §2.1), and by token exchange (RFC 8693) when the issuer is
// among the client's TokenExchangeSubjectIssuers. A JWT of Issuer is
// accepted when it is signed with a key of the issuer's JWK Set (found
// through its OpenID discovery document), its aud names Audience, its
// sub matches Subject (MatchSubject) and every claim condition holds.
type JWTTrust struct {
	// Issuer is the issuer identifier (an https URL without query or
	// fragment, OIDC Discovery §2), compared exactly with the JWT's iss.
	Issuer string `json:"issuer"`
	// Audience must be among the JWT's aud (RFC 7523 §3 item 3): a value
	// the workload asks its issuer for, naming this client.
	Audience string `json:"audience"`
	// Subject is an exact sub or a pattern where "*" stands for any run
	// of characters (see MatchSubject).
	Subject string `json:"subject"`
	// Claims are further conditions on the JWT's claims, all required.
	Claims []ClaimCondition `json:"claims,omitempty"`
	// Scopes are what a token of this trust may be granted, a subset of
	// the client's; nil grants none.
	Scopes []string `json:"scopes,omitempty"`
}

// ClaimCondition requires the claim Name of a JWT to equal Value: a
// string claim exactly, a boolean or number by its JSON text. Name may
// reach into objects with dots ("kubernetes.io.namespace" is the
// namespace member of the "kubernetes.io" claim), a claim whose name
// contains dots being found first.
type ClaimCondition struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// String is the condition as the CLI writes it, name=value.
func (c ClaimCondition) String() string { return c.Name + "=" + c.Value }

// reservedConditionClaims are checked by the grant itself, or by
// Subject, never by a condition.
var reservedConditionClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// ParseClaimCondition reads a condition written name=value (the CLI's
// --jwt-bearer-claim), split at the first "=".
func ParseClaimCondition(s string) (ClaimCondition, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return ClaimCondition{}, fmt.Errorf("claim condition %q is not name=value", truncateText(s))
	}
	c := ClaimCondition{Name: name, Value: value}
	return c, c.Check()
}

// Check reports whether the condition is well formed: a name of
// printable characters, not a claim the grant checks itself, and a value
// of bounded length.
func (c ClaimCondition) Check() error {
	switch {
	case c.Name == "" || len(c.Name) > maxClaimName || !printable(c.Name):
		return fmt.Errorf("claim condition name %q must be 1 to %d printable characters", truncateText(c.Name), maxClaimName)
	case slices.Contains(reservedConditionClaims, c.Name):
		return fmt.Errorf("claim %q is checked by the grant itself (sub by the subject pattern), not by a condition", c.Name)
	case len(c.Value) > maxClaimValue || !printable(c.Value):
		return fmt.Errorf("claim condition value for %q must be at most %d printable characters", truncateText(c.Name), maxClaimValue)
	}
	return nil
}

// Holds reports whether the claims satisfy the condition.
func (c ClaimCondition) Holds(claims map[string]any) bool {
	v, ok := lookupClaim(claims, c.Name, 0)
	if !ok {
		return false
	}
	switch v := v.(type) {
	case string:
		return v == c.Value
	case bool:
		return strconv.FormatBool(v) == c.Value
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64) == c.Value
	}
	return false
}

// lookupClaim finds name in m: as a member, else as a member whose name
// is a dot-separated prefix of name, holding an object to look the rest
// up in.
func lookupClaim(m map[string]any, name string, depth int) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	if depth > 8 {
		return nil, false
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] != '.' {
			continue
		}
		if sub, ok := m[name[:i]].(map[string]any); ok {
			if v, ok := lookupClaim(sub, name[i+1:], depth+1); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// CheckSubjectPattern reports whether p is a subject pattern a trust may
// hold: non-empty printable text of bounded length.
func CheckSubjectPattern(p string) error {
	if p == "" || len(p) > maxSubjectPattern || !printable(p) {
		return fmt.Errorf("subject pattern %q must be 1 to %d printable characters", truncateText(p), maxSubjectPattern)
	}
	return nil
}

// MatchSubject reports whether sub matches pattern: exactly, where "*"
// in pattern matches any run of characters, "/" and ":" included, and
// nothing else is special. "repo:org/app:ref:refs/heads/*" matches every
// branch of a GitHub Actions repository; "repo:org/app:*" any of its
// workflows. It runs in O(len(pattern)·len(sub)) at worst.
func MatchSubject(pattern, sub string) bool {
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(sub) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case p < len(pattern) && pattern[p] == sub[s]:
			p++
			s++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// MatchClaims reports whether a JWT's claims satisfy the trust: its sub
// matches Subject and every condition holds. It returns a description
// of the first failure for the client, or "".
func (t *JWTTrust) MatchClaims(sub string, claims map[string]any) string {
	if !MatchSubject(t.Subject, sub) {
		return "the JWT's sub does not match the subject the client trusts for its issuer"
	}
	for _, c := range t.Claims {
		if !c.Holds(claims) {
			return fmt.Sprintf("the JWT does not satisfy the client's condition on claim %q", truncateText(c.Name))
		}
	}
	return ""
}

// Check validates the trust for a client allowed scopes.
func (t *JWTTrust) Check(scopes []string) error {
	if err := CheckIssuerURL(t.Issuer); err != nil {
		return err
	}
	if t.Audience == "" || len(t.Audience) > maxAudienceValue || !printable(t.Audience) {
		return fmt.Errorf("trust of %s: an audience of 1 to %d printable characters is required (RFC 7523 §3)", truncateText(t.Issuer), maxAudienceValue)
	}
	if err := CheckSubjectPattern(t.Subject); err != nil {
		return fmt.Errorf("trust of %s: %w", truncateText(t.Issuer), err)
	}
	if strings.Trim(t.Subject, "*") == "" && len(t.Claims) == 0 {
		return fmt.Errorf("trust of %s: a subject pattern of only * needs at least one claim condition: it would trust every workload of the issuer", truncateText(t.Issuer))
	}
	if len(t.Claims) > MaxClaimConditions {
		return fmt.Errorf("trust of %s: at most %d claim conditions", truncateText(t.Issuer), MaxClaimConditions)
	}
	for _, c := range t.Claims {
		if err := c.Check(); err != nil {
			return fmt.Errorf("trust of %s: %w", truncateText(t.Issuer), err)
		}
	}
	for _, s := range t.Scopes {
		if !slices.Contains(scopes, s) {
			return fmt.Errorf("trust of %s: scope %q is not among the client's scopes", truncateText(t.Issuer), s)
		}
	}
	return nil
}

// CheckIssuerURL checks an external issuer identifier: an https URL
// with a host (http only for a loopback host, for local work), without
// query, fragment or credentials (OIDC Discovery §2), of at most 2048
// bytes. Whether its address may be fetched is decided when it is
// (package jwksfetch: never a loopback or private one, nor plain http,
// without --allow-private-fetch).
func CheckIssuerURL(raw string) error {
	if err := checkClientURL("issuer", raw, true); err != nil {
		return err
	}
	if strings.Contains(raw, "?") {
		return fmt.Errorf("issuer %q must not have a query (OIDC Discovery §2)", truncateText(raw))
	}
	return nil
}

// TrustFor returns the client's trust of issuer, or nil.
func (c *Client) TrustFor(issuer string) *JWTTrust {
	for i := range c.JWTBearerTrusts {
		if c.JWTBearerTrusts[i].Issuer == issuer {
			return &c.JWTBearerTrusts[i]
		}
	}
	return nil
}

// ExchangeIssuers returns the subject token issuers the client may
// exchange tokens of: its TokenExchangeSubjectIssuers, or tokenmint
// alone when it names none.
func (c *Client) ExchangeIssuers() []string {
	if len(c.TokenExchangeSubjectIssuers) == 0 {
		return []string{IssuerSelf}
	}
	return c.TokenExchangeSubjectIssuers
}

// validateFederation checks the token exchange policy and the JWT
// trusts: each trust valid and of its own issuer; every subject issuer
// of token exchange tokenmint itself or a trusted one; the audiences
// printable and bounded; a client of the JWT bearer grant trusting an
// issuer; no public client exchanging tokens, since anyone holding a
// token could then retarget it.
func (c *Client) validateFederation() error {
	if len(c.JWTBearerTrusts) > MaxJWTTrusts {
		return fieldErrorf(FieldJWTBearerTrusts, "at most %d trusted issuers", MaxJWTTrusts)
	}
	for i := range c.JWTBearerTrusts {
		t := &c.JWTBearerTrusts[i]
		if err := t.Check(c.Scopes); err != nil {
			return fieldError(FieldJWTBearerTrusts, err)
		}
		if slices.ContainsFunc(c.JWTBearerTrusts[:i], func(o JWTTrust) bool { return o.Issuer == t.Issuer }) {
			return fieldErrorf(FieldJWTBearerTrusts, "issuer %q is trusted twice", truncateText(t.Issuer))
		}
	}
	if c.HasGrant(GrantJWTBearer) && len(c.JWTBearerTrusts) == 0 {
		return fieldErrorf(FieldJWTBearerTrusts, "the jwt-bearer grant needs a trusted issuer (jwt_bearer_trusts)")
	}
	if c.Public && c.HasGrant(GrantTokenExchange) {
		return fieldErrorf(FieldGrantTypes, "a public client cannot use token exchange: anyone holding a token could retarget it")
	}
	for i, iss := range c.TokenExchangeSubjectIssuers {
		switch {
		case slices.Contains(c.TokenExchangeSubjectIssuers[:i], iss):
			return fieldErrorf(FieldTokenExchangeSubjectIssuers, "subject issuer %q is listed twice", truncateText(iss))
		case iss != IssuerSelf && c.TrustFor(iss) == nil:
			return fieldErrorf(FieldTokenExchangeSubjectIssuers, "subject issuer %q is neither self nor a trusted issuer of the client (jwt_bearer_trusts)", truncateText(iss))
		}
	}
	if len(c.TokenExchangeAudiences) > maxExchangeAudiences {
		return fieldErrorf(FieldTokenExchangeAudiences, "at most %d token exchange audiences", maxExchangeAudiences)
	}
	for _, a := range c.TokenExchangeAudiences {
		if a == "" || len(a) > maxAudienceValue || !printable(a) || strings.Contains(a, " ") {
			return fieldErrorf(FieldTokenExchangeAudiences, "audience %q must be 1 to %d printable characters without spaces", truncateText(a), maxAudienceValue)
		}
	}
	return nil
}

// printable reports whether s is printable ASCII or UTF-8 text without
// control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return false
		}
	}
	return true
}
