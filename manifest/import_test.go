package manifest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
)

// hydraExport is `hydra list clients --format json` of Hydra v2: a page
// object, members Hydra prints empty included.
const hydraExport = `{
  "items": [
    {
      "client_id": "0b8b5d58-3a56-4f0e-9c6d-2f0a3c1d7e11",
      "client_name": "billing",
      "redirect_uris": null,
      "grant_types": ["client_credentials"],
      "response_types": ["code"],
      "scope": "api read",
      "audience": ["https://api.example.com"],
      "owner": "team-billing",
      "policy_uri": "",
      "allowed_cors_origins": [],
      "tos_uri": "",
      "client_uri": "",
      "logo_uri": "",
      "contacts": null,
      "client_secret_expires_at": 0,
      "subject_type": "public",
      "jwks": {},
      "token_endpoint_auth_method": "client_secret_post",
      "userinfo_signed_response_alg": "none",
      "created_at": "2024-05-01T10:00:00Z",
      "updated_at": "2024-05-01T10:00:00Z",
      "metadata": {"cost_center": "42"},
      "skip_consent": false,
      "access_token_strategy": "opaque",
      "client_credentials_grant_access_token_lifespan": "30m0s",
      "authorization_code_grant_access_token_lifespan": "2h0m0s"
    },
    {
      "client_id": "web-app",
      "client_name": "",
      "client_secret": "$pbkdf2-sha256$i=25000,l=32$abc$def",
      "redirect_uris": ["https://app.example.com/callback"],
      "grant_types": ["authorization_code", "refresh_token"],
      "response_types": ["code"],
      "scope": "openid offline_access profile",
      "audience": [],
      "token_endpoint_auth_method": "none",
      "access_token_strategy": "",
      "authorization_code_grant_access_token_lifespan": "15m0s",
      "refresh_token_grant_access_token_lifespan": "10m0s",
      "refresh_token_grant_refresh_token_lifespan": "720h0m0s",
      "authorization_code_grant_id_token_lifespan": "1h0m0s"
    }
  ],
  "next_page_token": "eyJwYWdlIjoiMSJ9",
  "is_last_page": true
}`

