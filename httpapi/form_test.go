package httpapi

import (
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

// stdParseForm is ParseForm as it was, on (*http.Request).ParseForm: the
// reference the cheaper decoder must agree with.
func stdParseForm(w http.ResponseWriter, r *http.Request, maxBytes int64) (url.Values, error) {
	if r.Method != http.MethodPost {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "use POST", Status: http.StatusMethodNotAllowed}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "Content-Type must be application/x-www-form-urlencoded", Status: http.StatusUnsupportedMediaType}
	}
	if r.URL.RawQuery != "" {
		return nil, oauth.NewError(oauth.InvalidRequest, "parameters belong in the request body, not the query string")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &oauth.Error{Code: oauth.InvalidRequest, Description: "request body too large", Status: http.StatusRequestEntityTooLarge}
		}
		return nil, oauth.NewError(oauth.InvalidRequest, "malformed form body")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return nil, oauth.NewError(oauth.InvalidRequest, "parameter %q is repeated", truncate(k))
		}
	}
	return r.PostForm, nil
}

type formCase struct {
	name, method, ctype, query, body string
	contentLength                    int64 // -1: unknown; 0: the body's length
	wantStatus                       int   // 0: accepted
}

var formCases = []formCase{
	{"token request", "POST", "application/x-www-form-urlencoded", "", "grant_type=client_credentials&scope=a%20b+c", 0, 0},
	{"charset parameter", "POST", "application/x-www-form-urlencoded; charset=UTF-8", "", "token=x", 0, 0},
	{"media type case-insensitive", "POST", "Application/X-WWW-Form-URLEncoded", "", "token=x", 0, 0},
	{"empty body", "POST", "application/x-www-form-urlencoded", "", "", 0, 0},
	{"empty pairs and names", "POST", "application/x-www-form-urlencoded", "", "&&=v&k&k2=", 0, 0},
	{"unknown length", "POST", "application/x-www-form-urlencoded", "", "token=abc", -1, 0},
	{"announced length short", "POST", "application/x-www-form-urlencoded", "", "token=abcdef", 3, 0},
	{"announced length long", "POST", "application/x-www-form-urlencoded", "", "token=abc", 500, 0},
	{"GET", "GET", "application/x-www-form-urlencoded", "", "", 0, 405},
	{"JSON", "POST", "application/json", "", `{"token":"x"}`, 0, 415},
	{"no content type", "POST", "", "", "token=x", 0, 415},
	{"malformed content type", "POST", "application/x-www-form-urlencoded; charset", "", "token=x", 0, 415},
	{"multipart", "POST", "multipart/form-data; boundary=x", "", "token=x", 0, 415},
	{"query string", "POST", "application/x-www-form-urlencoded", "client_secret=s", "token=x", 0, 400},
	{"repeated parameter", "POST", "application/x-www-form-urlencoded", "", "scope=a&scope=b", 0, 400},
	{"repeated after unescaping", "POST", "application/x-www-form-urlencoded", "", "scope=a&sc%6Fpe=b", 0, 400},
	{"bad escape", "POST", "application/x-www-form-urlencoded", "", "token=%zz", 0, 400},
	{"semicolon", "POST", "application/x-www-form-urlencoded", "", "token=a;b", 0, 400},
	{"at the limit", "POST", "application/x-www-form-urlencoded", "", "token=" + strings.Repeat("x", 250), 0, 0},
	{"too large", "POST", "application/x-www-form-urlencoded", "", "token=" + strings.Repeat("x", 251), 0, 413},
	{"too large, unknown length", "POST", "application/x-www-form-urlencoded", "", "token=" + strings.Repeat("x", 300), -1, 413},
	{"too large, announced short", "POST", "application/x-www-form-urlencoded", "", "token=" + strings.Repeat("x", 300), 10, 413},
}

const formLimit = 256

