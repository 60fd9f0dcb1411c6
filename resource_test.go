package tokenmint_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint"
)

func TestCheckResource(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://api.example.com", true},
		{"https://api.example.com/v1/orders?tenant=acme&x=%20", true},
		{"http://127.0.0.1:8080/api", true},
		{"urn:example:ledger", true},
		{"https://[::1]:8443/", true},
		{"", false},
		{"/api", false},
		{"api.example.com", false},
		{"//api.example.com/x", false},
		{"https://api.example.com/#", false},
		{"https://api.example.com/#frag", false},
		{"https://api.example.com/a b", false},
		{"https://api.example.com/\t", false},
		{"https://api.example.com/\x00", false},
		{"https://api.example.com/é", false},
		{"https://api.example.com/\"", false},
		{"https://api.example.com/{x}", false},
		{"https:", false},
		{"1https://x", false},
		{"https://api.example.com/%zz", false},
		{"https://" + strings.Repeat("a", tokenmint.MaxResourceLen), false},
	} {
		err := tokenmint.CheckResource(tc.uri)
		if (err == nil) != tc.ok {
			t.Errorf("CheckResource(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
		if err != nil && !errors.Is(err, tokenmint.ErrInvalidResource) {
			t.Errorf("CheckResource(%q) = %v, not wrapping ErrInvalidResource", tc.uri, err)
		}
	}
}

func TestClientValidateResources(t *testing.T) {
	base := tokenmint.Client{ID: "c", Name: "c", SecretHash: []byte("h"), GrantTypes: []string{tokenmint.GrantClientCredentials}, TokenFormat: tokenmint.FormatJWT}
	for _, tc := range []struct {
		name      string
		resources []string
		alg       string
		field     string
	}{
		{"valid", []string{"https://a.example", "urn:b"}, tokenmint.AlgES256, ""},
		{"relative", []string{"/a"}, "", tokenmint.FieldResources},
		{"twice", []string{"urn:b", "urn:b"}, "", tokenmint.FieldResources},
		{"bad alg", nil, "HS256", tokenmint.FieldIntrospectionAlg},
		{"none alg", nil, "none", tokenmint.FieldIntrospectionAlg},
	} {
		c := base
		c.Resources, c.IntrospectionAlg = tc.resources, tc.alg
		err := c.Validate()
		var fe *tokenmint.FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: %v, want an error about %s", tc.name, err, tc.field)
		}
	}
	if c := (tokenmint.Client{Resources: []string{"https://a.example"}}); !c.AllowsResource("https://a.example") || c.AllowsResource("https://a.example/") {
		t.Error("AllowsResource must compare exactly")
	}
}
