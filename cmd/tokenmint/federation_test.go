package main

import (
	"slices"
	"strings"
	"testing"
)

// TestClientFederationFlags: client create takes the token exchange
// policy and one trusted issuer; client update replaces them, and
// --jwt-bearer-issuer= alone removes the trust; invalid values are
// refused naming what was wrong.
func TestClientFederationFlags(t *testing.T) {
	e := testEnv(t)
	ci := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "ci", "--public",
		"--grant-type", "urn:ietf:params:oauth:grant-type:jwt-bearer", "--scope", "deploy", "--scope", "read",
		"--jwt-bearer-issuer", "https://token.actions.githubusercontent.com", "--jwt-bearer-audience", "https://tokenmint.example",
		"--jwt-bearer-subject", "repo:org/app:ref:refs/heads/*", "--jwt-bearer-claim", "repository=org/app",
		"--jwt-bearer-claim", "ref_protected=true", "--jwt-bearer-scope", "deploy", "--output", "json"))
	if len(ci.JWTBearerTrusts) != 1 {
		t.Fatalf("created %+v", ci)
	}
	tr := ci.JWTBearerTrusts[0]
	if tr.Subject != "repo:org/app:ref:refs/heads/*" || tr.Claims["repository"] != "org/app" || tr.Claims["ref_protected"] != "true" || tr.Scope != "deploy" {
		t.Fatalf("trust %+v", tr)
	}
	svc := decode[clientView](t, e.ok(t, "", "client", "create", "--name", "svc", "--scope", "read",
		"--grant-type", "urn:ietf:params:oauth:grant-type:token-exchange", "--token-exchange-audience", "https://ledger.example",
		"--token-exchange-subject-issuer", "self", "--output", "json"))
	if !slices.Equal(svc.TokenExchangeAudiences, []string{"https://ledger.example"}) || !slices.Equal(svc.TokenExchangeSubjectIssuers, []string{"self"}) {
		t.Fatalf("created %+v", svc)
	}
	v := decode[clientView](t, e.ok(t, "", "client", "update", svc.ClientID, "--token-exchange-audience", "a", "--token-exchange-audience", "b",
		"--jwt-bearer-issuer", "https://k8s.example", "--jwt-bearer-audience", "tokenmint", "--jwt-bearer-subject", "system:serviceaccount:prod:*",
		"--jwt-bearer-claim", "kubernetes.io.namespace=prod", "--token-exchange-subject-issuer", "https://k8s.example"))
	if !slices.Equal(v.TokenExchangeAudiences, []string{"a", "b"}) || len(v.JWTBearerTrusts) != 1 || v.JWTBearerTrusts[0].Issuer != "https://k8s.example" ||
		!slices.Equal(v.TokenExchangeSubjectIssuers, []string{"https://k8s.example"}) {
		t.Fatalf("updated %+v", v)
	}
	if r := e.ok(t, "", "client", "get", svc.ClientID, "--output", "table"); !strings.Contains(r.stdout, "issuer=https://k8s.example audience=tokenmint subject=system:serviceaccount:prod:* kubernetes.io.namespace=prod") {
		t.Errorf("table:\n%s", r.stdout)
	}
	v = decode[clientView](t, e.ok(t, "", "client", "update", svc.ClientID, "--jwt-bearer-issuer=", "--token-exchange-subject-issuer", "self"))
	if len(v.JWTBearerTrusts) != 0 {
		t.Fatalf("trust not removed: %+v", v)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"client", "create", "--name", "x", "--grant-type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, "jwt_bearer_trusts"},
		{[]string{"client", "create", "--name", "x", "--jwt-bearer-issuer", "https://ci.example", "--jwt-bearer-subject", "s"}, "audience"},
		{[]string{"client", "create", "--name", "x", "--jwt-bearer-claim", "novalue"}, "--jwt-bearer-claim"},
		{[]string{"client", "create", "--name", "x", "--jwt-bearer-claim", "sub=x"}, "checked by the grant"},
		{[]string{"client", "create", "--name", "x", "--token-exchange-subject-issuer", "https://nobody.example"}, "neither self nor a trusted issuer"},
		{[]string{"client", "update", ci.ClientID, "--jwt-bearer-issuer="}, "jwt-bearer grant needs a trusted issuer"},
	} {
		r := e.exec(t, "", tc.args...)
		if r.code == exitOK || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
