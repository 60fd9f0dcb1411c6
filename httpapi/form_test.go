package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

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

// TestParseForm: ParseForm accepts what url.ParseQuery decodes, with the
// values in r.PostForm and r.Form, and refuses the rest with its status.
func TestParseForm(t *testing.T) {
	for _, tc := range formCases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.request()
			got, err := ParseForm(httptest.NewRecorder(), r, formLimit)
			status := 0
			if oe, ok := oauth.As(err); ok {
				status = oe.HTTPStatus()
			}
			if status != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", status, err, tc.wantStatus)
			}
			if err != nil {
				return
			}
			want, _ := url.ParseQuery(tc.body)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(r.PostForm, want) || !reflect.DeepEqual(r.Form, want) {
				t.Fatalf("form %v, PostForm %v, Form %v; want %v", got, r.PostForm, r.Form, want)
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
