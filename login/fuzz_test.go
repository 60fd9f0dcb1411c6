package login

import (
	"crypto/hmac"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fuzzPages are Pages enough for the decoders: a CSRF key, a body limit
// small enough for the fuzzer to reach, a logger for the error pages.
func fuzzPages() *Pages {
	return &Pages{cfg: Config{CSRFKey: []byte("0123456789abcdef0123456789abcdef"), MaxBodyBytes: 1 << 10, SessionTTL: time.Hour},
		log: slog.New(slog.DiscardHandler)}
}

// A CSRF cookie as rand.Text makes it, and the token of the page that
// goes with it.
const fuzzCSRFCookie = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func withCookies(r *http.Request, pairs ...string) *http.Request {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, pairs[i]+"="+pairs[i+1])
	}
	if len(parts) > 0 {
		r.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	return r
}

// FuzzPendingRoundTrip: whatever authorization request a client sends,
// the signed hidden field the pages carry it in decodes to the same
// request, and to nothing else once any byte of it changes.
func FuzzPendingRoundTrip(f *testing.F) {
	for _, s := range []string{
		"response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fcb%3Fx%3D1%26y%3D2&state=s+t&scope=openid",
		"code_challenge=abc&code_challenge_method=S256&nonce=%00%ff&prompt=login+consent",
		"client_id=%E2%80%AE&response_mode=fragment", "",
	} {
		f.Add(s, 0, byte(1))
	}
	p := fuzzPages()
	f.Fuzz(func(t *testing.T, query string, at int, flip byte) {
		req, derr := decodeAuthorize(query)
		if derr != nil {
			return
		}
		field := p.encodePending(req)
		got, ok := p.decodePending(field)
		if !ok || !reflect.DeepEqual(got, req) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", field, got, ok, req)
		}
		if flip == 0 || len(field) == 0 {
			return
		}
		b := []byte(field)
		i := uint(at) % uint(len(b))
		b[i] ^= flip
		if got, ok := p.decodePending(string(b)); ok && string(b) != field {
			t.Fatalf("a changed field %q (byte %d) was accepted as %+v", b, i, got)
		}
	})
}

// FuzzDecodePending: any hidden field is refused or is exactly a field
// this server signed: its signature is the canonical encoding of the MAC
// of its payload, and what it decodes to encodes back to the same field.
func FuzzDecodePending(f *testing.F) {
	p := fuzzPages()
	req, _ := decodeAuthorize("response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fcb&state=s")
	good := p.encodePending(req)
	sig, enc, _ := strings.Cut(good, ".")
	for _, s := range []string{good, enc, "." + enc, sig + ".", sig + "." + enc + "&x=1", "!!!." + enc, lastBitFlipped(sig) + "." + enc, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, field string) {
		got, ok := p.decodePending(field)
		if !ok {
			return
		}
		sig, enc, _ := strings.Cut(field, ".")
		if want := base64.RawURLEncoding.EncodeToString(p.mac(labelPending, enc)); sig != want {
			t.Fatalf("accepted %q, whose signature is not the MAC's encoding %q", field, want)
		}
		if again, ok := p.decodePending(p.encodePending(got)); !ok || !reflect.DeepEqual(again, got) {
			t.Fatalf("%q decoded as %+v, which does not survive re-encoding: %+v, %v", field, got, again, ok)
		}
	})
}

// FuzzCSRF: a form token is accepted only with a well-formed CSRF cookie
// and only as the canonical encoding of that cookie's MAC; the token a
// page shows for a cookie is always accepted with it.
func FuzzCSRF(f *testing.F) {
	p := fuzzPages()
	token := base64.RawURLEncoding.EncodeToString(p.mac(labelCSRF, fuzzCSRFCookie))
	for _, s := range [][2]string{
		{fuzzCSRFCookie, token}, {fuzzCSRFCookie, lastBitFlipped(token)}, {"abcdefghijklmnopqrstuvwxyz", token},
		{fuzzCSRFCookie, ""}, {"", token}, {fuzzCSRFCookie + "=", token + "="}, {"A2345672345672345672345672", "\x00"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, cookie, formToken string) {
		r := withCookies(httptest.NewRequest(http.MethodPost, "/", nil), CSRFCookie, cookie)
		if p.checkCSRF(r, formToken) {
			sent := p.cookie(r, CSRFCookie)
			want := base64.RawURLEncoding.EncodeToString(p.mac(labelCSRF, sent))
			if !validCSRFCookie(sent) || formToken != want {
				t.Fatalf("accepted token %q with cookie %q (sent as %q); the page's token is %q", formToken, cookie, sent, want)
			}
		}
		w := httptest.NewRecorder()
		shown := p.csrfToken(w, r)
		next := r
		if set := w.Result().Cookies(); len(set) > 0 {
			next = withCookies(httptest.NewRequest(http.MethodPost, "/", nil), CSRFCookie, set[0].Value)
		}
		if !p.checkCSRF(next, shown) {
			t.Fatalf("the page's own token %q is refused (cookie %q)", shown, cookie)
		}
	})
}

