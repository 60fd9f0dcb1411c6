package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Names of RFC 9449.
const (
	// Header is the request header that carries a proof (§4.1).
	Header = "DPoP"
	// NonceHeader carries a server-provided nonce (§8.1, §9).
	NonceHeader = "DPoP-Nonce"
	// Scheme is the authorization scheme of a DPoP-bound access token
	// (§7.1), and the token_type of a token response that binds one
	// (§5).
	Scheme = "DPoP"
	// TypeProof is the "typ" header of a proof (§4.2).
	TypeProof = "dpop+jwt"
	// ParamJKT is the authorization request parameter that binds a code
	// to a key (§10).
	ParamJKT = "dpop_jkt"
)

// Error codes of RFC 9449 §12.2.
const (
	CodeInvalidProof = "invalid_dpop_proof"
	CodeUseNonce     = "use_dpop_nonce"
)

// Defaults of a Verifier.
const (
	// DefaultMaxAge is how old a proof's iat may be: a proof is made for
	// one request, and its jti is remembered for as long.
	DefaultMaxAge = time.Minute
	// DefaultSkew is how far in the future a proof's iat may be (a client
	// whose clock runs ahead).
	DefaultSkew = 30 * time.Second
	// MaxProofBytes bounds the proof parsed: an RS512 proof with a
	// 4096-bit key is under 2 KiB.
	MaxProofBytes = 8 << 10
	// MaxJTIBytes bounds the jti a client chooses (§4.2: at least 96
	// bits of randomness; tokenmint takes up to 256 bytes).
	MaxJTIBytes = 256
	// MaxNonceBytes bounds the nonce echoed back.
	MaxNonceBytes = 256
)

// Algs is every JWS algorithm a proof may be signed with: asymmetric
// only (§4.3 check 5: not "none", no MAC).
var Algs = []string{"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"}

// Error is a refused proof. Code is CodeInvalidProof or CodeUseNonce;
// Description is safe to show the client.
type Error struct {
	Code        string
	Description string
	// Cause is the internal error behind the refusal, if any (a
	// ReplayCache failure); it is never shown to the client.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Description + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Cause }

func invalid(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidProof, Description: fmt.Sprintf(format, args...)}
}

// ErrReplayed is what a ReplayCache returns for an identifier it has
// seen (wrapped or not).
var ErrReplayed = errors.New("dpop: proof jti already used")

// ReplayCache remembers the jtis of accepted proofs. UseOnce records id
// until expiresAt and returns an error wrapping ErrReplayed when id was
// recorded before and has not expired at now; of concurrent calls with
// one id exactly one succeeds. Any other error fails the request (the
// proof is neither accepted nor refused as a replay).
type ReplayCache interface {
	UseOnce(ctx context.Context, id string, now, expiresAt time.Time) error
}

// Verifier checks proofs. The zero value is not usable: Replay is
// required; Nonces is optional (nil: no nonce required).
type Verifier struct {
	// Algs narrows the algorithms accepted (nil: Algs).
	Algs   []string
	MaxAge time.Duration // 0: DefaultMaxAge
	Skew   time.Duration // 0: DefaultSkew
	Replay ReplayCache
	// Nonces, when set, makes a nonce it issued required in every proof
	// (§8, §9): a proof without one, or with a stale one, is refused with
	// use_dpop_nonce and the caller answers with Nonces.Current.
	Nonces *Nonces
	Now    func() time.Time
}

// Request is what a proof is checked against.
type Request struct {
	// Proofs are the values of every DPoP header of the request; exactly
	// one is required (§4.3 check 1).
	Proofs []string
	// Method is the HTTP method of the request.
	Method string
	// URL is the request's target URI as the server is known to its
	// clients (scheme, host, path); its query and fragment are ignored.
	URL string
	// AliasURL, when set, is another URL the same endpoint is served at
	// (its mutual-TLS alias, RFC 8705 §5): a proof may name either. Like
	// URL it must come from the server's configuration, never from the
	// request.
	AliasURL string
	// AccessToken is the token presented with the proof at a resource
	// (§7.1): the proof's "ath" must be its hash. Empty at a token
	// endpoint, where "ath" is not checked.
	AccessToken string
}

