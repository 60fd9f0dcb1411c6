package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/grant"
)

// MediaTypeIntrospectionJWT is the media type a resource server puts in
// Accept to ask for a JWT introspection response, and the Content-Type of
// that response (RFC 9701 §4, §5).
const MediaTypeIntrospectionJWT = "application/" + grant.TypeIntrospectionJWT

// maxAcceptRanges bounds the media ranges WantsIntrospectionJWT reads.
const maxAcceptRanges = 32

// WantsIntrospectionJWT reports whether the Accept header values of an
// introspection request ask for a JWT response (RFC 9701 §4): they name
// application/token-introspection+jwt with a non-zero quality, and give
// JSON (application/json, application/*, */*) no higher one (RFC 9110
// §12.5.1). Without Accept, or with anything unreadable, the answer is
// the plain JSON of RFC 7662.
func WantsIntrospectionJWT(accept []string) bool {
	jwt, json := -1.0, -1.0
	n := 0
	for _, value := range accept {
		for part := range strings.SplitSeq(value, ",") {
			if n++; n > maxAcceptRanges {
				return false
			}
			mt, q, ok := mediaRange(part)
			switch {
			case !ok:
			case mt == MediaTypeIntrospectionJWT:
				jwt = max(jwt, q)
			case mt == "application/json" || mt == "application/*" || mt == "*/*":
				json = max(json, q)
			}
		}
	}
	return jwt > 0 && jwt >= json
}

// mediaRange parses one media range of Accept (RFC 9110 §12.5.1): its
// type in lower case and its weight, 1 when it has none.
func mediaRange(s string) (mt string, q float64, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", 0, false
	}
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		return "", 0, false
	}
	q = 1
	if v, has := params["q"]; has {
		if q, err = strconv.ParseFloat(v, 64); err != nil || !(q >= 0 && q <= 1) { // NaN too
			return "", 0, false
		}
	}
	return mt, q, true
}

// writeIntrospectionJWT answers with body, the RFC 7662 response, as the
// signed JWT of RFC 9701 §5 for caller.
func (a *API) writeIntrospectionJWT(w http.ResponseWriter, r *http.Request, caller *tokenmint.Client, body []byte) {
	jwt, err := a.cfg.Engine.SignIntrospection(caller, body)
	if err != nil {
		WriteError(w, r, a.log, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", MediaTypeIntrospectionJWT)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(jwt))
}