// FuzzPageForm: the parser of the login and consent forms either writes
// an error page (400, 403, 413 or 415) or returns exactly the form
// url.ParseQuery reads, with no field twice and this browser's CSRF token.
func FuzzPageForm(f *testing.F) {
	p := fuzzPages()
	token := base64.RawURLEncoding.EncodeToString(p.mac(labelCSRF, fuzzCSRFCookie))
	good := url.Values{"csrf_token": {token}, "username": {"alice"}, "password": {"pw"}, "request": {"x.y"}}.Encode()
	for _, s := range [][3]string{
		{"application/x-www-form-urlencoded", good, fuzzCSRFCookie},
		{"application/x-www-form-urlencoded; charset=utf-8", good + "&decision=allow", fuzzCSRFCookie},
		{"application/x-www-form-urlencoded", good + "&username=bob", fuzzCSRFCookie},
		{"application/x-www-form-urlencoded", good, "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"},
		{"application/x-www-form-urlencoded", "csrf_token=%zz", fuzzCSRFCookie},
		{"multipart/form-data; boundary=x", good, fuzzCSRFCookie},
		{"application/x-www-form-urlencoded", strings.Repeat("a", 2<<10), fuzzCSRFCookie},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, contentType, body, cookie string) {
		r := withCookies(httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body)), CSRFCookie, cookie)
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		form, ok := p.pageForm(w, r)
		if !ok {
			switch w.Code {
			case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Fatalf("refused with status %d", w.Code)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || w.Body.Len() == 0 {
				t.Fatalf("refused without an error page: %q", w.Header())
			}
			return
		}
		ref, err := url.ParseQuery(body)
		if err != nil || int64(len(body)) > p.cfg.MaxBodyBytes {
			t.Fatalf("accepted %q (%d bytes), which url.ParseQuery reads as %v", body, len(body), err)
		}
		for name, v := range ref {
			if len(v) != 1 || form.Get(name) != v[0] {
				t.Fatalf("field %q = %q, sent %q", name, form[name], v)
			}
		}
		if len(form) != len(ref) || !p.checkCSRF(r, form.Get("csrf_token")) {
			t.Fatalf("form %v from %q", form, body)
		}
	})
}

// FuzzConsentCookie: remembering a consent keeps the cookie bounded
// (at most maxConsents marks, each a mark of ours), keeps the new mark
// findable, keeps only marks the browser already had, and never
// remembers one it was not given.
func FuzzConsentCookie(f *testing.F) {
	p := fuzzPages()
	m1 := p.consentMark("s1", "c", []string{"openid"})
	f.Add("", "s1", "c", "openid")
	f.Add(m1, "s1", "c", "openid profile")
	f.Add(strings.Repeat(m1+".", 20)+"x", "s2", "c", "")
	f.Add("..%%..", "", "", "a b")
	f.Fuzz(func(t *testing.T, cookie, session, client, scopes string) {
		mark := p.consentMark(session, client, strings.Fields(scopes))
		r := withCookies(httptest.NewRequest(http.MethodGet, "/", nil), ConsentCookie, cookie)
		before := p.cookie(r, ConsentCookie)
		w := httptest.NewRecorder()
		p.rememberConsent(w, r, mark)
		set := w.Result().Cookies()
		if len(set) != 1 {
			t.Fatalf("rememberConsent set %d cookies", len(set))
		}
		marks := strings.Split(set[0].Value, ".")
		if len(marks) > maxConsents || marks[0] != mark {
			t.Fatalf("cookie %q: %d marks, first %q; want at most %d, first %q", set[0].Value, len(marks), marks[0], maxConsents, mark)
		}
		old := strings.Split(before, ".")
		for _, m := range marks[1:] {
			if len(m) != len(mark) || m == mark || !contains(old, m) {
				t.Fatalf("cookie %q keeps %q, which is not an earlier mark", set[0].Value, m)
			}
		}
		next := withCookies(httptest.NewRequest(http.MethodGet, "/", nil), ConsentCookie, set[0].Value)
		if !p.hasConsent(next, mark) {
			t.Fatalf("the consent just remembered is not found in %q", set[0].Value)
		}
		other := p.consentMark(session+"x", client, strings.Fields(scopes))
		if p.hasConsent(next, other) != contains(marks, other) {
			t.Fatalf("hasConsent disagrees with the cookie's marks")
		}
	})
}

// lastBitFlipped changes the last character of unpadded base64 in a bit
// that encodes nothing (the 43rd character of 32 bytes carries 4 bits).
func lastBitFlipped(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[i^1])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if hmac.Equal([]byte(v), []byte(s)) {
			return true
		}
	}
	return false
}

// FuzzPARRequest: the PAR request decoder, on any body: it never panics,
// never lets a request_uri through, and what it accepts is stored and
// read back (encodeTrusted, decodeTrusted) as the same request, marked
// pushed by the server alone.
func FuzzPARRequest(f *testing.F) {
	for _, s := range []string{
		"response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fa.test%2Fcb&scope=openid&code_challenge=x&code_challenge_method=S256",
		"client_id=c&request=eyJhbGciOiJFUzI1NiJ9.e30.sig", "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax",
		"client_id=other", "client_secret=s&tokenmint_pushed=1&tokenmint_signed=1&dialect=eptura", "resource=a&resource=b", "%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, object, err := decodePushed(form, "c")
		if err != nil {
			return
		}
		if form.Has("request_uri") || (object != "" && object != form.Get("request")) {
			t.Fatalf("decodePushed(%q) let through request_uri or another object", body)
		}
		if req.Pushed || req.Signed || req.Dialect != "" {
			t.Fatalf("decodePushed(%q) = %+v: a client set what only the server may", body, req)
		}
		req.Pushed = true
		back, derr := decodeTrusted(mustParse(t, encodeTrusted(req).Encode()))
		if derr != nil || !reflect.DeepEqual(back, req) {
			t.Fatalf("stored request of %q reads back as %+v (%v), want %+v", body, back, derr, req)
		}
	})
}

func mustParse(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
