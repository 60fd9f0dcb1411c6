package tokenmint

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMatchSubject(t *testing.T) {
	for _, tc := range []struct {
		pattern, sub string
		want         bool
	}{
		{"repo:org/app:ref:refs/heads/main", "repo:org/app:ref:refs/heads/main", true},
		{"repo:org/app:ref:refs/heads/main", "repo:org/app:ref:refs/heads/mainx", false},
		{"repo:org/app:ref:refs/heads/*", "repo:org/app:ref:refs/heads/feature/x", true},
		{"repo:org/app:ref:refs/heads/*", "repo:org/app:ref:refs/tags/v1", false},
		{"repo:org/app:ref:refs/heads/*", "repo:org/app-evil:ref:refs/heads/main", false},
		{"repo:org/app:*", "repo:org/app:environment:prod", true},
		{"repo:org/app:*", "repo:org/app", false},
		{"repo:org/*:ref:refs/heads/main", "repo:org/a:b:ref:refs/heads/main", true},
		{"*:main", "x:main", true},
		{"*:main", "x:main:main", true},
		{"*:main", "x:mainx", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "acb", false},
		{"", "", true},
		{"", "x", false},
		{"*", "", true},
		{"system:serviceaccount:ns:sa", "system:serviceaccount:ns:sa2", false},
		{"?", "x", false}, // only * is special
	} {
		if got := MatchSubject(tc.pattern, tc.sub); got != tc.want {
			t.Errorf("MatchSubject(%q, %q) = %v, want %v", tc.pattern, tc.sub, got, tc.want)
		}
	}
}

