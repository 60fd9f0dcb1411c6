package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/dpop/dpoptest"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
)

// sendDPoP sends a request with client and each proof as a DPoP header,
// returning status, headers and JSON body.
func sendDPoP(t *testing.T, client *http.Client, method, u string, form url.Values, auth string, proofs ...string) (int, http.Header, map[string]any) {
	t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, p := range proofs {
		req.Header.Add(dpop.Header, p)
	}
	req.Close = true
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, resp.Header, m
}

// TestDPoPMTLSAlias: with --mtls-base-url, discovery sends clients to the
// token and userinfo endpoints at the alias, so a proof naming the alias
// URL is accepted (RFC 8705 §5 with RFC 9449 §4.3), as is one naming the
// issuer's URL; a proof naming a third URL, such as the Host header the
// request came with, is refused.
func TestDPoPMTLSAlias(t *testing.T) {
	const alias = "https://mtls.auth.example"
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := servertest.Start(t, servertest.ServeTLS(t, ca), func(c *config.Config) { c.MTLSBaseURL = alias })
	client := in.HTTPClient(t)
	c := in.CreateClient(t, registry.ClientSpec{GrantTypes: []string{"client_credentials"}, Scopes: []string{"api"}})
	k := dpoptest.NewKey()
	token := func(htu string, nonce string) (int, http.Header, map[string]any) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {c.Secret}}
		return sendDPoP(t, client, http.MethodPost, in.URL+"/oauth2/token", form, "", k.Proof("POST", htu, dpoptest.Options{IssuedAt: in.Clock.Now(), Nonce: nonce}))
	}
	_, h, _ := token(alias+"/oauth2/token", "")
	nonce := h.Get(dpop.NonceHeader)

	for _, htu := range []string{alias + "/oauth2/token", in.Config.Issuer + "/oauth2/token"} {
		if status, _, body := token(htu, nonce); status != 200 || body["token_type"] != "DPoP" {
			t.Errorf("htu %s: %d %v, want a DPoP token", htu, status, body)
		}
	}
	for _, htu := range []string{"https://elsewhere.example/oauth2/token", alias + "/oauth2/introspect", alias + "/oauth2/token/x"} {
		status, h, body := token(htu, nonce)
		wantError(t, status, h, body, 400, dpop.CodeInvalidProof)
	}
}
