package httpapi_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/internal/testpki"
	"github.com/tokenmint/tokenmint/oauth"
)

// forms returns a certificate in each form proxies forward it in.
func forms(t testing.TB, l *testpki.Leaf) map[string]string {
	t.Helper()
	escaped := url.PathEscape(string(l.CertPEM)) // as nginx's $ssl_client_escaped_cert
	return map[string]string{
		"RFC 9440":                 ":" + base64.StdEncoding.EncodeToString(l.Cert.Raw) + ":",
		"RFC 9440 without padding": ":" + base64.RawStdEncoding.EncodeToString(l.Cert.Raw) + ":",
		"URL-encoded PEM":          escaped,
		"URL-encoded PEM, lower":   strings.ReplaceAll(escaped, "%2D", "%2d"),
		"PEM":                      strings.TrimSpace(strings.ReplaceAll(string(l.CertPEM), "\n", " ")),
		"XFCC":                     `By=spiffe://proxy;Hash=abc;Cert="` + escaped + `";Subject="CN=client,O=Example"`,
		"XFCC, last element":       `Hash=old;Cert="garbage",By=spiffe://proxy;Cert=` + escaped,
	}
}

func TestParseForwardedCert(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	l := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "client"}})
	for name, v := range forms(t, l) {
		t.Run(name, func(t *testing.T) {
			if name == "PEM" {
				v = string(l.CertPEM) // a proxy that does not encode (a header cannot hold newlines, but a test can)
			}
			got, err := httpapi.ParseForwardedCert(v)
			if err != nil {
				t.Fatalf("ParseForwardedCert: %v", err)
			}
			if !bytes.Equal(got.Raw, l.Cert.Raw) {
				t.Fatal("a different certificate")
			}
		})
	}
	other := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "other"}})
	hostile := map[string]string{
		"empty":                              "",
		"spaces":                             "   ",
		"oversized":                          ":" + strings.Repeat("A", httpapi.MaxForwardedCertBytes) + ":",
		"9440 unterminated":                  ":" + base64.StdEncoding.EncodeToString(l.Cert.Raw),
		"9440 not base64":                    ":***:",
		"9440 not a cert":                    ":" + base64.StdEncoding.EncodeToString([]byte("hello")) + ":",
		"9440 truncated":                     ":" + base64.StdEncoding.EncodeToString(l.Cert.Raw[:100]) + ":",
		"PEM bad escape":                     "-----BEGIN%ZZ",
		"PEM of a key":                       url.PathEscape(string(l.KeyPEM)),
		"two PEM certificates":               url.PathEscape(string(l.CertPEM) + string(other.CertPEM)),
		"PEM with trailing junk":             url.PathEscape(string(l.CertPEM) + "junk"),
		"XFCC without Cert":                  `By=spiffe://proxy;Hash=abc`,
		"XFCC Cert in an older element only": `Cert="` + url.PathEscape(string(l.CertPEM)) + `",By=spiffe://proxy`,
		"garbage":                            "not a certificate",
	}
	for name, v := range hostile {
		t.Run(name, func(t *testing.T) {
			if _, err := httpapi.ParseForwardedCert(v); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// FuzzParseForwardedCert: the decoder of the forwarded certificate
// header never panics, and what it accepts is a certificate whose
// RFC 9440 form it accepts again.
func FuzzParseForwardedCert(f *testing.F) {
	ca := testpki.NewCA(f, "ca")
	l := ca.Issue(f, testpki.Spec{Subject: pkix.Name{CommonName: "client"}})
	for _, v := range forms(f, l) {
		f.Add(v)
	}
	f.Add(`Cert="\"`)
	f.Add(":")
	f.Add("%2D%2D%2D%2D%2DBEGIN")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := httpapi.ParseForwardedCert(v)
		if err != nil {
			return
		}
		again, err := httpapi.ParseForwardedCert(":" + base64.StdEncoding.EncodeToString(c.Raw) + ":")
		if err != nil || !bytes.Equal(again.Raw, c.Raw) {
			t.Fatalf("accepted %q but not its RFC 9440 form: %v", v, err)
		}
	})
}

// TestForwardedCerts: the header is read from a trusted proxy only; from
// anyone else it is ignored, and the connection's own certificate (none
// here) counts. A repeated or garbled header from a trusted proxy is a
// 400 invalid_request for whoever reads the certificate.
func TestForwardedCerts(t *testing.T) {
	ca := testpki.NewCA(t, "ca")
	l := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "client"}})
	sf := ":" + base64.StdEncoding.EncodeToString(l.Cert.Raw) + ":"
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		peer    string
		values  []string
		tls     bool // the connection itself presented a certificate
		want    bool // a certificate is seen
		wantErr bool
	}{
		{name: "trusted proxy", peer: "10.1.2.3:5555", values: []string{sf}, want: true},
		{name: "untrusted peer", peer: "192.0.2.1:5555", values: []string{sf}},
		{name: "untrusted peer, own TLS certificate", peer: "192.0.2.1:5555", values: []string{sf}, tls: true, want: true},
		{name: "trusted proxy, no header", peer: "10.1.2.3:5555", tls: true},
		{name: "trusted proxy, header repeated", peer: "10.1.2.3:5555", values: []string{sf, sf}, wantErr: true},
		{name: "trusted proxy, garbled", peer: "10.1.2.3:5555", values: []string{":garbage:"}, wantErr: true},
		{name: "untrusted peer, garbled", peer: "192.0.2.1:5555", values: []string{":garbage:"}},
		{name: "unix socket peer", peer: "@", values: []string{sf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotCert bool
			var gotErr error
			h := httpapi.ForwardedCerts("Client-Cert", trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := httpapi.ClientCertificate(r)
				gotCert, gotErr = c != nil, err
				if c != nil && c.Forwarded != (len(tt.values) > 0 && tt.name == "trusted proxy") {
					t.Errorf("Forwarded = %v", c.Forwarded)
				}
			}))
			r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.values {
				r.Header.Add("Client-Cert", v)
			}
			if tt.tls {
				other := ca.Issue(t, testpki.Spec{Subject: pkix.Name{CommonName: "direct"}})
				r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{other.Cert}}
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if gotCert != tt.want {
				t.Errorf("certificate seen = %v, want %v", gotCert, tt.want)
			}
			var oe *oauth.Error
			if tt.wantErr != (gotErr != nil) || (gotErr != nil && (!errors.As(gotErr, &oe) || oe.Code != oauth.InvalidRequest)) {
				t.Errorf("error = %v, want one: %v", gotErr, tt.wantErr)
			}
		})
	}
}