func TestClaimConditionHolds(t *testing.T) {
	var claims map[string]any
	if err := json.Unmarshal([]byte(`{"repository":"org/app","ref_protected":true,"run_attempt":2,
		"kubernetes.io":{"namespace":"prod","serviceaccount":{"name":"api"}},
		"kubernetes.io/serviceaccount/namespace":"legacy","groups":["a"]}`), &claims); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cond string
		want bool
	}{
		{"repository=org/app", true},
		{"repository=org/app2", false},
		{"repository=", false},
		{"ref_protected=true", true},
		{"ref_protected=false", false},
		{"run_attempt=2", true},
		{"run_attempt=2.0", false},
		{"kubernetes.io.namespace=prod", true},
		{"kubernetes.io.serviceaccount.name=api", true},
		{"kubernetes.io.serviceaccount.name=db", false},
		{"kubernetes.io/serviceaccount/namespace=legacy", true},
		{"missing=x", false},
		{"groups=a", false}, // arrays are not compared
	} {
		c, err := ParseClaimCondition(tc.cond)
		if err != nil {
			t.Fatalf("%s: %v", tc.cond, err)
		}
		if got := c.Holds(claims); got != tc.want {
			t.Errorf("%s: Holds = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestParseClaimConditionRefuses(t *testing.T) {
	for _, s := range []string{"novalue", "=x", "sub=a", "iss=https://x", "aud=x", "exp=1", "a=\x00", "a\nb=c",
		strings.Repeat("n", 129) + "=v", "n=" + strings.Repeat("v", 513)} {
		if _, err := ParseClaimCondition(s); err == nil {
			t.Errorf("ParseClaimCondition(%q) accepted", s)
		}
	}
	c, err := ParseClaimCondition("a=b=c")
	if err != nil || c.Name != "a" || c.Value != "b=c" {
		t.Errorf("a=b=c: %+v, %v", c, err)
	}
}

func federatedClient() Client {
	return Client{ID: "c", Name: "c", SecretHash: []byte{1}, TokenFormat: FormatJWT,
		GrantTypes: []string{GrantTokenExchange, GrantJWTBearer}, Scopes: []string{"read", "write"},
		TokenExchangeSubjectIssuers: []string{IssuerSelf, "https://issuer.example"},
		TokenExchangeAudiences:      []string{"billing"},
		JWTBearerTrusts: []JWTTrust{{Issuer: "https://issuer.example", Audience: "tokenmint",
			Subject: "repo:org/app:*", Claims: []ClaimCondition{{"repository", "org/app"}}, Scopes: []string{"read"}}}}
}

func TestValidateFederation(t *testing.T) {
	if err := func() *Client { c := federatedClient(); return &c }().Validate(); err != nil {
		t.Fatalf("valid client refused: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Client)
		field string
	}{
		{"jwt-bearer without trust", func(c *Client) { c.JWTBearerTrusts = nil; c.TokenExchangeSubjectIssuers = nil }, FieldJWTBearerTrusts},
		{"public token exchange", func(c *Client) { c.Public, c.SecretHash, c.AuthMethod = true, nil, AuthMethodNone }, FieldGrantTypes},
		{"untrusted subject issuer", func(c *Client) { c.TokenExchangeSubjectIssuers = []string{"https://other.example"} }, FieldTokenExchangeSubjectIssuers},
		{"subject issuer twice", func(c *Client) { c.TokenExchangeSubjectIssuers = []string{IssuerSelf, IssuerSelf} }, FieldTokenExchangeSubjectIssuers},
		{"audience with space", func(c *Client) { c.TokenExchangeAudiences = []string{"a b"} }, FieldTokenExchangeAudiences},
		{"empty audience", func(c *Client) { c.TokenExchangeAudiences = []string{""} }, FieldTokenExchangeAudiences},
		{"http issuer", func(c *Client) { c.JWTBearerTrusts[0].Issuer = "http://issuer.example" }, FieldJWTBearerTrusts},
		{"issuer with query", func(c *Client) { c.JWTBearerTrusts[0].Issuer = "https://issuer.example/?a=b" }, FieldJWTBearerTrusts},
		{"issuer with fragment", func(c *Client) { c.JWTBearerTrusts[0].Issuer = "https://issuer.example/#a" }, FieldJWTBearerTrusts},
		{"no trust audience", func(c *Client) { c.JWTBearerTrusts[0].Audience = "" }, FieldJWTBearerTrusts},
		{"no subject", func(c *Client) { c.JWTBearerTrusts[0].Subject = "" }, FieldJWTBearerTrusts},
		{"star alone without conditions", func(c *Client) { c.JWTBearerTrusts[0].Subject, c.JWTBearerTrusts[0].Claims = "**", nil }, FieldJWTBearerTrusts},
		{"trust scope not the client's", func(c *Client) { c.JWTBearerTrusts[0].Scopes = []string{"admin"} }, FieldJWTBearerTrusts},
		{"reserved condition", func(c *Client) { c.JWTBearerTrusts[0].Claims = []ClaimCondition{{"sub", "x"}} }, FieldJWTBearerTrusts},
		{"issuer twice", func(c *Client) { c.JWTBearerTrusts = append(c.JWTBearerTrusts, c.JWTBearerTrusts[0]) }, FieldJWTBearerTrusts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := federatedClient()
			c.JWTBearerTrusts = append([]JWTTrust(nil), c.JWTBearerTrusts...)
			tc.edit(&c)
			err := c.Validate()
			fe, ok := err.(*FieldError)
			if !ok || fe.Field != tc.field {
				t.Fatalf("Validate = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
	// A star-only subject is allowed with a condition.
	c := federatedClient()
	c.JWTBearerTrusts[0].Subject = "*"
	if err := c.Validate(); err != nil {
		t.Errorf("* with a claim condition refused: %v", err)
	}
}

func FuzzMatchSubject(f *testing.F) {
	f.Add("repo:org/app:ref:refs/heads/*", "repo:org/app:ref:refs/heads/main")
	f.Add("a*b*c", "aXbYbZc")
	f.Add("***", "")
	f.Fuzz(func(t *testing.T, pattern, sub string) {
		got := MatchSubject(pattern, sub)
		if !strings.Contains(pattern, "*") && got != (pattern == sub) {
			t.Fatalf("pattern without * must match exactly: %q %q = %v", pattern, sub, got)
		}
		if got && CheckSubjectPattern(pattern) == nil && len(sub) < len(strings.ReplaceAll(pattern, "*", "")) {
			t.Fatalf("matched a subject shorter than the pattern's literal text: %q %q", pattern, sub)
		}
		if MatchSubject(pattern+"*", sub) != true && got {
			t.Fatalf("adding a trailing * lost a match: %q %q", pattern, sub)
		}
	})
}

func FuzzParseClaimCondition(f *testing.F) {
	f.Add("repository=org/app")
	f.Add("kubernetes.io.namespace=prod")
	f.Add("a=b=c")
	f.Add("=")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClaimCondition(s)
		if err != nil {
			return
		}
		if c.String() != s {
			t.Fatalf("round trip: %q -> %q", s, c.String())
		}
		if c.Check() != nil {
			t.Fatalf("parsed condition fails Check: %q", s)
		}
		// A condition holds of the claims it names with its value.
		if !c.Holds(map[string]any{c.Name: c.Value}) {
			t.Fatalf("condition %q does not hold of {%q: %q}", s, c.Name, c.Value)
		}
	})
}
