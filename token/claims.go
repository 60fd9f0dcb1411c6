package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// Claims is the payload of a JWT (RFC 7519 §4): the registered claims,
// those of RFC 9068 (access tokens) and OIDC Core §2 (ID tokens) that
// tokenmint issues, and Extra for custom claims.
//
// Empty strings, empty Audience and zero times are omitted when
// marshalled. Times are NumericDates (RFC 7519 §2): whole seconds when
// marshalled; integers and fractions both accepted when unmarshalled.
type Claims struct {
	Issuer    string    // "iss"
	Subject   string    // "sub"
	Audience  []string  // "aud": a string when exactly one, else an array (RFC 7519 §4.1.3)
	ExpiresAt time.Time // "exp"
	IssuedAt  time.Time // "iat"
	NotBefore time.Time // "nbf"
	ID        string    // "jti"
	ClientID  string    // "client_id" (RFC 9068 §2.2)
	Scope     string    // "scope" (RFC 9068 §2.2.3, RFC 8693 §4.2)
	AuthTime  time.Time // "auth_time" (OIDC Core §2)
	Nonce     string    // "nonce" (OIDC Core §2)
	AtHash    string    // "at_hash" (OIDC Core §3.1.3.6)
	// Confirmation is "cnf" (RFC 7800 §3.1): the key a sender-constrained
	// access token is bound to. Nil when the token is a bearer token.
	Confirmation *Confirmation
	// KeepEmptySubject writes "sub": "" when Subject is empty instead of
	// omitting it, for a platform whose tokens carry an empty subject
	// (Epicollect5's client_credentials JWTs). Decoding sets it when the
	// payload has an empty "sub".
	KeepEmptySubject bool
	// Extra holds custom claims, merged into the top level of the JSON
	// object in key order. A name also claimed by a field above is
	// ignored: a custom claim never overrides a registered one. Values
	// must be encodable by encoding/json.
	Extra map[string]any
}

// Confirmation is the "cnf" claim of a sender-constrained token (RFC 7800
// §3.1): the SHA-256 thumbprint of a DPoP key (RFC 9449 §6.1) or of a
// client certificate (RFC 8705 §3.1).
type Confirmation struct {
	JKT     string `json:"jkt,omitempty"`
	X5TS256 string `json:"x5t#S256,omitempty"`
}

// registeredClaim reports whether name is one of the members Claims owns.
func registeredClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "iat", "nbf", "jti",
		"client_id", "scope", "auth_time", "nonce", "at_hash", "cnf":
		return true
	}
	return false
}

// MarshalJSON encodes the claims as one JSON object with the registered
// claims first, in the order of the fields of Claims, and the custom ones
// after, sorted by name (as encoding/json sorts map keys).
func (c Claims) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(c.registered())
	if err != nil {
		return nil, err
	}
	extra := c.custom()
	if len(extra) == 0 {
		return b, nil
	}
	e, err := json.Marshal(extra)
	if err != nil {
		return nil, namedClaimError(extra, err)
	}
	if len(b) == len("{}") {
		return e, nil
	}
	return append(append(b[:len(b)-1], ','), e[1:]...), nil
}

// registeredClaims is the JSON shape of the registered members of Claims.
// An optional member is a nil pointer when absent; the pointers point
// into the struct's own fields, so that the whole costs one allocation.
type registeredClaims struct {
	Issuer    string        `json:"iss,omitempty"`
	Subject   *string       `json:"sub,omitempty"`
	Audience  any           `json:"aud,omitempty"` // string or []string (RFC 7519 §4.1.3)
	ExpiresAt *int64        `json:"exp,omitempty"`
	IssuedAt  *int64        `json:"iat,omitempty"`
	NotBefore *int64        `json:"nbf,omitempty"`
	ID        string        `json:"jti,omitempty"`
	ClientID  string        `json:"client_id,omitempty"`
	Scope     string        `json:"scope,omitempty"`
	AuthTime  *int64        `json:"auth_time,omitempty"`
	Nonce     string        `json:"nonce,omitempty"`
	AtHash    string        `json:"at_hash,omitempty"`
	Cnf       *Confirmation `json:"cnf,omitempty"`

	sub   string
	dates [4]int64
}

func (c *Claims) registered() *registeredClaims {
	r := &registeredClaims{Issuer: c.Issuer, ID: c.ID, ClientID: c.ClientID, Scope: c.Scope, Nonce: c.Nonce, AtHash: c.AtHash, Cnf: c.Confirmation, sub: c.Subject}
	if c.Subject != "" || c.KeepEmptySubject {
		r.Subject = &r.sub
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		r.Audience = c.Audience[0]
	default:
		r.Audience = c.Audience
	}
	r.ExpiresAt = r.date(0, c.ExpiresAt)
	r.IssuedAt = r.date(1, c.IssuedAt)
	r.NotBefore = r.date(2, c.NotBefore)
	r.AuthTime = r.date(3, c.AuthTime)
	return r
}

