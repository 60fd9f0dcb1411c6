package httpapi

import (
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint/grant"
)

// PathDeviceAuthorization is the device authorization endpoint (RFC 8628
// §3.1).
const PathDeviceAuthorization = "/oauth2/device_authorization"

// DeviceAuthorizationBody is the device authorization response (RFC 8628
// §3.2).
type DeviceAuthorizationBody struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// DeviceAuthorization serves the device authorization endpoint (RFC 8628
// §3.1): the form and client authentication of the token endpoint, the
// answer of §3.2 with Cache-Control: no-store, errors as RFC 6749 §5.2
// (§3.2: "as described in Section 5.2 of [RFC6749]").
func (a *API) DeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	form, err := ParseForm(w, r, a.cfg.MaxBodyBytes)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	req, err := DeviceAuthorizationRequestFromForm(r, form)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	req.ClientIP = ClientIP(r, a.cfg.TrustedProxies)
	resp, err := a.cfg.Engine.DeviceAuthorization(r.Context(), req)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, DeviceAuthorizationBody{
		DeviceCode:              resp.DeviceCode,
		UserCode:                resp.UserCode,
		VerificationURI:         resp.VerificationURI,
		VerificationURIComplete: resp.VerificationURIComplete,
		ExpiresIn:               int64(resp.ExpiresIn.Seconds()),
		Interval:                int64(resp.Interval.Seconds()),
	})
}

// DeviceAuthorizationRequestFromForm decodes a device authorization
// request: the client's credentials, scope and resource (RFC 8707 §2).
func DeviceAuthorizationRequestFromForm(r *http.Request, form url.Values) (grant.DeviceAuthorizationRequest, error) {
	cred, err := ClientCredentials(r, form)
	if err != nil {
		return grant.DeviceAuthorizationRequest{}, err
	}
	return grant.DeviceAuthorizationRequest{Client: cred, Scope: form.Get("scope"), Resources: form[ParamResource]}, nil
}
