package adminapi_test

import (
	"net/http"
	"testing"

	"github.com/tokenmint/tokenmint/adminapi"
	"github.com/tokenmint/tokenmint/clientmeta"
)

// TestClientFederation: the token exchange policy and the JWT trusts of
// a client through the admin API, checked against the OpenAPI document:
// created, read back, replaced and removed by PATCH; invalid values
// refused naming the member.
func TestClientFederation(t *testing.T) {
	e := newEnv(t)
	m := e.createClient(map[string]any{"client_name": "ci", "token_endpoint_auth_method": "none", "scope": "deploy read",
		"grant_types": []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"jwt_bearer_trusts": []map[string]any{{"issuer": "https://token.actions.githubusercontent.com", "audience": "https://tokenmint.example",
			"subject": "repo:org/app:ref:refs/heads/*", "claims": map[string]string{"repository": "org/app"}, "scope": "deploy"}}})
	if len(m.JWTBearerTrusts) != 1 || m.JWTBearerTrusts[0].Claims["repository"] != "org/app" || m.JWTBearerTrusts[0].Scope != "deploy" ||
		m.TokenExchangeSubjectIssuers == nil || m.TokenExchangeAudiences == nil {
		t.Fatalf("created %+v", m)
	}
	svc := e.createClient(map[string]any{"client_name": "svc", "scope": "read",
		"grant_types":              []string{"urn:ietf:params:oauth:grant-type:token-exchange"},
		"token_exchange_audiences": []string{"https://ledger.example"}, "token_exchange_subject_issuers": []string{"self"}})
	path := adminapi.PathClients + "/" + svc.ClientID
	r := e.admin(http.MethodGet, path, nil)
	want(t, r, http.StatusOK)
	var read clientmeta.Metadata
	r.json(t, &read)
	if len(read.TokenExchangeAudiences) != 1 || read.TokenExchangeSubjectIssuers[0] != "self" {
		t.Fatalf("read back %+v", read)
	}
	r = e.admin(http.MethodPatch, path, map[string]any{"token_exchange_audiences": nil, "token_exchange_subject_issuers": []string{}})
	want(t, r, http.StatusOK)
	read = clientmeta.Metadata{}
	r.json(t, &read)
	if len(read.TokenExchangeAudiences) != 0 || len(read.TokenExchangeSubjectIssuers) != 0 {
		t.Fatalf("null and [] remove them: %+v", read)
	}
	ciPath := adminapi.PathClients + "/" + m.ClientID
	for _, tc := range []struct{ path, body, field string }{
		{ciPath, `{"jwt_bearer_trusts":[]}`, "jwt_bearer_trusts"}, // the grant needs one
		{ciPath, `{"jwt_bearer_trusts":[{"issuer":"http://ci.example","audience":"a","subject":"s"}]}`, "jwt_bearer_trusts"},
		{ciPath, `{"jwt_bearer_trusts":[{"issuer":"https://ci.example","audience":"a","subject":"*"}]}`, "jwt_bearer_trusts"},
		{ciPath, `{"jwt_bearer_trusts":[{"issuer":"https://ci.example","audience":"a","subject":"s","claims":{"sub":"x"}}]}`, "jwt_bearer_trusts"},
		{ciPath, `{"jwt_bearer_trusts":[{"issuer":"https://ci.example","audience":"a","subject":"s","scope":"admin"}]}`, "jwt_bearer_trusts"},
		{ciPath, `{"jwt_bearer_trusts":[{"issuer":"https://ci.example","audience":"a","subject":"s","extra":1}]}`, "jwt_bearer_trusts"},
		{ciPath, `{"grant_types":["urn:ietf:params:oauth:grant-type:token-exchange"]}`, "grant_types"}, // a public client
		{path, `{"token_exchange_subject_issuers":["https://untrusted.example"]}`, "token_exchange_subject_issuers"},
		{path, `{"token_exchange_audiences":["a b"]}`, "token_exchange_audiences"},
	} {
		r := e.do(call{method: http.MethodPatch, path: tc.path, token: e.token, body: tc.body, hostile: true})
		want(t, r, http.StatusBadRequest)
		if pr := r.problem(t); len(pr.Errors) != 1 || pr.Errors[0].Field != tc.field {
			t.Errorf("%s: %+v", tc.body, pr)
		}
	}
}
