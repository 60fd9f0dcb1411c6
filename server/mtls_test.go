package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/config"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/registry"
	"github.com/tokenmint/tokenmint/server/servertest"
	"github.com/tokenmint/tokenmint/store/storetest"
)

// partnerDN is the subject of a partner's certificate as Go writes it in
// RFC 4514 form; registered below in another case and spacing, which
// names the same subject.
var partnerName = pkix.Name{CommonName: "partner-1", Organization: []string{"Example Corp"}, Country: []string{"DE"}}

const partnerDNRegistered = "cn=Partner-1,  O=example  corp,c=de"

// mtlsServer starts a server that serves TLS itself, its client CA ca,
// on SQLite or PostgreSQL.
func mtlsServer(t *testing.T, backend string, ca *testpki.CA, opts ...servertest.Option) *servertest.Instance {
	t.Helper()
	all := append([]servertest.Option{servertest.ServeTLS(t, ca)}, opts...)
	if backend == "postgres" {
		dsn := storetest.PostgresDSN(t)
		all = append(all, func(c *config.Config) { c.Database = dsn })
	}
	return servertest.Start(t, all...)
}

// postWith sends a form POST with client, returning status and JSON body.
func postWith(t *testing.T, client *http.Client, endpoint string, form url.Values, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func ccForm(clientID string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "scope": {"api"}}
}

func cnfOf(m map[string]any) string {
	c, _ := m["cnf"].(map[string]any)
	s, _ := c["x5t#S256"].(string)
	return s
}

// TestMTLSListener: with --tls-cert the public listener serves TLS 1.2 or
// later only, and discovery (both documents) lists the mutual-TLS
// methods, certificate-bound tokens and the endpoints that take
// certificates, on the issuer's https URLs; a plain server lists none of
// them.
func TestMTLSListener(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := servertest.Start(t, servertest.ServeTLS(t, ca))
	if !strings.HasPrefix(in.Config.Issuer, "https://") {
		t.Fatalf("issuer %s", in.Config.Issuer)
	}
	old := in.HTTPClient(t)
	old.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS11
	if _, err := old.Get(in.URL + "/healthz"); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	c := in.HTTPClient(t)
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		resp, err := c.Get(in.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Fatalf("%s: not over TLS 1.2+", path)
		}
		for _, key := range []string{"token_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported"} {
			got, _ := json.Marshal(m[key])
			if !strings.Contains(string(got), `"tls_client_auth"`) || !strings.Contains(string(got), `"self_signed_tls_client_auth"`) {
				t.Errorf("%s %s: %s", path, key, got)
			}
		}
		if m["tls_client_certificate_bound_access_tokens"] != true {
			t.Errorf("%s: tls_client_certificate_bound_access_tokens %v", path, m["tls_client_certificate_bound_access_tokens"])
		}
		aliases, _ := m["mtls_endpoint_aliases"].(map[string]any)
		for _, ep := range []string{"token_endpoint", "introspection_endpoint", "revocation_endpoint", "userinfo_endpoint", "device_authorization_endpoint", "pushed_authorization_request_endpoint"} {
			if aliases[ep] != m[ep] {
				t.Errorf("%s: mtls_endpoint_aliases.%s = %v, want %v", path, ep, aliases[ep], m[ep])
			}
		}
	}

	plain := servertest.Start(t)
	_, _, m := get(t, plain.URL+"/.well-known/openid-configuration")
	got, _ := json.Marshal(m["token_endpoint_auth_methods_supported"])
	if strings.Contains(string(got), "tls_client_auth") || m["tls_client_certificate_bound_access_tokens"] != nil || m["mtls_endpoint_aliases"] != nil {
		t.Errorf("a server without mutual TLS advertises it: %s", got)
	}

	sep := servertest.Start(t, servertest.ServeTLS(t, ca), func(c *config.Config) { c.MTLSBaseURL = "https://mtls.auth.example" })
	resp, err := sep.HTTPClient(t).Get(sep.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if aliases, _ := m["mtls_endpoint_aliases"].(map[string]any); aliases["token_endpoint"] != "https://mtls.auth.example/oauth2/token" {
		t.Errorf("--mtls-base-url: aliases %v", aliases)
	}
}

