package storetest

import (
	"time"

	"github.com/tokenmint/tokenmint"
)

// Fixture builders return records with every field set to a distinct,
// non-zero value, so a round-trip that drops or swaps a column fails.

func fullClient(id string) tokenmint.Client {
	return tokenmint.Client{
		ID:             id,
		Name:           "Client " + id,
		SecretHash:     []byte{0x00, 0x01, 0xfe, 0xff, 's'},
		APIKeyHash:     []byte{0x10, 0x00, 0x20, 'k'},
		GrantTypes:     []string{tokenmint.GrantAuthorizationCode, tokenmint.GrantRefreshToken, tokenmint.GrantClientCredentials},
		Scopes:         []string{"openid", "profile", "api:read", "api:write"},
		DefaultScopes:  []string{"api:read"},
		RedirectURIs:   []string{"https://app.example/cb", "http://127.0.0.1:8080/cb?x=1&y=é"},
		Audience:       []string{"https://api.example", "urn:other"},
		TokenFormat:    tokenmint.FormatOpaque,
		SigningAlg:     tokenmint.AlgEdDSA,
		AccessTTL:      90 * time.Minute,
		IdleTTL:        15*time.Minute + 250*time.Millisecond,
		RefreshTTL:     7*24*time.Hour + time.Nanosecond,
		Claims:         map[string]string{"tenant": "acme", "tier": "gold \"quoted\" ünïcode"},
		AllowPlainPKCE: true,
		RequireConsent: true,
		// Not a valid combination (Client.Validate wants AllowNoPKCE on a
		// public client), but the store keeps what it is given.
		Profile:         "eptura",
		AllowNoPKCE:     true,
		IntersectScopes: true,
		CreatedAt:       at(-48 * time.Hour),
		UpdatedAt:       at(-time.Hour),
		// The admin plane's: a secret in its grace period, a registered
		// auth method, a revocation of every token.
		PreviousSecretHash:      []byte{0x7f, 0x00, 'p'},
		PreviousSecretExpiresAt: at(23 * time.Hour),
		AuthMethod:              tokenmint.AuthMethodSecretPost,
		TokensRevokedAt:         at(-30 * time.Minute),
		// Assertion authentication's (issue 16); again not a valid
		// combination, kept as given.
		JWKS:              []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"é"}]}`),
		JWKSURI:           "https://client.example/jwks?tenant=1&x=é",
		AuthSigningAlg:    "PS384",
		SecretEnc:         []byte{0x00, 0xff, 'e', 0x01},
		PreviousSecretEnc: []byte{'p', 0x00, 0x80},
		// Resource indicators (RFC 8707), one with a query, and the alg
		// of its JWT introspection responses (RFC 9701).
		Resources:        []string{"https://api.example/v1", "urn:example:ledger", "https://b.example/?tenant=1&x=é"},
		IntrospectionAlg: tokenmint.AlgES256,
		// The per-client settings of issues 16 and 18: mutual TLS (RFC
		// 8705), DPoP (RFC 9449), OpenID Connect registration, PAR and
		// JAR. All five certificate names set: not valid, kept as given.
		TLSClientAuthSubjectDN:                "CN=client é,O=Example\\, Inc.,C=FR",
		TLSClientAuthSANDNS:                   "client.example",
		TLSClientAuthSANURI:                   "spiffe://example.org/ns/a/sa/b",
		TLSClientAuthSANIP:                    "2001:db8::1",
		TLSClientAuthSANEmail:                 "client@example.org",
		TLSClientCertificateBoundAccessTokens: true,
		DPoPBoundAccessTokens:                 true,
		SubjectType:                           tokenmint.SubjectPairwise,
		SectorIdentifierURI:                   "https://client.example/sector.json?v=é",
		BackchannelLogoutURI:                  "https://client.example/logout?x=1",
		BackchannelLogoutSessionRequired:      true,
		RequirePushedAuthorizationRequests:    true,
		RequireSignedRequestObject:            true,
		// The self-service owner (issue 17), a user ID.
		Owner: "user-é-1",
	}
}

// minimalClient is a public client with only the required fields set.
func minimalClient(id string) tokenmint.Client {
	return tokenmint.Client{
		ID:          id,
		Name:        "minimal " + id,
		Public:      true,
		GrantTypes:  []string{tokenmint.GrantAuthorizationCode},
		TokenFormat: tokenmint.FormatJWT,
	}
}

func fullUser(id, username string) tokenmint.User {
	return tokenmint.User{
		ID:           id,
		Username:     username,
		Email:        username + "@example.org",
		Name:         "User " + username,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
		CreatedAt:    at(-72 * time.Hour),
		UpdatedAt:    at(-2 * time.Hour),
		DisabledAt:   at(-3 * time.Hour),
		Roles:        []string{tokenmint.RoleAdmin, "auditor"},
	}
}

func opaqueToken(id, clientID, familyID string, expires time.Time) tokenmint.AccessToken {
	return tokenmint.AccessToken{
		ID:         id,
		Format:     tokenmint.FormatOpaque,
		ClientID:   clientID,
		Subject:    "user-" + clientID,
		Scopes:     []string{"api:read", "api:write"},
		Audience:   []string{"https://api.example"},
		FamilyID:   familyID,
		IssuedAt:   expires.Add(-time.Hour),
		ExpiresAt:  expires,
		IdleTTL:    0,
		LastUsedAt: expires.Add(-time.Hour),
		// Bound to a DPoP key and a certificate both, which no issuer
		// does; the store keeps what it is given.
		Confirmation: tokenmint.Confirmation{JKT: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", X5TS256: "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
	}
}

func jwtToken(id, clientID, familyID string, expires time.Time) tokenmint.AccessToken {
	a := opaqueToken(id, clientID, familyID, expires)
	a.Format = tokenmint.FormatJWT
	a.LastUsedAt = time.Time{}
	return a
}

func family(id, clientID, subject string, expires time.Time) tokenmint.Family {
	return tokenmint.Family{
		ID:           id,
		ClientID:     clientID,
		Subject:      subject,
		Scopes:       []string{"openid", "api:read"},
		AuthTime:     expires.Add(-31 * 24 * time.Hour),
		CreatedAt:    expires.Add(-30 * 24 * time.Hour),
		ExpiresAt:    expires,
		SessionID:    "session-of-" + id,
		Resources:    []string{"https://api.example/v1", "urn:example:ledger"},
		Confirmation: tokenmint.Confirmation{JKT: "jkt-of-" + id, X5TS256: "x5t-of-" + id},
		ACR:          "urn:example:acr:mfa",
		AMR:          []string{"pwd", "otp"},
	}
}

func refreshToken(id string, f tokenmint.Family) tokenmint.RefreshToken {
	return tokenmint.RefreshToken{
		ID:        id,
		FamilyID:  f.ID,
		ClientID:  f.ClientID,
		Subject:   f.Subject,
		Scopes:    []string{"api:read"},
		IssuedAt:  f.CreatedAt.Add(time.Minute),
		ExpiresAt: f.ExpiresAt,
	}
}

func authCode(id, clientID, familyID string, expires time.Time) tokenmint.AuthCode {
	return tokenmint.AuthCode{
		ID:                  id,
		FamilyID:            familyID,
		ClientID:            clientID,
		RedirectURI:         "https://app.example/cb?state=ignored",
		Subject:             "user-1",
		Scopes:              []string{"openid", "profile"},
		Nonce:               "n-0S6_WzA2Mj",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		AuthTime:            expires.Add(-5 * time.Minute),
		IssuedAt:            expires.Add(-time.Minute),
		ExpiresAt:           expires,
		SessionID:           "session-of-" + id,
		Resources:           []string{"https://api.example/v1"},
		DPoPJKT:             "dpop-jkt-of-" + id,
		ACR:                 "1",
		AMR:                 []string{"pwd"},
	}
}

func signingKey(id, alg string, created time.Time) tokenmint.SigningKey {
	return tokenmint.SigningKey{
		ID:         id,
		Alg:        alg,
		PublicJWK:  []byte(`{"kty":"OKP","crv":"Ed25519","x":"` + id + `"}`),
		PrivateEnc: []byte{0x00, 0xff, 0x7f, 0x80, byte(len(id))},
		CreatedAt:  created,
	}
}

func loginSession(id, userID string, expires time.Time) tokenmint.LoginSession {
	return tokenmint.LoginSession{
		ID:        id,
		UserID:    userID,
		AuthTime:  expires.Add(-8 * time.Hour),
		ExpiresAt: expires,
		ACR:       "urn:example:acr:é",
		AMR:       []string{"pwd", "hwk"},
	}
}