func (tc formCase) request() *http.Request {
	r := httptest.NewRequest(tc.method, "/oauth2/token", strings.NewReader(tc.body))
	r.URL.RawQuery = tc.query
	if tc.ctype != "" {
		r.Header.Set("Content-Type", tc.ctype)
	}
	if tc.contentLength != 0 {
		r.ContentLength = tc.contentLength
	}
	return r
}

// TestParseForm: ParseForm accepts and refuses what the reference does,
// with the same error, values and request fields.
func TestParseForm(t *testing.T) {
	for _, tc := range formCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compareParseForm(t, tc)
			status := 0
			if oe, ok := oauth.As(err); ok {
				status = oe.HTTPStatus()
			}
			if status != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", status, err, tc.wantStatus)
			}
		})
	}
}

// TestParseFormTwice: a second call returns the form parsed first, as
// (*http.Request).ParseForm keeps it, although the body is spent.
func TestParseFormTwice(t *testing.T) {
	r := formRequest("token=x")
	first, err := ParseForm(httptest.NewRecorder(), r, formLimit)
	if err != nil {
		t.Fatal(err)
	}
	second, err := ParseForm(httptest.NewRecorder(), r, formLimit)
	if err != nil || second.Get("token") != "x" || r.FormValue("token") != "x" || !reflect.DeepEqual(first, second) {
		t.Fatalf("second parse: %v, %v; FormValue %q", second, err, r.FormValue("token"))
	}
}

func FuzzParseFormReference(f *testing.F) {
	for _, tc := range formCases {
		f.Add(tc.method, tc.ctype, tc.query, tc.body, tc.contentLength)
	}
	f.Fuzz(func(t *testing.T, method, ctype, query, body string, contentLength int64) {
		if method != "POST" && method != "GET" {
			method = "POST"
		}
		compareParseForm(t, formCase{method: method, ctype: ctype, query: url.PathEscape(query), body: body, contentLength: max(contentLength, -1)})
	})
}

// compareParseForm runs ParseForm and the reference on copies of one
// request and fails on any difference.
func compareParseForm(t *testing.T, tc formCase) (url.Values, error) {
	t.Helper()
	r, ref := tc.request(), tc.request()
	w, refW := httptest.NewRecorder(), httptest.NewRecorder()
	got, err := ParseForm(w, r, formLimit)
	want, wantErr := stdParseForm(refW, ref, formLimit)
	if !reflect.DeepEqual(err, wantErr) {
		t.Fatalf("error %#v, reference %#v", err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("form %v, reference %v", got, want)
	}
	if err == nil && (!reflect.DeepEqual(r.PostForm, ref.PostForm) || !reflect.DeepEqual(r.Form, ref.Form)) {
		t.Fatalf("request PostForm %v Form %v, reference %v %v", r.PostForm, r.Form, ref.PostForm, ref.Form)
	}
	return got, err
}

var queryCases = []string{
	"", "a=1", "a=1&b=2", "a=1&a=2", "a", "a=", "=v", "&", "&&a=1&&", "a=1;b=2", "a;=1&b=2", "%zz=1&b=2", "b=%zz&c=3",
	"a=%41%42+c", "a+b=c+d", "a%3Db=c%26d", "é=ü", "token=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
	"k=%", "k=%4", "k=%41%", "x=1&y=%zz;&z=3", strings.Repeat("a=1&", 15) + "a=1", strings.Repeat("k=v&", 20),
}

func TestParseQuery(t *testing.T) {
	for _, q := range queryCases {
		checkParseQuery(t, q)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, q := range queryCases {
		f.Add(q)
	}
	f.Fuzz(checkParseQuery)
}

// checkParseQuery holds parseQuery to url.ParseQuery.
func checkParseQuery(t *testing.T, q string) {
	got, err := parseQuery(q)
	want, wantErr := url.ParseQuery(q)
	if (err != nil) != (wantErr != nil) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("parseQuery(%q) = %v, %v; url.ParseQuery gives %v, %v", q, got, err, want, wantErr)
	}
}