// TestMTLSCertificateReload: a renewed certificate written over the
// files is served on the next handshakes, without a restart.
func TestMTLSCertificateReload(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := servertest.Start(t, servertest.ServeTLS(t, ca))
	first := servedCert(t, in)
	renewed := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "127.0.0.1 renewed"}, Server: true, DNSNames: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	dir := filepath.Dir(in.Config.TLSCert)
	testpki.WriteFile(t, filepath.Join(dir, "server.key"), renewed.KeyPEM)
	testpki.WriteFile(t, in.Config.TLSCert, append(renewed.CertPEM, ca.PEM...))
	deadline := time.Now().Add(10 * time.Second)
	for servedCert(t, in) == first {
		if time.Now().After(deadline) {
			t.Fatal("the renewed certificate is not served")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := servedCert(t, in); got != "127.0.0.1 renewed" {
		t.Fatalf("served %q", got)
	}
}

func servedCert(t *testing.T, in *servertest.Instance) string {
	t.Helper()
	c := in.HTTPClient(t)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Get(in.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.TLS.PeerCertificates[0].Subject.CommonName
}

// TestTLSClientAuth: a tls_client_auth client (RFC 8705 §2.1) gets
// tokens with its certificate alone, from golang.org/x/oauth2's
// clientcredentials over a net/http client carrying the certificate, at
// the token, introspection and revocation endpoints, with its subject DN
// registered in another case and spacing, or a SAN; each hostile
// certificate is refused with 401 invalid_client: another subject from
// the same CA, the same subject from another CA, an expired certificate,
// none, and a secret instead.
func TestTLSClientAuth(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ca := testpki.NewCA(t, "tokenmint test CA")
			in := mtlsServer(t, backend, ca)
			byDN := in.CreateClient(t, registry.ClientSpec{Name: "partner", AuthMethod: tokenmint.AuthMethodTLSClientAuth,
				TLSClientAuthSubjectDN: partnerDNRegistered, Scopes: []string{"api"},
				GrantTypes: []string{tokenmint.GrantClientCredentials, tokenmint.GrantDeviceCode}})
			bySAN := in.CreateClient(t, registry.ClientSpec{Name: "partner san", AuthMethod: tokenmint.AuthMethodTLSClientAuth,
				TLSClientAuthSANDNS: "client.partner.example", Scopes: []string{"api"}, TokenFormat: tokenmint.FormatOpaque})
			good := ca.Issue(t, testpki.Spec{Subject: partnerName, DNSNames: []string{"client.partner.example"}})

			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, in.HTTPClient(t, good.TLS))
			for _, c := range []servertest.Client{byDN, bySAN} {
				cc := clientcredentials.Config{ClientID: c.ID, TokenURL: in.URL + "/oauth2/token", Scopes: []string{"api"}, AuthStyle: oauth2.AuthStyleInParams}
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatalf("%s: x/oauth2 client credentials: %v", c.Record.Name, err)
				}
				if tok.TokenType != "Bearer" || tok.AccessToken == "" {
					t.Fatalf("token %+v", tok)
				}
				status, body := postWith(t, in.HTTPClient(t, good.TLS), in.URL+"/oauth2/introspect",
					url.Values{"client_id": {c.ID}, "token": {tok.AccessToken}}, nil)
				if status != 200 || body["active"] != true || body["client_id"] != c.ID || body["cnf"] != nil {
					t.Fatalf("%s: introspection %d %v", c.Record.Name, status, body)
				}
				status, _ = postWith(t, in.HTTPClient(t, good.TLS), in.URL+"/oauth2/revoke", url.Values{"client_id": {c.ID}, "token": {tok.AccessToken}}, nil)
				if status != 200 {
					t.Fatalf("revocation %d", status)
				}
			}

			// The device authorization endpoint authenticates it alike (RFC 8628 §3.1).
			status, body := postWith(t, in.HTTPClient(t, good.TLS), in.URL+"/oauth2/device_authorization", url.Values{"client_id": {byDN.ID}, "scope": {"api"}}, nil)
			if status != 200 || body["device_code"] == nil {
				t.Fatalf("device authorization: %d %v", status, body)
			}
			if status, body := postWith(t, in.HTTPClient(t), in.URL+"/oauth2/device_authorization", url.Values{"client_id": {byDN.ID}, "scope": {"api"}}, nil); status != 401 {
				t.Fatalf("device authorization without the certificate: %d %v", status, body)
			}

			other := testpki.NewCA(t, "another CA")
			expiredAt := in.Clock.Now().Add(-time.Hour)
			hostile := []struct {
				name   string
				certs  []tls.Certificate
				basic  string // a secret sent with HTTP Basic
				wantIn string // in the description
			}{
				{"another subject, same CA", []tls.Certificate{ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "partner-2", Organization: []string{"Example Corp"}, Country: []string{"DE"}}}).TLS}, "", "does not match"},
				{"same subject, another CA", []tls.Certificate{other.Issue(t, testpki.Spec{Subject: partnerName}).TLS}, "", "does not chain"},
				{"self-signed, same subject", []tls.Certificate{testpki.SelfSigned(t, testpki.Spec{Subject: partnerName}).TLS}, "", "does not chain"},
				{"expired", []tls.Certificate{ca.Issue(t, testpki.Spec{Subject: partnerName, NotBefore: expiredAt.Add(-24 * time.Hour), NotAfter: expiredAt}).TLS}, "", "expired"},
				{"no certificate", nil, "", "present it"},
				{"a secret instead", []tls.Certificate{good.TLS}, "guess", ""},
			}
			for _, h := range hostile {
				t.Run(h.name, func(t *testing.T) {
					hdr := http.Header{}
					if h.basic != "" {
						hdr.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(byDN.ID+":"+h.basic)))
					}
					status, body := postWith(t, in.HTTPClient(t, h.certs...), in.URL+"/oauth2/token", ccForm(byDN.ID), hdr)
					desc, _ := body["error_description"].(string)
					if status != 401 || body["error"] != "invalid_client" || !strings.Contains(desc, h.wantIn) {
						t.Fatalf("got %d %v, want 401 invalid_client mentioning %q", status, body, h.wantIn)
					}
					status, body = postWith(t, in.HTTPClient(t, h.certs...), in.URL+"/oauth2/introspect", url.Values{"client_id": {byDN.ID}, "token": {"x"}}, hdr)
					if status != 401 || body["error"] != "invalid_client" {
						t.Fatalf("introspection: got %d %v", status, body)
					}
				})
			}
		})
	}
}