// Proof is a verified proof.
type Proof struct {
	// JKT is the base64url SHA-256 JWK thumbprint (RFC 7638) of the
	// proof's key: the cnf "jkt" of the tokens it binds (§6.1).
	JKT      string
	Alg      string
	ID       string // jti
	IssuedAt time.Time
	Nonce    string
	Key      *jose.JSONWebKey
}

// claims is the payload of a proof (§4.2).
type claims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   string          `json:"ath"`
	Nonce string          `json:"nonce"`
}

// Verify checks the proof of req (RFC 9449 §4.3, and §7.1 when
// req.AccessToken is set) and returns it. Every refusal is an *Error; a
// ReplayCache failure is an *Error of code invalid_dpop_proof whose
// Cause is the failure (callers may prefer to answer it as a server
// error: errors.Is(err, ErrReplayed) tells a replay apart).
func (v *Verifier) Verify(ctx context.Context, req Request) (*Proof, error) {
	p, err := v.Check(req)
	if err != nil {
		return nil, err
	}
	if err := v.Spend(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Check is Verify without spending the proof's jti: it writes nothing,
// so a caller can verify what costs no write (the proof, then the access
// token it comes with and that the token is bound to the proof's key)
// before Spend records the jti (§11.1). A proof is accepted only once
// Spend succeeds.
func (v *Verifier) Check(req Request) (*Proof, error) {
	if len(req.Proofs) != 1 {
		return nil, invalid("a request carries exactly one DPoP header")
	}
	p, c, err := v.parse(req.Proofs[0])
	if err != nil {
		return nil, err
	}
	now := v.now()
	if err := v.checkClaims(p, c, req, now); err != nil {
		return nil, err
	}
	if err := v.checkNonce(c.Nonce, now); err != nil {
		return nil, err
	}
	return p, nil
}

// Spend records the jti of a proof Check accepted, refusing one already
// spent (§11.1), with the errors Verify returns.
func (v *Verifier) Spend(ctx context.Context, p *Proof) error {
	return v.spend(ctx, p, v.now())
}

// parse verifies the JWS of a proof with the key of its jwk header and
// decodes its claims (§4.3 checks 2 to 7).
func (v *Verifier) parse(raw string) (*Proof, *claims, error) {
	if raw == "" {
		return nil, nil, invalid("the DPoP header is empty")
	}
	if len(raw) > MaxProofBytes {
		return nil, nil, invalid("the DPoP proof is too large")
	}
	jws, err := jose.ParseSignedCompact(raw, v.joseAlgs())
	if err != nil {
		return nil, nil, invalid("the DPoP proof is not a JWS signed with an accepted algorithm")
	}
	if len(jws.Signatures) != 1 {
		return nil, nil, invalid("the DPoP proof must have one signature")
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, TypeProof) {
		return nil, nil, invalid("the DPoP proof's typ must be %s", TypeProof)
	}
	jwk, err := publicKey(h.JSONWebKey)
	if err != nil {
		return nil, nil, err
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		return nil, nil, invalid("the DPoP proof's signature does not verify with its jwk")
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, nil, invalid("the DPoP proof's claims are not a JSON object")
	}
	jkt, err := Thumbprint(jwk)
	if err != nil {
		return nil, nil, invalid("the DPoP proof's jwk has no thumbprint")
	}
	return &Proof{JKT: jkt, Alg: h.Algorithm, ID: c.JTI, Nonce: c.Nonce, Key: jwk}, &c, nil
}

// publicKey accepts the jwk header of a proof: present, and an
// asymmetric public key (go-jose already refuses private members in a
// jwk header; this also refuses symmetric keys and anything else).
func publicKey(k *jose.JSONWebKey) (*jose.JSONWebKey, error) {
	if k == nil {
		return nil, invalid("the DPoP proof has no jwk header")
	}
	switch k.Key.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
	default:
		return nil, invalid("the DPoP proof's jwk must be an asymmetric public key")
	}
	if !k.Valid() {
		return nil, invalid("the DPoP proof's jwk is not a valid key")
	}
	return k, nil
}

// checkClaims checks jti, htm, htu, iat and ath (§4.3 checks 8 to 12).
func (v *Verifier) checkClaims(p *Proof, c *claims, req Request, now time.Time) error {
	switch {
	case c.JTI == "":
		return invalid("the DPoP proof has no jti")
	case len(c.JTI) > MaxJTIBytes:
		return invalid("the DPoP proof's jti is too long")
	case c.HTM != req.Method:
		return invalid("the DPoP proof's htm is not this request's method")
	case !SameURL(c.HTU, req.URL) && (req.AliasURL == "" || !SameURL(c.HTU, req.AliasURL)):
		return invalid("the DPoP proof's htu is not this request's URL")
	}
	iat, ok := numericDate(c.IAT)
	if !ok {
		return invalid("the DPoP proof has no valid iat")
	}
	if iat.Before(now.Add(-v.maxAge())) || iat.After(now.Add(v.skew())) {
		return invalid("the DPoP proof's iat is too far from the server's time")
	}
	p.IssuedAt = iat
	return checkATH(c.ATH, req.AccessToken)
}

// checkATH: with an access token, ath must be its hash (§4.3 check 12,
// §7.1); without one (a token request) it is not checked.
func checkATH(ath, accessToken string) error {
	if accessToken == "" {
		return nil
	}
	want := AccessTokenHash(accessToken)
	if subtle.ConstantTimeCompare([]byte(ath), []byte(want)) != 1 {
		return invalid("the DPoP proof's ath is not the hash of the access token")
	}
	return nil
}

// checkNonce requires a nonce the server issued, when it issues them.
func (v *Verifier) checkNonce(nonce string, now time.Time) error {
	if v.Nonces == nil {
		return nil
	}
	if nonce == "" {
		return &Error{Code: CodeUseNonce, Description: "the authorization server requires a nonce in DPoP proofs"}
	}
	if len(nonce) > MaxNonceBytes || !v.Nonces.Valid(nonce, now) {
		return &Error{Code: CodeUseNonce, Description: "the DPoP proof's nonce is stale or unknown; use the one in DPoP-Nonce"}
	}
	return nil
}

// spend records the jti, per key, until the proof would be too old to
// accept anyway (§11.1).
func (v *Verifier) spend(ctx context.Context, p *Proof, now time.Time) error {
	if v.Replay == nil {
		return &Error{Code: CodeInvalidProof, Description: "the DPoP proof cannot be checked for replay", Cause: errors.New("dpop: Verifier.Replay is nil")}
	}
	expires := p.IssuedAt.Add(v.maxAge())
	if min := now.Add(time.Second); expires.Before(min) {
		expires = min
	}
	err := v.Replay.UseOnce(ctx, replayID(p.JKT, p.ID), now, expires)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrReplayed):
		return &Error{Code: CodeInvalidProof, Description: "the DPoP proof was already used", Cause: err}
	default:
		return &Error{Code: CodeInvalidProof, Description: "the DPoP proof could not be checked for replay", Cause: err}
	}
}

