package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmint/tokenmint/grant"
	"github.com/tokenmint/tokenmint/oauth"
)

// ParseForm reads an application/x-www-form-urlencoded POST body (RFC 6749
// §3.2) of at most maxBytes. It refuses another content type, an
// oversized body (413), parameters repeated (§3.2: "MUST NOT be included
// more than once"; but resource, which RFC 8707 §2 lets a client repeat)
// and parameters in the query string, where secrets would end up in logs.
func ParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "use POST", Status: http.StatusMethodNotAllowed}
	}
	if !isFormContentType(r.Header.Get("Content-Type")) {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "Content-Type must be application/x-www-form-urlencoded", Status: http.StatusUnsupportedMediaType}
	}
	if r.URL.RawQuery != "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "parameters belong in the request body, not the query string")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	if err := parsePostForm(r, maxBytes); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "request body too large", Status: http.StatusRequestEntityTooLarge}
		}
		return nil, oauth.NewError(oauth.InvalidRequest, "malformed form body")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 && k != ParamResource {
			return nil, oauth.NewError(oauth.InvalidRequest, "parameter %q is repeated", truncate(k))
		}
	}
	return r.PostForm, nil
}

const formContentType = "application/x-www-form-urlencoded"

// ParamResource is the resource indicator parameter of RFC 8707 §2, the
// one parameter a request may repeat.
const ParamResource = "resource"

// maxFormPrealloc bounds the buffer reserved for a body from its
// Content-Length; a longer body grows it as it arrives.
const maxFormPrealloc = 16 << 10

// isFormContentType reports whether a Content-Type header names
// application/x-www-form-urlencoded, with or without parameters. The
// common exact spelling skips mime.ParseMediaType and its allocations.
func isFormContentType(ct string) bool {
	if ct == formContentType {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == formContentType
}

// parsePostForm does what (*http.Request).ParseForm does for the POST of
// a form whose Content-Type was checked and whose query string is empty:
// it reads the whole body (wrapped by http.MaxBytesReader, whose error it
// returns), parses it as url.ParseQuery does and sets r.PostForm and
// r.Form, which hold the same values when the query string is empty. It
// skips what ParseForm repeats or copies for the general case (the media
// type parsed again, the query string parsed, r.Form built as a copy)
// and reads a body of known length into a buffer of that size.
func parsePostForm(r *http.Request, maxBytes int64) error {
	if r.PostForm != nil { // parsed before, as ParseForm would keep it
		return nil
	}
	hint := int64(512)
	if r.ContentLength >= 0 {
		// Bounded, so that a large announced length that never arrives
		// does not reserve memory up front.
		hint = min(r.ContentLength, maxBytes, maxFormPrealloc)
	}
	b, err := readAll(r.Body, int(hint))
	if err != nil {
		return err
	}
	vs, err := parseQuery(string(b))
	if err != nil {
		return err
	}
	r.PostForm = vs
	if r.Form == nil {
		r.Form = vs
	}
	return nil
}

// maxFastParams is the most parameters parseQuery splits itself.
const maxFastParams = 16

// parseQuery is url.ParseQuery (same values, an error for the same
// input), cheaper for the few parameters of an OAuth request: it leaves a
// key or value without '%' or '+' as it is instead of running
// url.QueryUnescape over it byte by byte (a JWT is a long value), and
// gives all first values one backing array instead of one each. A body
// of more than maxFastParams parameters goes to url.ParseQuery itself,
// which enforces the limit on their number (10,000, or GODEBUG's
// urlmaxqueryparams: a setting below maxFastParams is the one case
// treated differently, and no OAuth server could run with it).
// FuzzParseQuery holds it to url.ParseQuery.
func parseQuery(query string) (url.Values, error) {
	n := strings.Count(query, "&") + 1
	if n > maxFastParams {
		return url.ParseQuery(query)
	}
	m := make(url.Values, n)
	first := make([]string, 0, n)
	var err error
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if strings.Contains(pair, ";") {
			err = errors.New("invalid semicolon separator in query")
			continue
		}
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err1 := queryUnescape(key)
		if err1 == nil {
			value, err1 = queryUnescape(value)
		}
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		if vs, ok := m[key]; ok {
			m[key] = append(vs, value)
			continue
		}
		first = append(first, value)
		m[key] = first[len(first)-1 : len(first) : len(first)]
	}
	return m, err
}