// TestSelfSignedTLSClientAuth: a self_signed_tls_client_auth client
// (RFC 8705 §2.2) authenticates with a self-signed certificate whose key
// is in its registered JWK Set (inline, the certificate in x5c); another
// self-signed certificate, one of the server's CA with another key, and
// an expired one with the registered key are refused. The EPC dialect's
// token endpoint, which reads the standard form, authenticates it alike.
func TestSelfSignedTLSClientAuth(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := mtlsServer(t, "sqlite", ca, func(c *config.Config) { c.Dialects = []string{"epc"} })
	own := testpki.SelfSigned(t, testpki.Spec{Subject: pkix.Name{CommonName: "self-signed partner"}})
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &own.Key.PublicKey, KeyID: "tls-1", Use: "sig"}}})
	c := in.CreateClient(t, registry.ClientSpec{Name: "self-signed", AuthMethod: tokenmint.AuthMethodSelfSignedTLSClientAuth, JWKS: jwks, Scopes: []string{"api"}})

	for _, path := range []string{"/oauth2/token", "/oauth2/v1/token"} { // the standard endpoint, EPC's (epc.PathToken)
		status, body := postWith(t, in.HTTPClient(t, own.TLS), in.URL+path, ccForm(c.ID), nil)
		if (status != 200 && status != 201) || body["access_token"] == nil { // EPC answers 201
			t.Fatalf("self-signed at %s: %d %v", path, status, body)
		}
		if status, body := postWith(t, in.HTTPClient(t), in.URL+path, ccForm(c.ID), nil); status != 401 {
			t.Fatalf("no certificate at %s: %d %v", path, status, body)
		}
	}
	expiredAt := in.Clock.Now().Add(-time.Minute)
	expiredLeaf := testpki.SelfSigned(t, testpki.Spec{Subject: pkix.Name{CommonName: "self-signed partner"}, NotBefore: expiredAt.Add(-time.Hour), NotAfter: expiredAt})
	for name, cert := range map[string]tls.Certificate{
		"another self-signed key": testpki.SelfSigned(t, testpki.Spec{Subject: pkix.Name{CommonName: "self-signed partner"}}).TLS,
		"the CA's, another key":   ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "self-signed partner"}}).TLS,
		"expired, another key":    expiredLeaf.TLS,
		"expired, the same key":   reissueSelfSigned(t, own, expiredAt),
	} {
		status, body := postWith(t, in.HTTPClient(t, cert), in.URL+"/oauth2/token", ccForm(c.ID), nil)
		if status != 401 || body["error"] != "invalid_client" {
			t.Errorf("%s: got %d %v, want 401 invalid_client", name, status, body)
		}
	}
}

