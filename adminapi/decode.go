package adminapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tokenmint/tokenmint/oauth"
)

// Media types a request body may have: JSON, and for PATCH the JSON merge
// patch of RFC 7396, whose members replace the resource's the same way.
const (
	mediaJSON       = "application/json"
	mediaMergePatch = "application/merge-patch+json"
)

// readBody reads the request's body, bounded by MaxBodyBytes (413 past
// it). A body must be JSON, said by its Content-Type or by none (415
// otherwise); an empty body reads as nil, which the optional bodies
// allow.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, problem(http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the body exceeds %d bytes", a.cfg.MaxBodyBytes))
	}
	if err != nil {
		return nil, problem(http.StatusBadRequest, oauth.InvalidRequest, "the body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = mediaJSON // a body without a media type is read as what it must be
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != mediaJSON && !(mt == mediaMergePatch && r.Method == http.MethodPatch)) {
		return nil, problem(http.StatusUnsupportedMediaType, codeMediaType, "the body must be "+mediaJSON)
	}
	if !utf8.Valid(body) {
		return nil, invalid(oauth.InvalidRequest, "", "the body is not valid UTF-8")
	}
	return body, nil
}

// requireBody is readBody for a route whose body is required.
func (a *API) requireBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := a.readBody(w, r)
	if err == nil && body == nil {
		err = invalid(oauth.InvalidRequest, "", "a JSON body is required")
	}
	return body, err
}

// decodeObject decodes body, one JSON object, into the members named by
// dst (name -> pointer to a Go value), exactly: a member dst does not
// name, a member given twice, a value of the wrong type and trailing data
// are refused with a 400 naming the member. It returns the names given.
// A nil body is an empty object.
func decodeObject(body []byte, dst map[string]any) (map[string]bool, error) {
	given := map[string]bool{}
	if body == nil {
		return given, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, invalid(oauth.InvalidRequest, "", "the body must be one JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid(oauth.InvalidRequest, "", "the body is not valid JSON")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid(oauth.InvalidRequest, "", "the body is not valid JSON")
		}
		p, known := dst[name]
		switch {
		case !known:
			return nil, invalid(oauth.InvalidRequest, clip(name), fmt.Sprintf("unknown member %q (members: %s)", clip(name), memberList(dst)))
		case given[name]:
			return nil, invalid(oauth.InvalidRequest, name, name+" is given twice")
		}
		given[name] = true
		if err := json.Unmarshal(raw, p); err != nil || string(raw) == "null" {
			return nil, invalid(oauth.InvalidRequest, name, name+" must be "+kind(p))
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid(oauth.InvalidRequest, "", "the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(oauth.InvalidRequest, "", "the body must be one JSON object, with nothing after it")
	}
	return given, nil
}

func kind(p any) string {
	switch reflect.TypeOf(p).Elem().Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array of strings"
	case reflect.Bool:
		return "true or false"
	}
	return "a JSON value of the documented type"
}

func memberList(dst map[string]any) string {
	names := make([]string, 0, len(dst))
	for n := range dst {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// clip bounds text from the request echoed in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Paging of lists: page_size members a page (default defaultPageSize,
// at most maxPageSize); page_token is the opaque next_page_token of the
// page before.
const (
	defaultPageSize = 100
	maxPageSize     = 500
)

// page reads page_size and page_token; the token is the key after which
// the page starts ("" for the first).
func page(r *http.Request) (size int, after string, err error) {
	q := r.URL.Query()
	size = defaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return 0, "", invalidParam("page_size", fmt.Sprintf("page_size must be a whole number from 1 to %d", maxPageSize))
		}
		size = n
	}
	if v := q.Get("page_token"); v != "" {
		b, err := base64.RawURLEncoding.Strict().DecodeString(v)
		if err != nil || len(b) == 0 {
			return 0, "", invalidParam("page_token", "page_token is not one this server issued: pass next_page_token as it came")
		}
		after = string(b)
	}
	return size, after, nil
}

// pageToken is the page_token that continues after key.
func pageToken(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// paginate returns the items of a list sorted by key that come after
// after, at most size of them, and the token of the next page ("" when
// this is the last).
func paginate[T any](items []T, key func(T) string, size int, after string) ([]T, string) {
	start := 0
	if after != "" {
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = pageToken(key(items[end-1]))
	}
	return items[start:end], next
}
