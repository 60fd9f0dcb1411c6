package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// clientAuthFlags defines the flags of a client's token endpoint
// authentication, named after their RFC 7591 metadata:
// --token-endpoint-auth-method, --jwks FILE, --jwks-uri URL and
// --token-endpoint-auth-signing-alg ALG.
func clientAuthFlags(f *flags, spec *registry.ClientSpec) {
	f.define("token-endpoint-auth-method", "how the client authenticates, `METHOD`: client_secret_basic (default) or client_secret_post (a generated secret), "+
		"private_key_jwt (a JWT signed with a key of --jwks or --jwks-uri; no secret), client_secret_jwt (a JWT MACed with a generated secret, kept encrypted), "+
		"tls_client_auth (a certificate named by one --tls-client-auth-* flag; no secret), self_signed_tls_client_auth (a certificate whose key is in --jwks or --jwks-uri; no secret), "+
		"or none (a public client, as --public); the two TLS methods (RFC 8705) can be registered before the server serves them", &value{
		get: func() string { return spec.AuthMethod },
		set: func(s string) error {
			methods := append(slices.Clone(tokenmint.AuthMethods), tokenmint.AuthMethodTLSClientAuth, tokenmint.AuthMethodSelfSignedTLSClientAuth)
			if !slices.Contains(methods, s) {
				return fmt.Errorf("invalid value %q (use %s)", s, orList(methods))
			}
			spec.AuthMethod = s
			return nil
		},
	})
	f.define("jwks", "`FILE` holding the client's JWK Set (RFC 7517 §5), public keys only, for private_key_jwt, self_signed_tls_client_auth or signed request objects", &value{
		get: func() string { return "" },
		set: func(path string) error {
			b, err := readJWKSFile(path)
			if err != nil {
				return err
			}
			spec.JWKS = b
			return nil
		},
	})
	f.StringVar(&spec.JWKSURI, "jwks-uri", "", "https `URL` serving the client's JWK Set, as --jwks (not with it)")
	f.choice(&spec.AuthSigningAlg, "token-endpoint-auth-signing-alg", "the one JWS `ALG` the client's assertions may use "+
		"(default: ES256, PS256 or EdDSA for private_key_jwt; HS256, HS384 or HS512 for client_secret_jwt)",
		slices.Concat(tokenmint.AssertionAlgsAsymmetric, tokenmint.AssertionAlgsHMAC)...)
}

// readJWKSFile reads a JWK Set file, bounded; its content is checked
// with the rest of the client.
func readJWKSFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read JWK Set: %w", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, tokenmint.MaxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read JWK Set: %w", err)
	}
	if len(b) > tokenmint.MaxJWKSBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, tokenmint.MaxJWKSBytes)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, b) == nil {
		b = compact.Bytes()
	}
	return b, nil
}

// applyAuthMethod reconciles --public with --token-endpoint-auth-method:
// none makes a public client, and a public client cannot name another
// method.
func applyAuthMethod(spec *registry.ClientSpec) error {
	switch {
	case spec.AuthMethod == tokenmint.AuthMethodNone:
		spec.Public = true
	case spec.Public && spec.AuthMethod != "":
		return usagef("--public goes with --token-endpoint-auth-method none, not %s", spec.AuthMethod)
	}
	return nil
}
