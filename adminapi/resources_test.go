package adminapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// TestClientResources: resources (RFC 8707) and
// introspection_signed_response_alg (RFC 9701 §6) through the admin API,
// every exchange checked against the OpenAPI document: created, read,
// replaced and removed by PATCH, the alias resource accepted, invalid
// values refused naming the member, and the token endpoint honouring
// the change at once.
func TestClientResources(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "svc", "resources": []string{"https://orders.example/api", "urn:example:ledger"},
		"introspection_signed_response_alg": "EdDSA"})
	if !slices.Equal(m.Resources, []string{"https://orders.example/api", "urn:example:ledger"}) || m.IntrospectionSignedResponseAlg != "EdDSA" {
		t.Fatalf("created %+v", m)
	}
	path := adminapi.PathClients + "/" + m.ClientID
	resourceStatus := func(r string) int {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "resource": {r}}
		req, _ := http.NewRequest(http.MethodPost, e.in.URL+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(m.ClientID), url.QueryEscape(m.ClientSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := resourceStatus("urn:example:ledger"); s != http.StatusOK {
		t.Fatalf("token for a registered resource: %d", s)
	}
	r := e.admin(http.MethodPatch, path, map[string]any{"resource": []string{"https://reports.example/"}})
	want(t, r, http.StatusOK)
	var got clientmeta.Metadata
	r.json(t, &got)
	if !slices.Equal(got.Resources, []string{"https://reports.example/"}) || got.IntrospectionSignedResponseAlg != "EdDSA" {
		t.Errorf("patched by the alias: %+v", got)
	}
	if resourceStatus("urn:example:ledger") != http.StatusBadRequest || resourceStatus("https://reports.example/") != http.StatusOK {
		t.Error("the token endpoint does not follow the change at once")
	}
	r = e.admin(http.MethodPatch, path, map[string]any{"resources": nil, "introspection_signed_response_alg": nil})
	got = clientmeta.Metadata{}
	r.json(t, &got)
	if len(got.Resources) != 0 || got.Resources == nil || got.IntrospectionSignedResponseAlg != "" {
		t.Errorf("null removes them: %+v", got)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"resources":["/relative"]}`, "resources"},
		{`{"resources":["https://a.example/#f"]}`, "resources"},
		{`{"resources":"https://a.example/"}`, "resources"},
		{`{"resource":["urn:a"],"resources":["urn:b"]}`, "resources"},
		{`{"introspection_signed_response_alg":"HS256"}`, "introspection_signed_response_alg"},
	} {
		r := e.do(call{method: http.MethodPatch, path: path, token: e.token, body: tc.body, hostile: true})
		want(t, r, http.StatusBadRequest)
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: %+v", tc.body, p)
		}
	}
}