// replayID is the identifier a proof is remembered by: a hash of its key
// and its jti, of bounded length whatever the client chose.
func replayID(jkt, jti string) string {
	h := sha256.New()
	h.Write([]byte(jkt))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of k, base64url-encoded:
// the "jkt" of RFC 9449 §6.1.
func Thumbprint(k *jose.JSONWebKey) (string, error) {
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("jwk thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// AccessTokenHash is the "ath" of a proof presented with accessToken
// (§4.2): the base64url SHA-256 of its ASCII bytes.
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// numericDate reads a NumericDate (RFC 7519 §2): an integer or a
// fraction of seconds.
func numericDate(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || len(raw) > 32 {
		return time.Time{}, false
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

func (v *Verifier) joseAlgs() []jose.SignatureAlgorithm {
	algs := v.Algs
	if algs == nil {
		algs = Algs
	}
	out := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		if isAsymmetric(a) {
			out = append(out, jose.SignatureAlgorithm(a))
		}
	}
	return out
}

func isAsymmetric(alg string) bool {
	for _, a := range Algs {
		if a == alg {
			return true
		}
	}
	return false
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxAge() time.Duration {
	if v.MaxAge > 0 {
		return v.MaxAge
	}
	return DefaultMaxAge
}

func (v *Verifier) skew() time.Duration {
	if v.Skew > 0 {
		return v.Skew
	}
	return DefaultSkew
}