// reissueSelfSigned makes a self-signed certificate of l's key that
// expired at notAfter.
func reissueSelfSigned(t *testing.T, l *testpki.Leaf, notAfter time.Time) tls.Certificate {
	t.Helper()
	return testpki.SelfSignedWithKey(t, testpki.Spec{Subject: l.Cert.Subject, NotBefore: notAfter.Add(-time.Hour), NotAfter: notAfter}, l.Key).TLS
}

// TestCertificateBoundTokens (RFC 8705 §3, §4): a client registered with
// tls_client_certificate_bound_access_tokens gets access tokens whose
// cnf is its certificate's x5t#S256, JWT and opaque, which introspection
// returns; UserInfo answers the bound token only on a connection with
// that certificate; a public client's refresh tokens are bound to it too;
// such a client without a certificate is refused.
func TestCertificateBoundTokens(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ca := testpki.NewCA(t, "tokenmint test CA")
			in := mtlsServer(t, backend, ca)
			in.CreateUser(t, "ada", "correct horse battery")
			cert := ca.Issue(t, testpki.Spec{Subject: partnerName})
			thumb := grant.CertThumbprint(cert.Cert.Raw)
			withCert, another, none := in.HTTPClient(t, cert.TLS), in.HTTPClient(t, ca.Issue(t, testpki.Spec{Subject: partnerName}).TLS), in.HTTPClient(t)
			grants := []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken, tokenmint.GrantClientCredentials}

			for _, format := range []string{tokenmint.FormatJWT, tokenmint.FormatOpaque} {
				c := in.CreateClient(t, registry.ClientSpec{Name: "bound " + format, AuthMethod: tokenmint.AuthMethodTLSClientAuth,
					TLSClientAuthSubjectDN: partnerDNRegistered, TLSClientCertificateBoundAccessTokens: true, TokenFormat: format,
					GrantTypes: grants, Scopes: []string{"api", "openid", "profile"}})
				status, body := postWith(t, withCert, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {c.ID},
					"username": {"ada"}, "password": {"correct horse battery"}, "scope": {"openid profile"}}, nil)
				if status != 200 || body["token_type"] != "Bearer" {
					t.Fatalf("%s: password grant %d %v", format, status, body)
				}
				at, _ := body["access_token"].(string)
				if format == tokenmint.FormatJWT {
					if got := cnfOf(jwtClaims(t, at)); got != thumb {
						t.Fatalf("JWT cnf x5t#S256 %q, want %q", got, thumb)
					}
				}
				status, body = postWith(t, withCert, in.URL+"/oauth2/introspect", url.Values{"client_id": {c.ID}, "token": {at}}, nil)
				if status != 200 || cnfOf(body) != thumb {
					t.Fatalf("%s: introspection %d %v, want cnf x5t#S256 %s", format, status, body, thumb)
				}
				for name, client := range map[string]*http.Client{"no certificate": none, "another certificate": another} {
					status, body := userinfo(t, client, in.URL, at)
					if status != 401 || body["error"] != "invalid_token" {
						t.Errorf("%s: UserInfo %s: %d %v, want 401 invalid_token", format, name, status, body)
					}
				}
				if status, body := userinfo(t, withCert, in.URL, at); status != 200 || body["sub"] == nil {
					t.Fatalf("%s: UserInfo with the certificate: %d %v", format, status, body)
				}
				if status, body := postWith(t, none, in.URL+"/oauth2/token", ccForm(c.ID), nil); status != 401 {
					t.Errorf("%s: without a certificate: %d %v", format, status, body)
				}
			}

			// A public client (RFC 8705 §4): the certificate is not
			// authentication, but binds the access and refresh tokens.
			pub := in.CreateClient(t, registry.ClientSpec{Name: "public bound", Public: true, TLSClientCertificateBoundAccessTokens: true,
				GrantTypes: []string{tokenmint.GrantPassword, tokenmint.GrantRefreshToken}, Scopes: []string{"api"}})
			status, body := postWith(t, none, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {pub.ID},
				"username": {"ada"}, "password": {"correct horse battery"}}, nil)
			if status != 400 || body["error"] != "invalid_request" {
				t.Fatalf("public client without a certificate: %d %v", status, body)
			}
			status, body = postWith(t, withCert, in.URL+"/oauth2/token", url.Values{"grant_type": {"password"}, "client_id": {pub.ID},
				"username": {"ada"}, "password": {"correct horse battery"}}, nil)
			if status != 200 || cnfOf(jwtClaims(t, body["access_token"].(string))) != thumb {
				t.Fatalf("public client: %d %v", status, body)
			}
			rt := body["refresh_token"].(string)
			refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {pub.ID}, "refresh_token": {rt}}
			if status, body := postWith(t, another, in.URL+"/oauth2/token", refresh, nil); status != 400 || body["error"] != "invalid_grant" {
				t.Fatalf("refresh with another certificate: %d %v", status, body)
			}
			status, body = postWith(t, withCert, in.URL+"/oauth2/token", refresh, nil)
			if status != 200 || cnfOf(jwtClaims(t, body["access_token"].(string))) != thumb {
				t.Fatalf("refresh with the certificate: %d %v", status, body)
			}
		})
	}
}

