package httpapi

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// FuzzDeviceAuthorizationRequest: no body, header or query makes the
// device authorization request decoder (RFC 8628 §3.1) panic; what it
// accepts carries exactly the form's scope and resources, one
// authentication method, and nothing from the query string.
func FuzzDeviceAuthorizationRequest(f *testing.F) {
	f.Add("client_id=tv&scope=openid%20api", "", "application/x-www-form-urlencoded", "")
	f.Add("scope=a&resource=https%3A%2F%2Fapi.example%2F&resource=urn:x", "Basic YTpi", "application/x-www-form-urlencoded", "")
	f.Add("client_id=a&client_id=b", "", "application/x-www-form-urlencoded", "")
	f.Add("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x.y.z", "", "application/x-www-form-urlencoded", "client_id=q")
	f.Add("%zz", "Basic !!!", "text/plain", "")
	f.Fuzz(func(t *testing.T, body, auth, ctype, query string) {
		r := httptest.NewRequest("POST", PathDeviceAuthorization, strings.NewReader(body))
		r.URL.RawQuery = url.PathEscape(query)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Authorization", auth)
		form, err := ParseForm(httptest.NewRecorder(), r, 512)
		if err != nil {
			if _, ok := oauth.As(err); !ok {
				t.Fatalf("ParseForm returned a non-OAuth error %v", err)
			}
			return
		}
		if r.URL.RawQuery != "" {
			t.Fatal("a request with a query string was accepted")
		}
		req, err := DeviceAuthorizationRequestFromForm(r, form)
		if err != nil {
			if _, ok := oauth.As(err); !ok {
				t.Fatalf("decoder returned a non-OAuth error %v", err)
			}
			return
		}
		if req.Scope != form.Get("scope") || !slices.Equal(req.Resources, form[ParamResource]) {
			t.Fatalf("decoded %+v from %v", req, form)
		}
		if req.Client.Method == grant.AuthBasic && (form.Get("client_secret") != "" || form.Get("client_assertion") != "") {
			t.Fatal("two authentication methods accepted")
		}
	})
}
