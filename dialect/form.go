package dialect

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/tokenmint/tokenmint/httpapi"
	"github.com/tokenmint/tokenmint/oauth"
)

// Media types of HTML form bodies.
const (
	FormURLEncoded = "application/x-www-form-urlencoded"
	FormMultipart  = "multipart/form-data"
)

// MultipartMemory bounds the bytes of field values a multipart body may
// hold, whatever the body limit: the token requests that come this way
// carry a few short credentials.
const MultipartMemory = 8 << 10

// FormType returns FormURLEncoded or FormMultipart when a Content-Type
// names one of them, "" otherwise.
func FormType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != FormURLEncoded && mt != FormMultipart) {
		return ""
	}
	return mt
}

// DecodeForm reads a POST body sent as an HTML form, either
// application/x-www-form-urlencoded (httpapi.ParseForm's rules) or
// multipart/form-data (RFC 7578), of at most maxBytes. Multipart field
// values together hold at most MultipartMemory bytes and are never
// written to disk; a file part is refused, as is, in both encodings, a
// field sent twice (RFC 6749 §3.2) or parameters in the query string.
// Every failure is an *oauth.Error: 415 for another content type, 413
// for an oversized body, 400 invalid_request otherwise.
func DecodeForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	if FormType(r.Header.Get("Content-Type")) != FormMultipart {
		return httpapi.ParseForm(w, r, maxBytes)
	}
	if r.URL.RawQuery != "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "parameters belong in the request body, not the query string")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, oauth.NewError(oauth.InvalidRequest, "multipart/form-data needs a boundary parameter")
	}
	return readParts(mr, MultipartMemory)
}

// readParts reads every part of a multipart/form-data body into Values,
// holding at most budget bytes of values.
func readParts(mr *multipart.Reader, budget int64) (url.Values, error) {
	form := url.Values{}
	for {
		p, err := mr.NextPart()
		// Only a bare io.EOF is the final boundary: NextPart wraps the
		// io.EOF of a body that ends without one.
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, partError(err)
		}
		name := p.FormName()
		switch {
		case p.FileName() != "":
			return nil, oauth.NewError(oauth.InvalidRequest, "file parts are not accepted; send each parameter as a form field")
		case name == "":
			return nil, oauth.NewError(oauth.InvalidRequest, "a multipart part has no form field name")
		case form.Has(name):
			return nil, oauth.NewError(oauth.InvalidRequest, "parameter %q is repeated", truncate(name))
		}
		v, err := io.ReadAll(io.LimitReader(p, budget+1))
		if err != nil {
			return nil, partError(err)
		}
		if budget -= int64(len(v)); budget < 0 {
			return nil, &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusRequestEntityTooLarge, Description: "the form fields are too large"}
		}
		form.Set(name, string(v))
	}
}

// partError turns a failure to read a multipart body into a client-facing
// error: 413 when the body limit was reached, else 400.
func partError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusRequestEntityTooLarge, Description: "request body too large"}
	}
	return oauth.NewError(oauth.InvalidRequest, "malformed multipart body")
}
