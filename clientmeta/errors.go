package clientmeta

import (
	"errors"
	"fmt"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/registry"
)

// Error codes of RFC 7591 §3.2.2.
const (
	// CodeInvalidRedirectURI: "The value of one or more redirection URIs
	// is invalid."
	CodeInvalidRedirectURI = "invalid_redirect_uri"
	// CodeInvalidClientMetadata: "The value of one of the client metadata
	// fields is invalid and the server has rejected this request."
	CodeInvalidClientMetadata = "invalid_client_metadata"
)

// Error is a rejected member of a client's metadata.
type Error struct {
	Code        string // CodeInvalidRedirectURI or CodeInvalidClientMetadata
	Field       string // the member, e.g. "grant_types"; "" when the request as a whole is wrong
	Description string // one line for a person, naming the member
	Err         error  // the cause, when there is one
}

func (e *Error) Error() string { return e.Description }
func (e *Error) Unwrap() error { return e.Err }

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// fieldErrorf is an invalid_client_metadata error about one member.
func fieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidClientMetadata, Field: field, Description: fmt.Sprintf(format, args...)}
}

// Validation classifies an error of client validation (registry's
// ErrInvalid, a *tokenmint.FieldError, an *Error) as an *Error: a bad
// redirect URI is invalid_redirect_uri, anything else
// invalid_client_metadata. It returns nil for any other error (a store
// failure, a conflict), which is not the request's fault.
func Validation(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := AsError(err); ok {
		return e
	}
	var fe *tokenmint.FieldError
	isField := errors.As(err, &fe)
	if !isField && !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, tokenmint.ErrInvalidRedirectURI) {
		return nil
	}
	e := &Error{Code: CodeInvalidClientMetadata, Description: err.Error(), Err: err}
	if isField {
		e.Field = fe.Field
	}
	if errors.Is(err, tokenmint.ErrInvalidRedirectURI) {
		e.Code, e.Field = CodeInvalidRedirectURI, tokenmint.FieldRedirectURIs
	}
	return e
}
