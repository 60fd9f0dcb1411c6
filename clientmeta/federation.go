package clientmeta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// JWTBearerTrust is an external issuer a client trusts, as the admin API
// writes it (tokenmint.JWTTrust): claims are the claim conditions, name
// to required value; scope the scopes its JWTs may be granted,
// space-delimited.
type JWTBearerTrust struct {
	Issuer   string            `json:"issuer"`
	Audience string            `json:"audience"`
	Subject  string            `json:"subject"`
	Claims   map[string]string `json:"claims,omitempty"`
	Scope    string            `json:"scope,omitempty"`
}

// UnmarshalJSON decodes a trust strictly: an unknown member is refused,
// as at the top level.
func (t *JWTBearerTrust) UnmarshalJSON(data []byte) error {
	type plain JWTBearerTrust
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("a trust is an object of issuer, audience, subject, claims and scope: %w", err)
	}
	*t = JWTBearerTrust(p)
	return nil
}

// trusts converts the trusts f gives.
func (f *Fields) trusts() ([]tokenmint.JWTTrust, error) {
	if f.JWTBearerTrusts == nil || len(*f.JWTBearerTrusts) == 0 {
		return nil, nil
	}
	out := make([]tokenmint.JWTTrust, 0, len(*f.JWTBearerTrusts))
	for _, t := range *f.JWTBearerTrusts {
		scope := t.Scope
		scopes, err := scopeList(tokenmint.FieldJWTBearerTrusts, &scope)
		if err != nil {
			return nil, err
		}
		jt := tokenmint.JWTTrust{Issuer: t.Issuer, Audience: t.Audience, Subject: t.Subject, Scopes: scopes}
		for _, name := range slices.Sorted(maps.Keys(t.Claims)) {
			jt.Claims = append(jt.Claims, tokenmint.ClaimCondition{Name: name, Value: t.Claims[name]})
		}
		out = append(out, jt)
	}
	return out, nil
}

// setSpecFederation sets the federation members f gives on a new
// client's spec.
func (f *Fields) setSpecFederation(spec *registry.ClientSpec) error {
	spec.TokenExchangeSubjectIssuers = nilIfEmpty(deref(f.TokenExchangeSubjectIssuers))
	spec.TokenExchangeAudiences = nilIfEmpty(deref(f.TokenExchangeAudiences))
	var err error
	spec.JWTBearerTrusts, err = f.trusts()
	return err
}

// applyFederation changes the federation members f gives.
func (f *Fields) applyFederation(c *tokenmint.Client) error {
	if f.TokenExchangeSubjectIssuers != nil {
		c.TokenExchangeSubjectIssuers = nilIfEmpty(*f.TokenExchangeSubjectIssuers)
	}
	if f.TokenExchangeAudiences != nil {
		c.TokenExchangeAudiences = nilIfEmpty(*f.TokenExchangeAudiences)
	}
	if f.JWTBearerTrusts != nil {
		trusts, err := f.trusts()
		if err != nil {
			return err
		}
		c.JWTBearerTrusts = trusts
	}
	return nil
}

// setFederation copies the federation settings of c.
func (m *Metadata) setFederation(c *tokenmint.Client) {
	m.TokenExchangeSubjectIssuers = nonNil(c.TokenExchangeSubjectIssuers)
	m.TokenExchangeAudiences = nonNil(c.TokenExchangeAudiences)
	m.JWTBearerTrusts = make([]JWTBearerTrust, 0, len(c.JWTBearerTrusts))
	for _, t := range c.JWTBearerTrusts {
		jt := JWTBearerTrust{Issuer: t.Issuer, Audience: t.Audience, Subject: t.Subject, Scope: oauth.JoinScope(t.Scopes)}
		if len(t.Claims) > 0 {
			jt.Claims = make(map[string]string, len(t.Claims))
			for _, cc := range t.Claims {
				jt.Claims[cc.Name] = cc.Value
			}
		}
		m.JWTBearerTrusts = append(m.JWTBearerTrusts, jt)
	}
}

// setFederationFields sets the federation members of f from m.
func (m *Metadata) setFederationFields(f *Fields) {
	trusts := slices.Clone(m.JWTBearerTrusts)
	f.TokenExchangeSubjectIssuers, f.TokenExchangeAudiences, f.JWTBearerTrusts = ptr(m.TokenExchangeSubjectIssuers), ptr(m.TokenExchangeAudiences), &trusts
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}
