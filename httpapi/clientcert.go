package httpapi

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// MaxForwardedCertBytes bounds the header a proxy forwards a client
// certificate in: a certificate with a 4096-bit RSA key and a few
// extensions is about 2 KiB of DER, 6 KiB URL-encoded PEM.
const MaxForwardedCertBytes = 16 << 10

// forwardedKey is the context key of the certificate a trusted proxy
// forwarded (ForwardedCerts).
type forwardedKey struct{}

type forwarded struct {
	cert *grant.ClientCertificate // nil: the proxy forwarded none
	err  error
}

// ForwardedCerts reads the client certificate that a TLS-terminating
// proxy forwards in header (RFC 8705 §6.5; the header's forms are those
// of ParseForwardedCert), when the request's peer is one of trusted, and
// only then: the header of any other peer is ignored, as anyone can send
// it. A request from a trusted proxy without the header has no client
// certificate, whatever the proxy's own connection presented.
func ForwardedCerts(header string, trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := peerAddr(r.RemoteAddr)
		if !peer.IsValid() || !isTrusted(peer, trusted) {
			next.ServeHTTP(w, r)
			return
		}
		var f forwarded
		switch vs := r.Header.Values(header); len(vs) {
		case 0:
		case 1:
			var leaf *x509.Certificate
			if leaf, f.err = ParseForwardedCert(vs[0]); f.err == nil {
				f.cert = &grant.ClientCertificate{Leaf: leaf, Forwarded: true}
			}
		default:
			f.err = errors.New("the client certificate header is repeated")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), forwardedKey{}, f)))
	})
}

// ClientCertificate returns the certificate the client presented: the
// one a trusted proxy forwarded (ForwardedCerts), else the one of the
// request's own TLS connection; nil without one. A forwarded header that
// does not parse is a 400 invalid_request.
func ClientCertificate(r *http.Request) (*grant.ClientCertificate, error) {
	if f, ok := r.Context().Value(forwardedKey{}).(forwarded); ok {
		if f.err != nil {
			return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "the client certificate forwarded by the proxy is malformed", Cause: f.err}
		}
		return f.cert, nil
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, nil
	}
	pc := r.TLS.PeerCertificates
	return &grant.ClientCertificate{Leaf: pc[0], Intermediates: pc[1:]}, nil
}

// ParseForwardedCert decodes a client certificate as TLS-terminating
// proxies forward it, whichever of these forms the value has:
//
//   - RFC 9440 §2.2 Client-Cert: the DER as a Structured Field byte
//     sequence, ":" base64 ":" (Envoy, HAProxy, Caddy);
//   - URL-encoded PEM: nginx's $ssl_client_escaped_cert, AWS ALB's
//     X-Amzn-Mtls-Clientcert; PEM not encoded is accepted too;
//   - Envoy's X-Forwarded-Client-Cert: the Cert= member (URL-encoded
//     PEM) of the last element, the one the nearest proxy added.
//
// The value holds one certificate; at most MaxForwardedCertBytes are read.
func ParseForwardedCert(v string) (*x509.Certificate, error) {
	if len(v) > MaxForwardedCertBytes {
		return nil, errors.New("the client certificate header is too large")
	}
	v = strings.TrimSpace(v)
	var der []byte
	var err error
	switch {
	case v == "":
		return nil, errors.New("the client certificate header is empty")
	case v[0] == ':':
		der, err = sfBinary(v)
	case strings.HasPrefix(v, "-----") || strings.HasPrefix(v, "%2D") || strings.HasPrefix(v, "%2d"):
		der, err = escapedPEM(v)
	default:
		der, err = xfccCert(v)
	}
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errors.New("the forwarded client certificate is not an X.509 certificate")
	}
	return cert, nil
}

// sfBinary decodes an RFC 8941 §3.3.5 byte sequence, ":" base64 ":".
func sfBinary(v string) ([]byte, error) {
	if len(v) < 2 || v[len(v)-1] != ':' {
		return nil, errors.New("the Client-Cert header is not a byte sequence (RFC 9440 §2.2)")
	}
	b64 := v[1 : len(v)-1]
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		// RFC 8941 §3.3.5: parsers may accept base64 without padding.
		der, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil {
		return nil, errors.New("the Client-Cert header is not base64 (RFC 9440 §2.2)")
	}
	return der, nil
}

// escapedPEM decodes one URL-encoded (or plain) PEM certificate. '+' is
// left as it is: it is a base64 character, not an encoded space.
func escapedPEM(v string) ([]byte, error) {
	text, err := url.PathUnescape(v)
	if err != nil {
		return nil, errors.New("the client certificate header is not URL-encoded PEM")
	}
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" || len(block.Headers) > 0 {
		return nil, errors.New("the client certificate header holds no PEM certificate")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("the client certificate header holds more than one PEM certificate")
	}
	return block.Bytes, nil
}

// xfccCert reads the Cert member of the last element of an Envoy
// X-Forwarded-Client-Cert header: elements separated by commas, members
// key=value separated by semicolons, values optionally double-quoted.
func xfccCert(v string) ([]byte, error) {
	elems := splitQuoted(v, ',')
	for _, kv := range splitQuoted(elems[len(elems)-1], ';') {
		key, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "Cert") {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		return escapedPEM(val)
	}
	return nil, errors.New("the client certificate header is neither RFC 9440 Client-Cert, PEM, nor X-Forwarded-Client-Cert with a Cert")
}

// splitQuoted splits s at each sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