func TestFromHydra(t *testing.T) {
	imp, err := FromHydra([]byte(hydraExport), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cs := imp.Manifest.Clients
	if len(cs) != 2 {
		t.Fatalf("%d clients", len(cs))
	}
	b := cs[0].Fields
	if *b.ClientName != "billing" || *b.Scope != "api read" || *b.TokenFormat != "opaque" || *b.TokenEndpointAuthMethod != "client_secret_post" ||
		*b.AccessTokenTTL != 1800 || !slices.Equal(*b.Audience, []string{"https://api.example.com"}) || b.RedirectURIs != nil {
		t.Errorf("billing: %s", fieldsJSON(b))
	}
	w := cs[1].Fields
	if *w.ClientName != "web-app" || *w.TokenEndpointAuthMethod != "none" || w.TokenFormat != nil || *w.AccessTokenTTL != 600 || *w.RefreshTokenTTL != 720*3600 {
		t.Errorf("web-app: %s", fieldsJSON(w))
	}
	joined := strings.Join(imp.Warnings, "\n")
	for _, want := range []string{"left out metadata, owner", "access_token_ttl is the shortest", "authorization_code_grant_id_token_lifespan"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	// The converted clients apply: secrets are generated anew.
	reg := newRegistry(t)
	res := apply(t, reg, imp.Manifest, nil)
	if res.Clients[0].ClientSecret == "" || res.Clients[1].ClientSecret != "" {
		t.Errorf("secrets: %+v", res.Clients)
	}
	got, err := reg.Store.GetClient(context.Background(), "web-app")
	if err != nil || !got.Public || got.AccessTTL != 10*time.Minute || !slices.Equal(got.GrantTypes, []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken}) {
		t.Errorf("web-app stored: %+v, %v", got, err)
	}
	// Importing again changes nothing.
	if again := apply(t, reg, imp.Manifest, nil); again.Changed() {
		t.Errorf("second import: %+v", again)
	}
}

func TestFromHydraForms(t *testing.T) {
	one := `{"client_id":"a","client_name":"A","grant_types":["client_credentials"]}`
	for name, body := range map[string]string{"object": one, "array": "[" + one + "]", "admin api page": `{"items":[` + one + `]}`} {
		imp, err := FromHydra([]byte(body), ImportOptions{})
		if err != nil || len(imp.Manifest.Clients) != 1 || imp.Manifest.Clients[0].ID() != "a" {
			t.Errorf("%s: %+v, %v", name, imp, err)
		}
	}
	imp, err := FromHydra([]byte(`{"items":[`+one+`],"is_last_page":false}`), ImportOptions{})
	if err != nil || !strings.Contains(strings.Join(imp.Warnings, ""), "one page") {
		t.Errorf("partial page: %+v, %v", imp, err)
	}
	// Hydra's default grant is authorization_code.
	imp, err = FromHydra([]byte(`{"client_id":"d","redirect_uris":["https://d.example/cb"]}`), ImportOptions{})
	if err != nil || !slices.Equal(*imp.Manifest.Clients[0].Fields.GrantTypes, []string{"authorization_code"}) {
		t.Errorf("default grant: %v", err)
	}
}

// TestFromHydraRefuses: what tokenmint does not serve is refused by
// name, unless --ignore-unsupported leaves it out with a warning.
func TestFromHydraRefuses(t *testing.T) {
	tests := []struct{ name, member, want string }{
		{"implicit", `"grant_types":["implicit"]`, `grant type "implicit" is not supported`},
		{"jwt bearer", `"grant_types":["client_credentials","urn:ietf:params:oauth:grant-type:jwt-bearer"]`, "jwt-bearer"},
		{"hybrid", `"response_types":["code id_token"]`, `response type "code id_token" is not supported`},
		{"logout", `"frontchannel_logout_uri":"https://a.example/logout"`, "frontchannel_logout_uri is set, and tokenmint has no OpenID Connect front-channel logout"},
		{"cors", `"allowed_cors_origins":["https://a.example"]`, "per-client CORS"},
		{"jwks_uri", `"jwks_uri":"https://a.example/jwks"`, "private_key_jwt"},
		{"pairwise", `"subject_type":"pairwise"`, "pairwise"},
		{"unknown", `"colour":"red"`, `unknown member "colour"`},
		{"signed userinfo", `"userinfo_signed_response_alg":"RS256"`, "signed UserInfo"},
		{"bad lifespan", `"client_credentials_grant_access_token_lifespan":"forever"`, "not a positive duration"},
		{"bad strategy", `"access_token_strategy":"paseto"`, "not jwt or opaque"},
		{"wrong type", `"scope":["a"]`, "scope must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"client_id":"x","grant_types":["client_credentials"],` + tt.member + `}`
			if strings.Contains(tt.member, `"grant_types"`) {
				body = `{"client_id":"x",` + tt.member + `}`
			}
			_, err := FromHydra([]byte(body), ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "hydra client x") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.Contains(tt.name, "bad") && tt.name != "wrong type" && !strings.Contains(err.Error(), "--ignore-unsupported") {
				t.Errorf("no hint at --ignore-unsupported: %v", err)
			}
		})
	}
	imp, err := FromHydra([]byte(`{"client_id":"x","grant_types":["client_credentials","implicit"],"response_types":["token"],"allowed_cors_origins":["https://a.example"],"colour":"red"}`),
		ImportOptions{IgnoreUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(imp.Warnings, "\n")
	for _, want := range []string{"left out grant type implicit", `left out response type "token"`, "left out unsupported allowed_cors_origins, colour"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if _, err := FromHydra([]byte(`{"client_id":"x","grant_types":["implicit"]}`), ImportOptions{IgnoreUnsupported: true}); err == nil {
		t.Error("a client with no supported grant type must be refused")
	}
	if _, err := FromHydra([]byte(`[{"client_id":"x"},{"client_id":"x"}]`), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "declared twice") {
		t.Errorf("duplicate IDs: %v", err)
	}
	for _, bad := range []string{``, `"x"`, `{"next_page_token":""}`, `[1]`} {
		if _, err := FromHydra([]byte(bad), ImportOptions{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestFromRFC7591(t *testing.T) {
	// tokenmint's own admin API answer, secret included: the secret is
	// dropped (generated anew), the rest kept.
	body := `[{"client_id":"svc","client_secret":"tmcs_x","client_id_issued_at":1700000000,"client_secret_expires_at":0,
	  "client_name":"Service","grant_types":["client_credentials"],"response_types":[],"scope":"api","redirect_uris":[],
	  "token_endpoint_auth_method":"client_secret_basic","token_format":"jwt","access_token_ttl":900,"idle_ttl":0,
	  "refresh_token_ttl":0,"audience":[],"claims":{},"profile":"","signing_alg":"","require_consent":false,
	  "allow_plain_pkce":false,"allow_no_pkce":false,"intersect_scopes":false,"has_api_key":false}]`
	imp, err := FromRFC7591([]byte(body), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t)
	res := apply(t, reg, imp.Manifest, nil)
	if res.Clients[0].ClientSecret == "" || res.Clients[0].ClientSecret.Reveal() == "tmcs_x" {
		t.Errorf("secret: %+v", res.Clients[0])
	}
	c, _ := reg.Store.GetClient(context.Background(), "svc")
	if c.AccessTTL != 15*time.Minute || c.Name != "Service" {
		t.Errorf("stored %+v", c)
	}
	// Another server's metadata: logo_uri is refused, or left out.
	other := `{"client_id":"o","client_name":"O","grant_types":["client_credentials"],"logo_uri":"https://o.example/logo.png","x_vendor":1}`
	if _, err := FromRFC7591([]byte(other), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "logo_uri") || !strings.Contains(err.Error(), "--ignore-unsupported") {
		t.Errorf("logo_uri: %v", err)
	}
	imp, err = FromRFC7591([]byte(other), ImportOptions{IgnoreUnsupported: true})
	if err != nil || !strings.Contains(strings.Join(imp.Warnings, ""), "client o: left out logo_uri, x_vendor") {
		t.Errorf("ignored: %+v, %v", imp, err)
	}
	if _, err := FromRFC7591([]byte(`{"client_name":"n"}`), ImportOptions{}); err == nil {
		t.Error("metadata without client_id must be refused")
	}
}

func fieldsJSON(f any) string {
	b, _ := json.Marshal(f)
	return string(b)
}