func userinfo(t *testing.T, c *http.Client, base, at string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/oauth2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestForwardedClientCert: behind a TLS-terminating proxy
// (--tls-client-cert-header), the certificate is read from the header of
// a trusted proxy, in RFC 9440 or nginx's URL-encoded PEM form, and
// binds tokens; the same header from a peer that is not a trusted proxy
// is ignored (401: no certificate); a garbled or oversized header from
// the proxy is a 400. Without --tls-client-ca the proxy's chain
// validation is relied on; with it, the chain is checked again.
func TestForwardedClientCert(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	cert := ca.Issue(t, testpki.Spec{Subject: partnerName})
	sf := ":" + base64.StdEncoding.EncodeToString(cert.Cert.Raw) + ":"
	spec := registry.ClientSpec{Name: "behind proxy", AuthMethod: tokenmint.AuthMethodTLSClientAuth, TLSClientAuthSubjectDN: partnerDNRegistered,
		TLSClientCertificateBoundAccessTokens: true, Scopes: []string{"api"}}
	proxied := func(trusted string, more ...servertest.Option) *servertest.Instance {
		return servertest.Start(t, append([]servertest.Option{func(c *config.Config) {
			c.TLSClientCertHeader, c.TrustedProxies = "Client-Cert", []string{trusted}
		}}, more...)...)
	}
	in := proxied("127.0.0.1")
	c := in.CreateClient(t, spec)
	plain := http.DefaultClient
	for name, v := range map[string]string{"RFC 9440": sf, "nginx escaped PEM": url.PathEscape(string(cert.CertPEM))} {
		status, body := postWith(t, plain, in.URL+"/oauth2/token", ccForm(c.ID), http.Header{"Client-Cert": {v}})
		if status != 200 || cnfOf(jwtClaims(t, body["access_token"].(string))) != grant.CertThumbprint(cert.Cert.Raw) {
			t.Fatalf("%s: %d %v", name, status, body)
		}
	}
	for name, tt := range map[string]struct {
		v      string
		status int
		code   string
	}{
		"garbled":   {":bm90IGEgY2VydA==:", 400, "invalid_request"},
		"oversized": {":" + strings.Repeat("A", 20<<10) + ":", 400, "invalid_request"},
		"absent":    {"", 401, "invalid_client"},
	} {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Client-Cert", tt.v)
		}
		if status, body := postWith(t, plain, in.URL+"/oauth2/token", ccForm(c.ID), h); status != tt.status || body["error"] != tt.code {
			t.Errorf("%s: %d %v, want %d %s", name, status, body, tt.status, tt.code)
		}
	}

	untrusted := proxied("10.0.0.0/8")
	c2 := untrusted.CreateClient(t, spec)
	if status, body := postWith(t, plain, untrusted.URL+"/oauth2/token", ccForm(c2.ID), http.Header{"Client-Cert": {sf}}); status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("header from an untrusted peer: %d %v", status, body)
	}

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	testpki.WriteFile(t, caFile, ca.PEM)
	checked := proxied("127.0.0.1", func(c *config.Config) { c.TLSClientCA = caFile })
	c3 := checked.CreateClient(t, spec)
	if status, body := postWith(t, plain, checked.URL+"/oauth2/token", ccForm(c3.ID), http.Header{"Client-Cert": {sf}}); status != 200 {
		t.Fatalf("with --tls-client-ca: %d %v", status, body)
	}
	foreign := testpki.NewCA(t, "another CA").Issue(t, testpki.Spec{Subject: partnerName})
	if status, body := postWith(t, plain, checked.URL+"/oauth2/token", ccForm(c3.ID),
		http.Header{"Client-Cert": {":" + base64.StdEncoding.EncodeToString(foreign.Cert.Raw) + ":"}}); status != 401 {
		t.Fatalf("another CA's certificate through the proxy with --tls-client-ca: %d %v", status, body)
	}
}

