package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// federationFlags defines the flags of token exchange (RFC 8693) and of
// the JWT bearer grant (RFC 7523 §2.1). The --jwt-bearer-* flags describe
// one trusted issuer (the admin API and manifests take several); in
// client update they replace the client's trusts with that one, and
// --jwt-bearer-issuer= alone removes them.
func federationFlags(f *flags, spec *registry.ClientSpec) {
	f.list(&spec.TokenExchangeSubjectIssuers, "token-exchange-subject-issuer", "`ISSUER` whose tokens the client may exchange (RFC 8693), repeatable: "+
		"self (this server's access tokens, the default) or the --jwt-bearer-issuer", nil)
	f.list(&spec.TokenExchangeAudiences, "token-exchange-audience", "`AUDIENCE` a token exchange of the client may ask for (RFC 8693 audience), repeatable; "+
		"resources are allowed by --resource", nil)
	trust := func() *tokenmint.JWTTrust {
		if len(spec.JWTBearerTrusts) == 0 {
			spec.JWTBearerTrusts = []tokenmint.JWTTrust{{}}
		}
		return &spec.JWTBearerTrusts[0]
	}
	str := func(name, usage string, field func(*tokenmint.JWTTrust) *string) {
		f.define(name, usage, &value{set: func(s string) error { *field(trust()) = s; return nil }})
	}
	str("jwt-bearer-issuer", "external issuer `URL` the client trusts (workload identity: a CI system, a Kubernetes cluster); "+
		"its keys come from its OpenID discovery document", func(t *tokenmint.JWTTrust) *string { return &t.Issuer })
	str("jwt-bearer-audience", "`AUDIENCE` the issuer's JWTs must name in aud (required with --jwt-bearer-issuer)", func(t *tokenmint.JWTTrust) *string { return &t.Audience })
	str("jwt-bearer-subject", "`PATTERN` the JWTs' sub must match, * standing for any run of characters "+
		"(e.g. repo:org/app:ref:refs/heads/*; required)", func(t *tokenmint.JWTTrust) *string { return &t.Subject })
	f.define("jwt-bearer-claim", "claim condition `NAME=VALUE` the issuer's JWTs must meet, repeatable (dots reach into objects: kubernetes.io.namespace=prod)",
		&value{set: func(s string) error {
			c, err := tokenmint.ParseClaimCondition(s)
			if err != nil {
				return err
			}
			trust().Claims = append(trust().Claims, c)
			return nil
		}})
	f.define("jwt-bearer-scope", "`SCOPE` a token for the issuer's JWTs may be granted, repeatable (among --scope)",
		&value{set: func(s string) error {
			if !oauth.ValidScopeToken(s) {
				return fmt.Errorf("invalid scope %q", s)
			}
			trust().Scopes = append(trust().Scopes, s)
			return nil
		}})
}

// jwtBearerFlags are the flags of federationFlags that describe the trust.
var jwtBearerFlags = []string{"jwt-bearer-issuer", "jwt-bearer-audience", "jwt-bearer-subject", "jwt-bearer-claim", "jwt-bearer-scope"}

// patchFederation sets the federation members of p the flags given
// change.
func (u *clientUpdate) patchFederation(p *clientmeta.Fields) {
	s := u.spec
	if u.set["token-exchange-subject-issuer"] {
		p.TokenExchangeSubjectIssuers = &s.TokenExchangeSubjectIssuers
	}
	if u.set["token-exchange-audience"] {
		p.TokenExchangeAudiences = &s.TokenExchangeAudiences
	}
	if !slices.ContainsFunc(jwtBearerFlags, func(n string) bool { return u.set[n] }) {
		return
	}
	trusts := []clientmeta.JWTBearerTrust{}
	for _, t := range s.JWTBearerTrusts {
		if t.Issuer == "" && t.Audience == "" && t.Subject == "" && len(t.Claims) == 0 && len(t.Scopes) == 0 {
			continue // --jwt-bearer-issuer= alone: no trust
		}
		trusts = append(trusts, trustMember(t))
	}
	p.JWTBearerTrusts = &trusts
}

func trustMember(t tokenmint.JWTTrust) clientmeta.JWTBearerTrust {
	m := clientmeta.JWTBearerTrust{Issuer: t.Issuer, Audience: t.Audience, Subject: t.Subject, Scope: oauth.JoinScope(t.Scopes)}
	if len(t.Claims) > 0 {
		m.Claims = make(map[string]string, len(t.Claims))
		for _, c := range t.Claims {
			m.Claims[c.Name] = c.Value
		}
	}
	return m
}

// trustViews are the trusts as the CLI shows them.
func trustViews(ts []tokenmint.JWTTrust) []clientmeta.JWTBearerTrust {
	out := make([]clientmeta.JWTBearerTrust, 0, len(ts))
	for _, t := range ts {
		out = append(out, trustMember(t))
	}
	return out
}

// federationFields are the table rows of the federation settings, when
// the client has any.
func (v clientView) federationFields() []field {
	var fs []field
	if len(v.TokenExchangeSubjectIssuers) > 0 {
		fs = append(fs, field{"token_exchange_subject_issuers", joinList(v.TokenExchangeSubjectIssuers)})
	}
	if len(v.TokenExchangeAudiences) > 0 {
		fs = append(fs, field{"token_exchange_audiences", joinList(v.TokenExchangeAudiences)})
	}
	for _, t := range v.JWTBearerTrusts {
		desc := fmt.Sprintf("issuer=%s audience=%s subject=%s", t.Issuer, t.Audience, t.Subject)
		for _, k := range slices.Sorted(maps.Keys(t.Claims)) {
			desc += " " + k + "=" + t.Claims[k]
		}
		if t.Scope != "" {
			desc += " scope=" + strings.ReplaceAll(t.Scope, " ", ",")
		}
		fs = append(fs, field{"jwt_bearer_trust", desc})
	}
	return fs
}
