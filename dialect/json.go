package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode"

	"github.com/tokenmint/tokenmint/oauth"
)

// IsJSON reports whether a Content-Type names JSON: application/json, or
// any structured syntax suffix +json (RFC 6839 §3.1) such as JSON:API's
// application/vnd.api+json.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// DecodeJSON reads a request body that must be exactly one JSON object of
// at most maxBytes into dst (a pointer to a struct). Members dst does not
// name are ignored, as platforms' clients send extras. A member given
// twice is refused, as a form parameter is (RFC 6749 §3.2): encoding/json
// would keep the last, and matches names case-insensitively, so
// {"client_id":"a","CLIENT_ID":"b"} would be read as client_id "b" where
// another reader sees "a". Every failure is an *oauth.Error that says
// what is wrong: 415 for another content type, 413 for an oversized body,
// 400 invalid_request for anything malformed.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	if !IsJSON(r.Header.Get("Content-Type")) {
		return &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusUnsupportedMediaType,
			Description: "Content-Type must be application/json (or another +json type)"}
	}
	return DecodeJSONBody(w, r, maxBytes, dst)
}

// DecodeJSONBody is DecodeJSON without the Content-Type check, for a
// platform whose documented clients send a JSON body under another
// label (EmpowerID's Postman steps send it as text/plain).
func DecodeJSONBody(w http.ResponseWriter, r *http.Request, maxBytes int64, dst any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		return jsonError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return oauth.NewError(oauth.InvalidRequest, "the body must hold a single JSON object, with nothing after it")
	}
	if name, ok := repeatedMember(raw); ok {
		return oauth.NewError(oauth.InvalidRequest, "member %q is repeated", truncate(name))
	}
	return nil
}

// repeatedMember returns the first member name of the JSON object raw
// (valid JSON) that repeats an earlier one as encoding/json matches names
// to fields, that is under Unicode simple case folding.
func repeatedMember(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		name, _ := tok.(string)
		k := foldName(name)
		if seen[k] {
			return name, true
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false
		}
	}
	return "", false
}

// foldName maps every rune of s to the smallest rune of its simple case
// folding orbit, so that foldName(a) == foldName(b) exactly when
// strings.EqualFold(a, b), as encoding/json folds names.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// jsonError turns a decoding failure into a client-facing error. The
// messages name positions and fields, never echo values.
func jsonError(err error) *oauth.Error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return &oauth.Error{Code: oauth.InvalidRequest, Status: http.StatusRequestEntityTooLarge, Description: "request body too large"}
	case errors.Is(err, io.EOF):
		return oauth.NewError(oauth.InvalidRequest, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return oauth.NewError(oauth.InvalidRequest, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &se):
		return oauth.NewError(oauth.InvalidRequest, "malformed JSON at byte %d", se.Offset)
	case errors.As(err, &ute) && ute.Field == "":
		return oauth.NewError(oauth.InvalidRequest, "the body must be a JSON object")
	case errors.As(err, &ute):
		return oauth.NewError(oauth.InvalidRequest, "member %q must be a %s", truncate(ute.Field), kind(ute.Type))
	}
	return oauth.NewError(oauth.InvalidRequest, "malformed JSON body")
}

// kind names a Go type as a JSON type, for error messages.
func kind(t reflect.Type) string {
	if t == reflect.TypeFor[StringOrNumber]() {
		return "string or number"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	}
	return "JSON value of another type"
}

// StringOrNumber is a JSON member given as a string or as a number and
// used as text: Epicollect5's client_id is a number in its documentation
// ("client_id: 153") and a string in other clients. A number keeps its
// literal text; null is the empty string.
type StringOrNumber string

// UnmarshalJSON implements json.Unmarshaler.
func (s *StringOrNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = StringOrNumber(v)
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = StringOrNumber(b)
	default:
		return &json.UnmarshalTypeError{Value: "non-string", Type: reflect.TypeFor[StringOrNumber]()}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

var _ json.Unmarshaler = (*StringOrNumber)(nil)
