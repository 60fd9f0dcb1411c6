package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/clientmeta"
	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/registry"
)

// readJSON reads the body of a registration or update request: JSON
// (RFC 7591 §3.1: "the client sends an HTTP POST ... with a content type
// of application/json"), at most maxBytes. 415 for another content type,
// 413 for an oversized body.
func readJSON(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusUnsupportedMediaType,
			Description: "Content-Type must be application/json (RFC 7591 §3.1)"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusRequestEntityTooLarge, Description: "request body too large"}
	case err != nil:
		return nil, oauth.NewError(oauth.InvalidRequest, "the request body could not be read")
	}
	return body, nil
}

// request is the client metadata of a registration or update request
// that registration acts on.
type request struct {
	fields *clientmeta.Fields
	// clientID and clientSecret are what the request gave, for the
	// checks of an update (RFC 7592 §2.2); nil when absent.
	clientID, clientSecret *string
}

// understood are the members of RFC 7591 §2 registration acts on.
// client_id and client_secret are read for an update (RFC 7592 §2.2).
var understood = []string{
	"client_name", "redirect_uris", "grant_types", "response_types", "scope", "token_endpoint_auth_method",
	"jwks", "jwks_uri", "token_endpoint_auth_signing_alg",
	// RFC 8705 §2.1.2, §3.4; RFC 9449 §5.2; OIDC Registration §2 and
	// Back-Channel Logout §2.2; RFC 9126 §6; RFC 9101 §10.5.
	"tls_client_auth_subject_dn", "tls_client_auth_san_dns", "tls_client_auth_san_uri", "tls_client_auth_san_ip",
	"tls_client_auth_san_email", "tls_client_certificate_bound_access_tokens", "dpop_bound_access_tokens",
	"subject_type", "sector_identifier_uri", "backchannel_logout_uri", "backchannel_logout_session_required",
	"require_pushed_authorization_requests", "require_signed_request_object",
}

// decodeRequest decodes one JSON object of client metadata. The server
// "MUST ignore any client metadata sent by the client that it does not
// understand" (RFC 7591 §2): of its members it keeps those in
// understood, decoded by package clientmeta, and drops the rest before
// decoding: unknown members, the RFC's members tokenmint does not keep
// (client_uri, logo_uri, contacts, software_statement, ...), the
// members the server sets (client_secret_expires_at, ...) and
// tokenmint's own per-client settings (token_format, lifetimes,
// audience, claims, profile, owner, ...), which are an operator's to
// choose, never a registrant's: a client naming an owner would claim a
// user's self-service pages. Anything but one JSON object, a member given
// twice and a value of the wrong type are refused with
// invalid_client_metadata.
func decodeRequest(body []byte) (*request, error) {
	members, err := objectMembers(body)
	if err != nil {
		return nil, err
	}
	kept := map[string]json.RawMessage{}
	for _, name := range understood {
		if raw, ok := members[name]; ok {
			kept[name] = raw
		}
	}
	filtered, err := json.Marshal(kept)
	if err != nil {
		return nil, metadataError("the body is not valid JSON")
	}
	f, err := clientmeta.Decode(filtered)
	if err != nil {
		return nil, metaError(err)
	}
	req := &request{fields: f}
	if req.clientID, err = optionalString(members, "client_id"); err != nil {
		return nil, err
	}
	if req.clientSecret, err = optionalString(members, "client_secret"); err != nil {
		return nil, err
	}
	return req, nil
}

// objectMembers splits one JSON object into its members, refusing
// anything else, trailing data and a member given twice (which readers
// would take as either value).
func objectMembers(body []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, metadataError("the body must be one JSON object of client metadata")
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, metadataError("the body is not valid JSON")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, metadataError("the body is not valid JSON")
		}
		if _, dup := members[name]; dup {
			return nil, metadataError("member %q is given twice", truncate(name))
		}
		members[name] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, metadataError("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, metadataError("the body must be one JSON object of client metadata, with nothing after it")
	}
	return members, nil
}

// optionalString is the string member name of members; nil when absent
// or null.
func optionalString(members map[string]json.RawMessage, name string) (*string, error) {
	raw, ok := members[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, metadataError("%s must be a string", name)
	}
	return &s, nil
}

// spec builds the client the request describes, under id, as the policy
// allows: defaults of RFC 7591 §2 for what it left out (grant_types
// [authorization_code], token_endpoint_auth_method
// client_secret_basic, every scope of the policy), the client ID as its
// name when it gave none, and the consent page always (a registered
// client is a third party the user has not approved).
func (h *Handler) spec(req *request, id string) (registry.ClientSpec, error) {
	f := *req.fields
	f.ClientID = &id
	if f.ClientName == nil || *f.ClientName == "" {
		f.ClientName = &id
	}
	if f.TokenEndpointAuthMethod == nil || *f.TokenEndpointAuthMethod == "" {
		basic := tokenmint.AuthMethodSecretBasic
		f.TokenEndpointAuthMethod = &basic
	}
	if f.GrantTypes != nil && len(*f.GrantTypes) == 0 {
		return registry.ClientSpec{}, metadataError("grant_types is empty")
	}
	spec, err := f.Spec(clientmeta.CreateOptions{DefaultGrantTypes: []string{tokenmint.GrantAuthorizationCode}})
	if err != nil {
		return registry.ClientSpec{}, metaError(err)
	}
	if err := h.cfg.Policy.check(&spec); err != nil {
		return registry.ClientSpec{}, err
	}
	spec.RequireConsent = true
	return spec, nil
}

// metaError turns clientmeta's and validation's errors into the errors of
// RFC 7591 §3.2.2; anything wrong with redirect_uris, a missing one
// included, is invalid_redirect_uri.
func metaError(err error) error {
	e := clientmeta.Validation(err)
	if e == nil {
		return err
	}
	code := e.Code
	if e.Field == tokenmint.FieldRedirectURIs {
		code = clientmeta.CodeInvalidRedirectURI
	}
	return oauth.NewError(code, "%s", bounded(e.Description))
}

// bounded caps a description that quotes a long value.
func bounded(s string) string {
	if len(s) > 512 {
		return s[:512] + "…"
	}
	return s
}

// response is the client information response (RFC 7591 §3.2.1, RFC
// 7592 §3): the client's metadata, with its secret only when just
// generated, and the credential and address of its configuration
// endpoint.
type response struct {
	clientmeta.Metadata
	RegistrationAccessToken string `json:"registration_access_token"`
	RegistrationClientURI   string `json:"registration_client_uri"`
}

// response is the client information response for c. It never names the
// client's owner (tokenmint.Client.Owner), which an operator may have set:
// a user ID of the server's, not client metadata of RFC 7591.
func (h *Handler) response(c *tokenmint.Client, creds registry.Credentials, accessToken string, now time.Time) response {
	m := clientmeta.FromClient(c, creds, now)
	m.Owner = ""
	return response{
		Metadata:                m,
		RegistrationAccessToken: accessToken,
		RegistrationClientURI:   h.clientURI(c.ID),
	}
}