// date returns t as a NumericDate (RFC 7519 §2) in whole seconds, or nil
// when t is zero.
func (r *registeredClaims) date(i int, t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	r.dates[i] = t.Unix()
	return &r.dates[i]
}

// custom returns the custom claims without those a registered name hides.
func (c *Claims) custom() map[string]any {
	hidden := 0
	for name := range c.Extra {
		if registeredClaim(name) {
			hidden++
		}
	}
	if hidden == 0 {
		return c.Extra
	}
	m := make(map[string]any, len(c.Extra)-hidden)
	for name, v := range c.Extra {
		if !registeredClaim(name) {
			m[name] = v
		}
	}
	return m
}

// namedClaimError names the first custom claim, in name order, that
// encoding/json cannot encode, for an error err of encoding them all.
func namedClaimError(extra map[string]any, err error) error {
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if _, err := json.Marshal(extra[name]); err != nil {
			return fmt.Errorf("custom claim %q: %w", name, err)
		}
	}
	return fmt.Errorf("custom claims: %w", err)
}

// UnmarshalJSON decodes a JWT claims set. The payload must be a JSON
// object (RFC 7519 §7.2 step 10). "aud" may be a string or an array of
// strings; NumericDates may be integers or fractions; members that are
// not registered claims land in Extra. A member of the wrong type is an
// error; a null member counts as absent.
func (c *Claims) UnmarshalJSON(data []byte) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("claims: not a JSON object")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	*c = Claims{}
	for name, raw := range members {
		if err := c.set(name, raw); err != nil {
			return fmt.Errorf("claims: %q: %w", name, err)
		}
	}
	return nil
}

func (c *Claims) set(name string, raw json.RawMessage) error {
	switch name {
	case "iss":
		return json.Unmarshal(raw, &c.Issuer)
	case "sub":
		if err := json.Unmarshal(raw, &c.Subject); err != nil {
			return err
		}
		c.KeepEmptySubject = c.Subject == "" && string(raw) != "null"
		return nil
	case "aud":
		return c.setAudience(raw)
	case "exp":
		return setDate(raw, &c.ExpiresAt)
	case "iat":
		return setDate(raw, &c.IssuedAt)
	case "nbf":
		return setDate(raw, &c.NotBefore)
	case "jti":
		return json.Unmarshal(raw, &c.ID)
	case "client_id":
		return json.Unmarshal(raw, &c.ClientID)
	case "scope":
		return json.Unmarshal(raw, &c.Scope)
	case "auth_time":
		return setDate(raw, &c.AuthTime)
	case "nonce":
		return json.Unmarshal(raw, &c.Nonce)
	case "at_hash":
		return json.Unmarshal(raw, &c.AtHash)
	case "cnf":
		return json.Unmarshal(raw, &c.Confirmation)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if c.Extra == nil {
		c.Extra = make(map[string]any)
	}
	c.Extra[name] = v
	return nil
}

// setAudience accepts a string or an array of strings (RFC 7519 §4.1.3).
func (c *Claims) setAudience(raw json.RawMessage) error {
	if len(raw) > 0 && raw[0] == '[' {
		var aud []string
		if err := json.Unmarshal(raw, &aud); err != nil {
			return err
		}
		c.Audience = aud
		return nil
	}
	if string(raw) == "null" {
		return nil
	}
	var aud string
	if err := json.Unmarshal(raw, &aud); err != nil {
		return err
	}
	c.Audience = []string{aud}
	return nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are refused rather
// than overflowing time arithmetic.
const maxNumericDate = 253402300799

// setDate parses a NumericDate (RFC 7519 §2): seconds since the epoch,
// possibly with a fraction.
func setDate(raw json.RawMessage, t *time.Time) error {
	s := string(raw)
	if s == "null" {
		return nil
	}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return errors.New("NumericDate is not a number")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > maxNumericDate || n < -maxNumericDate {
			return errors.New("NumericDate out of range")
		}
		*t = time.Unix(n, 0).UTC()
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > maxNumericDate || f < -maxNumericDate {
		return errors.New("NumericDate out of range")
	}
	sec := math.Floor(f)
	*t = time.Unix(int64(sec), int64((f-sec)*1e9)).UTC()
	return nil
}
