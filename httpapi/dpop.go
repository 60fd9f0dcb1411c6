package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tokenmint/tokenmint/dpop"
	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// DPoPProof reads the DPoP headers of r (RFC 9449 §4.1) for the engine:
// every value, so that more than one is refused (§4.3 check 1), with the
// method and the URL the proof must name: this server's issuer and path,
// never what the Host header says.
func (a *API) DPoPProof(r *http.Request, path string) grant.DPoPProof {
	return grant.DPoPProof{Proofs: r.Header.Values(dpop.Header), Method: r.Method, URL: a.cfg.Engine.Issuer() + path}
}

// SetDPoPNonce hands a client that sent a DPoP proof the current nonce
// (RFC 9449 §8, §9): on a use_dpop_nonce error, and on every other
// answer, so that a client learns a rotated nonce without an error
// (§8.2).
func (a *API) SetDPoPNonce(w http.ResponseWriter, p grant.DPoPProof) {
	if !p.Present() {
		return
	}
	if n := a.cfg.Engine.DPoPNonce(); n != "" {
		w.Header().Set(dpop.NonceHeader, n)
	}
}

// ResourceToken reads the access token of a request to a resource
// tokenmint serves (UserInfo): "Bearer <token>" (RFC 6750 §2.1) or
// "DPoP <token>" with the request's proof (RFC 9449 §7.1).
func (a *API) ResourceToken(r *http.Request, path string) (grant.Presentation, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return grant.Presentation{}, &oauth.Error{Code: oauth.InvalidToken, Description: MissingBearerDescription, Status: http.StatusUnauthorized}
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || tok == "" || strings.ContainsAny(tok, " \t") {
		return grant.Presentation{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "Authorization must be: Bearer <token> or DPoP <token>", Status: http.StatusBadRequest}
	}
	cert, err := ClientCertificate(r) // for a certificate-bound token (RFC 8705 §3)
	if err != nil {
		return grant.Presentation{}, err
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return grant.Presentation{Token: tok, Certificate: cert}, nil
	case strings.EqualFold(scheme, dpop.Scheme):
		return grant.Presentation{Token: tok, DPoP: true, Proof: a.DPoPProof(r, path), Certificate: cert}, nil
	}
	return grant.Presentation{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "Authorization must be: Bearer <token> or DPoP <token>", Status: http.StatusBadRequest}
}

// WriteResourceError writes the error of a resource request: with a DPoP
// challenge (RFC 9449 §7.1: error, error_description and algs) when the
// request used the DPoP scheme, or presented a DPoP-bound token as a
// bearer token, or its proof was refused; else as WriteError does, with a
// Bearer challenge.
func (a *API) WriteResourceError(w http.ResponseWriter, r *http.Request, log *slog.Logger, p grant.Presentation, err error) {
	oe := AsOAuthError(r, log, err)
	dpopErr := oe.Code == dpop.CodeInvalidProof || oe.Code == dpop.CodeUseNonce
	if !p.DPoP && !dpopErr && !errors.Is(err, grant.ErrDPoPBoundAsBearer) {
		WriteError(w, r, log, err)
		return
	}
	if oe.Code == oauth.InvalidToken || oe.Code == oauth.InsufficientScope || dpopErr {
		w.Header().Set("WWW-Authenticate", a.dpopChallenge(oe))
	}
	if oe.Code == dpop.CodeUseNonce || p.DPoP {
		a.SetDPoPNonce(w, p.Proof)
	}
	WriteJSON(w, oe.HTTPStatus(), ErrorBody{Error: oe.Code, Description: oe.Description})
}

// dpopChallenge is the DPoP WWW-Authenticate challenge of RFC 9449 §7.1.
// A request that carried no token gets no error attribute (RFC 6750
// §3.1).
func (a *API) dpopChallenge(oe *oauth.Error) string {
	algs := `algs="` + strings.Join(a.cfg.Engine.DPoPAlgs(), " ") + `"`
	if oe.Description == MissingBearerDescription {
		return `DPoP realm="tokenmint", ` + algs
	}
	return `DPoP realm="tokenmint", error="` + oe.Code + `", error_description="` + quoteSafe(oe.Description) + `", ` + algs
}