// queryUnescape is url.QueryUnescape, which changes nothing and refuses
// nothing in a string without '%' or '+'.
func queryUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// readAll is io.ReadAll starting with room for size bytes and one more,
// so that a body of the announced length is read without growing.
func readAll(rd io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, size+1)
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// ClientCredentials extracts client authentication from HTTP Basic (RFC
// 6749 §2.3.1, with the form-urlencoding it prescribes), from the body
// (client_secret_post), or from a client_assertion (RFC 7521 §4.2:
// private_key_jwt and client_secret_jwt), refusing two at once (§2.3:
// "MUST NOT use more than one authentication method in each request").
// An assertion's credentials carry the request's path, which its aud may
// name.
func ClientCredentials(r *http.Request, form url.Values) (grant.Credentials, error) {
	id, secret, hasBasic := r.BasicAuth()
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		return assertionCredentials(r, form, hasBasic)
	}
	if hasBasic {
		if bodySecret != "" {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "use one client authentication method: HTTP Basic or client_secret in the body, not both", Basic: true}
		}
		uid, err1 := url.QueryUnescape(id)
		usecret, err2 := url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidClient, Description: "malformed Basic credentials", Basic: true}
		}
		if bodyID != "" && bodyID != uid {
			return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Description: "client_id in the body differs from the Basic credentials", Basic: true}
		}
		return grant.Credentials{ID: uid, Secret: usecret, Method: grant.AuthBasic}, nil
	}
	if r.Header.Get("Authorization") != "" {
		return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidClient, Description: "unsupported Authorization scheme for client authentication; use Basic", Basic: true}
	}
	if bodySecret != "" {
		return grant.Credentials{ID: bodyID, Secret: bodySecret, Method: grant.AuthPost}, nil
	}
	return grant.Credentials{ID: bodyID, Method: grant.AuthNone}, nil
}

// assertionCredentials reads a client assertion (RFC 7521 §4.2):
// client_assertion_type and client_assertion together, client_id
// optional, and no other client credential.
func assertionCredentials(r *http.Request, form url.Values, hasBasic bool) (grant.Credentials, error) {
	switch {
	case hasBasic || r.Header.Get("Authorization") != "" || form.Get("client_secret") != "":
		return grant.Credentials{}, &oauth.Error{Code: oauth.InvalidRequest, Basic: hasBasic,
			Description: "use one client authentication method: a client_assertion, HTTP Basic or client_secret, not two"}
	case form.Get("client_assertion") == "" || form.Get("client_assertion_type") == "":
		return grant.Credentials{}, oauth.NewError(oauth.InvalidRequest, "client_assertion and client_assertion_type go together (RFC 7521 §4.2)")
	}
	return grant.Credentials{
		ID:            form.Get("client_id"),
		Method:        grant.AuthAssertion,
		AssertionType: form.Get("client_assertion_type"),
		Assertion:     form.Get("client_assertion"),
		Endpoint:      r.URL.Path,
	}, nil
}

// MissingBearerDescription marks a request that carried no token at all.
const MissingBearerDescription = "an access token is required"

// BearerToken extracts an RFC 6750 §2.1 bearer token from the
// Authorization header (the only method tokenmint accepts: query and body
// tokens leak into logs and caches).
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &oauth.Error{Code: oauth.InvalidToken, Description: MissingBearerDescription, Status: http.StatusUnauthorized}
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", &oauth.Error{Code: oauth.InvalidRequest, Description: "Authorization must be: Bearer <token>", Status: http.StatusBadRequest}
	}
	return tok, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
