package console

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClientForm feeds the client form decoder any form: it never panics,
// and what it accepts is a document clientmeta decoded, every text within
// its field's bound.
func FuzzClientForm(f *testing.F) {
	f.Add("client_name=A&grant_types=client_credentials&scope=api&token_format=jwt&access_token_ttl=60", true)
	f.Add("client_name=A&idle_ttl=1.5&refresh_token_ttl=30&claims=a%3Db%0Ac%3Dd&jwks=%7B%22keys%22%3A%5B%5D%7D", false)
	f.Add("client_name=A&client_name=B", true)
	f.Add("access_token_ttl=NaN&idle_ttl=-0&refresh_token_ttl=1e308", true)
	f.Add("claims=%3D%0A&jwks=%7B&redirect_uris=%0A%0Ahttps%3A%2F%2Fa%0A", false)
	f.Fuzz(func(t *testing.T, raw string, create bool) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fields, errs := decodeClientForm(form, clientFormMode{create: create})
		if (fields == nil) == (errs == nil) {
			t.Fatalf("fields %v and errors %v", fields, errs)
		}
		if fields != nil && fields.ClientName != nil && (len(*fields.ClientName) > 200 || !utf8.ValidString(*fields.ClientName)) {
			t.Fatalf("accepted name %q", *fields.ClientName)
		}
		if fields != nil && fields.AccessTokenTTL != nil && *fields.AccessTokenTTL < 0 {
			t.Fatalf("accepted a negative lifetime")
		}
		if errs != nil && errs.Summary() == "" {
			t.Fatalf("a refusal without a message: %v", errs)
		}
	})
}

// FuzzAppForm and FuzzUserForm: the self-service and user form decoders
// never panic, and bound what they accept.
func FuzzAppForm(f *testing.F) {
	f.Add("client_name=App&app_type=none&redirect_uris=http%3A%2F%2F127.0.0.1%2Fcb&grant_types=authorization_code&scope=openid")
	f.Add("client_name=A&client_name=B&scope=" + strings.Repeat("x", 5000))
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		a, errs := decodeAppForm(form)
		if len(errs) == 0 && (len(a.Name) > 200 || len(a.RedirectURIs) > 16<<10 || !utf8.ValidString(a.Name)) {
			t.Fatalf("accepted %+v", a)
		}
		for _, u := range splitLines(a.RedirectURIs) {
			hostAllowed(u, []string{"*.example.com", "app.example.org"})
		}
	})
}

func FuzzUserForm(f *testing.F) {
	f.Add("username=ada&email=ada%40example.com&name=Ada&password=secretsecret&admin=true")
	f.Add("username=a&username=b")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		u, errs := decodeUserForm(form)
		if len(errs) == 0 && (len(u.Username) > 256 || len(u.Password) > 1024) {
			t.Fatalf("accepted %+v", u)
		}
	})
}