// TestRegisterTLSClientAuth: a partner registers itself (RFC 7591) as a
// tls_client_auth client with its certificate's subject DN and
// certificate-bound tokens, where the operator's policy allows the
// method, then gets a bound token with that certificate.
func TestRegisterTLSClientAuth(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := mtlsServer(t, "sqlite", ca, func(c *config.Config) {
		c.Registration = config.RegistrationOpen
		c.RegistrationGrantTypes = []string{tokenmint.GrantClientCredentials}
		c.RegistrationScopes = []string{"api"}
		c.RegistrationAuthMethods = []string{tokenmint.AuthMethodTLSClientAuth}
	})
	cert := ca.Issue(t, testpki.Spec{Subject: partnerName})
	client := in.HTTPClient(t, cert.TLS)
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/oauth2/register", strings.NewReader(`{"client_name":"self-registered partner",`+
		`"grant_types":["client_credentials"],"scope":"api","token_endpoint_auth_method":"tls_client_auth",`+
		`"tls_client_auth_subject_dn":"`+partnerDNRegistered+`","tls_client_certificate_bound_access_tokens":true}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reg map[string]any
	json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || reg["client_secret"] != nil || reg["token_endpoint_auth_method"] != "tls_client_auth" {
		t.Fatalf("registration: %d %v", resp.StatusCode, reg)
	}
	id, _ := reg["client_id"].(string)
	status, body := postWith(t, client, in.URL+"/oauth2/token", ccForm(id), nil)
	if status != 200 || cnfOf(jwtClaims(t, body["access_token"].(string))) != grant.CertThumbprint(cert.Cert.Raw) {
		t.Fatalf("token: %d %v", status, body)
	}
}

// TestPARTLSClientAuth: the pushed authorization request endpoint (RFC
// 9126 §2.1) authenticates a tls_client_auth client by its certificate,
// and refuses it without one.
func TestPARTLSClientAuth(t *testing.T) {
	ca := testpki.NewCA(t, "tokenmint test CA")
	in := mtlsServer(t, "sqlite", ca)
	c := in.CreateClient(t, registry.ClientSpec{Name: "par partner", AuthMethod: tokenmint.AuthMethodTLSClientAuth,
		TLSClientAuthSubjectDN: partnerDNRegistered, Scopes: []string{"openid"}, RedirectURIs: []string{"https://app.example/cb"},
		GrantTypes: []string{tokenmint.GrantAuthorizationCode}})
	form := url.Values{"client_id": {c.ID}, "response_type": {"code"}, "redirect_uri": {"https://app.example/cb"}, "scope": {"openid"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}, "state": {"s"}}
	status, body := postWith(t, in.HTTPClient(t, ca.Issue(t, testpki.Spec{Subject: partnerName}).TLS), in.URL+"/oauth2/par", form, nil)
	if status != http.StatusCreated || body["request_uri"] == nil {
		t.Fatalf("PAR with the certificate: %d %v", status, body)
	}
	if status, body := postWith(t, in.HTTPClient(t), in.URL+"/oauth2/par", form, nil); status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("PAR without the certificate: %d %v", status, body)
	}
}
