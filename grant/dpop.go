package grant

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/oauth"
)

// DPoPProof is the DPoP header of a request (RFC 9449 §4.1), with what
// the proof must name: the request's method and the URL the server is
// known by (the issuer and the endpoint's path, not the Host header).
type DPoPProof struct {
	Proofs []string // every value of the DPoP header; exactly one is accepted
	Method string
	URL    string
}

// Present reports whether the request carried a DPoP header.
func (p DPoPProof) Present() bool { return len(p.Proofs) > 0 }

// newDPoPVerifier builds the engine's proof verifier: jtis are spent in
// the store every instance shares (Store.UseOnce, purpose
// tokenmint.ReplayDPoPProof), nonces are Config.DPoPNonces'.
func newDPoPVerifier(cfg Config, now func() time.Time) *dpop.Verifier {
	return &dpop.Verifier{Replay: storeReplay{cfg.Store}, Nonces: cfg.DPoPNonces, Now: now}
}

// storeReplay is the store as a dpop.ReplayCache.
type storeReplay struct{ s tokenmint.ReplayStore }

func (r storeReplay) UseOnce(ctx context.Context, id string, now, expiresAt time.Time) error {
	err := r.s.UseOnce(ctx, tokenmint.ReplayDPoPProof, id, now, expiresAt)
	if errors.Is(err, tokenmint.ErrAlreadyUsed) {
		return dpop.ErrReplayed
	}
	return err
}

// DPoPNonce is the nonce DPoP proofs must carry now (the edges' DPoP-Nonce
// header, RFC 9449 §8), "" when proofs need none.
func (e *Engine) DPoPNonce() string {
	if e.cfg.DPoPNonces == nil {
		return ""
	}
	return e.cfg.DPoPNonces.Current(e.now())
}

// DPoPAlgs are the algorithms a proof may be signed with
// (dpop_signing_alg_values_supported, RFC 9449 §5.1).
func (e *Engine) DPoPAlgs() []string { return dpop.Algs }

// VerifyDPoP checks the proof of a request (RFC 9449 §4.3); accessToken
// is the token presented with it at a resource (§7.1), "" at the token
// endpoint. A refused proof is an *oauth.Error of code
// invalid_dpop_proof or use_dpop_nonce (status 400: a resource answers
// 401 instead, §7.1); a store failure is returned as is.
func (e *Engine) VerifyDPoP(ctx context.Context, p DPoPProof, accessToken string) (*dpop.Proof, error) {
	proof, err := e.dpop.Verify(ctx, dpop.Request{Proofs: p.Proofs, Method: p.Method, URL: p.URL, AccessToken: accessToken})
	if err == nil {
		return proof, nil
	}
	var de *dpop.Error
	if !errors.As(err, &de) {
		return nil, err
	}
	if de.Cause != nil && !errors.Is(de.Cause, dpop.ErrReplayed) {
		return nil, storeError("spend dpop proof jti", de.Cause)
	}
	if e.cfg.DPoPRefused != nil {
		e.cfg.DPoPRefused(de.Code)
	}
	return nil, &oauth.Error{Code: de.Code, Description: de.Description}
}

// tokenProof verifies the DPoP proof of a token request, if any, and
// returns the thumbprint of its key, the jkt its tokens are bound to
// (RFC 9449 §5). A client registered with dpop_bound_access_tokens must
// send one (§5.2); a dialect's endpoint takes none, so such a client is
// refused there.
func (e *Engine) tokenProof(ctx context.Context, c *tokenmint.Client, req *TokenRequest) (string, error) {
	if req.Dialect != "" && c.DPoPBoundAccessTokens {
		return "", oauth.NewError(oauth.UnauthorizedClient, "this client's access tokens must be DPoP-bound (dpop_bound_access_tokens): use the standard token endpoint with a DPoP proof")
	}
	if !req.DPoP.Present() {
		if c.DPoPBoundAccessTokens {
			return "", oauth.NewError(oauth.InvalidRequest, "this client must send a DPoP proof (dpop_bound_access_tokens, RFC 9449 §5.2)")
		}
		return "", nil
	}
	p, err := e.VerifyDPoP(ctx, req.DPoP, "")
	if err != nil {
		return "", err
	}
	return p.JKT, nil
}

// checkRefreshBinding refuses a refresh of a family bound to a DPoP key
// (a public client's, RFC 9449 §5) without a proof by that key.
func checkRefreshBinding(f *tokenmint.Family, jkt string) error {
	if f.Confirmation.JKT == "" || f.Confirmation.JKT == jkt {
		return nil
	}
	if jkt == "" {
		return invalidGrant("the refresh token is DPoP-bound: send a DPoP proof by its key")
	}
	return invalidGrant("the refresh token is bound to another DPoP key")
}

// checkCodeBinding refuses a code bound to a key by dpop_jkt at the
// authorization endpoint (RFC 9449 §10) without a proof by that key.
func checkCodeBinding(code *tokenmint.AuthCode, jkt string) error {
	if code.DPoPJKT == "" || code.DPoPJKT == jkt {
		return nil
	}
	if jkt == "" {
		return invalidGrant("the authorization code is bound to a DPoP key (dpop_jkt): send a DPoP proof by it")
	}
	return invalidGrant("the DPoP proof's key is not the one dpop_jkt named")
}

// familyConfirmation is the binding of a new family's refresh tokens:
// a public client's are bound to its DPoP key (RFC 9449 §5) and its
// certificate (RFC 8705 §4); a confidential client's are not, as it
// authenticates at every refresh.
func familyConfirmation(c *tokenmint.Client, cnf tokenmint.Confirmation) tokenmint.Confirmation {
	if c.Public {
		return cnf
	}
	return tokenmint.Confirmation{}
}

// Presentation is an access token as a resource served by tokenmint
// itself received it (UserInfo): with the Bearer scheme (RFC 6750), or
// with the DPoP scheme and a proof (RFC 9449 §7.1).
type Presentation struct {
	Token string
	// DPoP is true when the Authorization scheme was DPoP.
	DPoP  bool
	Proof DPoPProof
	// Certificate is the client certificate of the request's connection,
	// if any: a certificate-bound token needs the one it is bound to (RFC
	// 8705 §3).
	Certificate *ClientCertificate
}

// ErrDPoPBoundAsBearer refuses a DPoP-bound token presented as a bearer
// token (RFC 9449 §7.1: it "MUST" come with the DPoP scheme and a proof);
// the edge answers it with a DPoP challenge.
var ErrDPoPBoundAsBearer = &oauth.Error{Code: oauth.InvalidToken, Status: 401,
	Description: "the access token is DPoP-bound: present it with the DPoP scheme and a DPoP proof"}

// ValidatePresentation checks a presented access token: a bearer token
// as ValidateBearer does (which refuses a DPoP-bound one); with the DPoP
// scheme, a proof for this request whose ath is the token's hash and
// whose key is the one the token is bound to (RFC 9449 §7.1). Proof
// errors are 401 here, the status of a resource (§7.1, §9).
//
// A certificate-bound token also needs the certificate it is bound to on
// the request's connection (p.Certificate, RFC 8705 §3), whichever the
// scheme.
func (e *Engine) ValidatePresentation(ctx context.Context, p Presentation) (*Introspection, error) {
	info, err := e.validatePresentation(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := checkCertBinding(info, p.Certificate); err != nil {
		return nil, err
	}
	return info, nil
}

func (e *Engine) validatePresentation(ctx context.Context, p Presentation) (*Introspection, error) {
	if !p.DPoP {
		// A proof beside the Bearer scheme proves nothing: a bound
		// token is refused by validateBearer, a bearer one served.
		return e.validateBearer(ctx, p.Token)
	}
	if p.Token == "" {
		return nil, &oauth.Error{Code: oauth.InvalidToken, Status: 401, Description: "an access token is required"}
	}
	proof, err := e.VerifyDPoP(ctx, p.Proof, p.Token)
	if err != nil {
		if oe, ok := oauth.As(err); ok {
			oe.Status = 401
		}
		return nil, err
	}
	info, err := e.inspectAccess(ctx, p.Token)
	if err != nil {
		return nil, err
	}
	if !info.Active {
		return nil, &oauth.Error{Code: oauth.InvalidToken, Status: 401, Description: "the access token is invalid, expired or revoked"}
	}
	if info.Confirmation.JKT == "" {
		return nil, &oauth.Error{Code: oauth.InvalidToken, Status: 401, Description: "the access token is not DPoP-bound: present it with the Bearer scheme"}
	}
	if info.Confirmation.JKT != proof.JKT {
		return nil, &oauth.Error{Code: oauth.InvalidToken, Status: 401, Description: "the DPoP proof's key is not the one the access token is bound to"}
	}
	return info, nil
}

// checkDPoPJKT validates a dpop_jkt parameter (RFC 9449 §10): a
// base64url SHA-256 JWK thumbprint, 43 characters.
func checkDPoPJKT(jkt string) (string, error) {
	if jkt == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(jkt)
	if err != nil || len(b) != sha256.Size {
		return "", oauth.NewError(oauth.InvalidRequest, "dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 7638)")
	}
	return jkt, nil
}
