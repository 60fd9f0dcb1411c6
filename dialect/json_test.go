package dialect

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

type body struct {
	GrantType string         `json:"grant_type"`
	ClientID  StringOrNumber `json:"client_id"`
	Flag      bool           `json:"flag"`
}

func decode(t *testing.T, contentType, raw string, max int64) (body, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(raw))
	r.Header.Set("Content-Type", contentType)
	var b body
	err := DecodeJSON(httptest.NewRecorder(), r, max, &b)
	return b, err
}

func TestDecodeJSON(t *testing.T) {
	const jsonType = "application/json"
	tests := []struct {
		name        string
		contentType string
		raw         string
		max         int64
		want        body
		wantStatus  int    // 0: success
		wantInDesc  string // part of the error description
	}{
		{name: "number client_id", contentType: "application/vnd.api+json", raw: `{"grant_type":"client_credentials","client_id":153}`,
			want: body{GrantType: "client_credentials", ClientID: "153"}},
		{name: "string client_id", contentType: jsonType, raw: `{"client_id":"153"}`, want: body{ClientID: "153"}},
		{name: "null client_id", contentType: jsonType, raw: `{"client_id":null}`, want: body{}},
		{name: "negative number kept as text", contentType: jsonType, raw: `{"client_id":-7}`, want: body{ClientID: "-7"}},
		{name: "unknown members ignored", contentType: jsonType, raw: `{"x":[1,{"y":2}],"grant_type":"a"}`, want: body{GrantType: "a"}},
		{name: "charset parameter", contentType: "application/json; charset=utf-8", raw: `{"grant_type":"a"}`, want: body{GrantType: "a"}},
		{name: "trailing whitespace", contentType: jsonType, raw: "{\"grant_type\":\"a\"}\n\t ", want: body{GrantType: "a"}},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", raw: `grant_type=a`, wantStatus: 415, wantInDesc: "Content-Type"},
		{name: "no content type", contentType: "", raw: `{}`, wantStatus: 415},
		{name: "text/json is not JSON", contentType: "text/json", raw: `{}`, wantStatus: 415},
		{name: "empty body", contentType: jsonType, raw: ``, wantStatus: 400, wantInDesc: "empty"},
		{name: "truncated", contentType: jsonType, raw: `{"grant_type":`, wantStatus: 400, wantInDesc: "ends"},
		{name: "syntax error", contentType: jsonType, raw: `{"grant_type" "a"}`, wantStatus: 400, wantInDesc: "malformed JSON at byte"},
		{name: "array body", contentType: jsonType, raw: `[1,2]`, wantStatus: 400, wantInDesc: "must be a JSON object"},
		{name: "string body", contentType: jsonType, raw: `"x"`, wantStatus: 400, wantInDesc: "must be a JSON object"},
		{name: "two objects", contentType: jsonType, raw: `{}{}`, wantStatus: 400, wantInDesc: "single JSON object"},
		{name: "trailing garbage", contentType: jsonType, raw: `{} x`, wantStatus: 400, wantInDesc: "single JSON object"},
		{name: "wrong member type", contentType: jsonType, raw: `{"grant_type":5}`, wantStatus: 400, wantInDesc: `"grant_type" must be a string`},
		{name: "client_id object", contentType: jsonType, raw: `{"client_id":{}}`, wantStatus: 400, wantInDesc: `"client_id" must be a string or number`},
		{name: "client_id boolean", contentType: jsonType, raw: `{"client_id":true}`, wantStatus: 400, wantInDesc: "string or number"},
		{name: "bool member", contentType: jsonType, raw: `{"flag":"yes"}`, wantStatus: 400, wantInDesc: "boolean"},
		{name: "repeated member", contentType: jsonType, raw: `{"client_id":"a","client_id":"b"}`, wantStatus: 400, wantInDesc: `"client_id" is repeated`},
		{name: "repeated member in another case", contentType: jsonType, raw: `{"client_id":"a","CLIENT_ID":"b"}`, wantStatus: 400, wantInDesc: "repeated"},
		{name: "repeated unknown member", contentType: jsonType, raw: `{"x":1,"X":2}`, wantStatus: 400, wantInDesc: "repeated"},
		{name: "repeated under Unicode folding", contentType: jsonType, raw: "{\"grant_type\":\"a\",\"grant_type\u212a\":1,\"grant_typek\":\"b\"}", wantStatus: 400, wantInDesc: "repeated"},
		{name: "repeats inside a member are its own", contentType: jsonType, raw: `{"x":{"a":1,"a":2},"grant_type":"a"}`, want: body{GrantType: "a"}},
		{name: "another case alone", contentType: jsonType, raw: `{"Grant_Type":"a"}`, want: body{GrantType: "a"}},
		{name: "too large", contentType: jsonType, raw: `{"grant_type":"` + strings.Repeat("a", 100) + `"}`, max: 50, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.max == 0 {
				tt.max = 1 << 10
			}
			got, err := decode(t, tt.contentType, tt.raw, tt.max)
			if tt.wantStatus == 0 {
				if err != nil || got != tt.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			oe, ok := oauth.As(err)
			if !ok {
				t.Fatalf("err = %v, want an *oauth.Error", err)
			}
			if oe.HTTPStatus() != tt.wantStatus || oe.Code != oauth.InvalidRequest || !strings.Contains(oe.Description, tt.wantInDesc) {
				t.Errorf("got %d %s %q, want %d invalid_request containing %q", oe.HTTPStatus(), oe.Code, oe.Description, tt.wantStatus, tt.wantInDesc)
			}
		})
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/vnd.api+json": true, "APPLICATION/JSON; charset=UTF-8": true,
		"application/problem+json": true, "text/plain": false, "application/x-www-form-urlencoded": false,
		"": false, "application/jsonx": false, "text/vnd+json": false, "application/json;;": false,
	} {
		if got := IsJSON(ct); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// FuzzDecodeJSON: any body either decodes or yields a 4xx invalid_request
// error; nothing panics and nothing becomes a server error. A body that
// decodes is a JSON object whose members no other reader can read
// differently: no name repeats under encoding/json's case folding, and
// each field holds the one member whose name folds to its own.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{`{"client_id":153}`, `{"client_id":"x"}`, `[]`, `{`, `{}{}`, `{"client_id":1e999}`, "\xff",
		`{"grant_type":"\ud800"}`, `{"grant_type":"a","Grant_type":"b"}`, `{"FLAG":true,"client_id":-0.5e3}`, `{"x":{"a":1,"a":2}}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := decode(t, "application/json", raw, 256)
		if err != nil {
			oe, ok := oauth.As(err)
			if !ok || oe.Code != oauth.InvalidRequest || oe.HTTPStatus() < 400 || oe.HTTPStatus() >= 500 || oe.Description == "" {
				t.Fatalf("body %q: err %v, want a 4xx invalid_request with a description", raw, err)
			}
			return
		}
		var ref map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &ref); err != nil {
			t.Fatalf("accepted %q, which is not a JSON object: %v", raw, err)
		}
		var want body
		for name, v := range ref {
			for _, field := range []string{"grant_type", "client_id", "flag"} {
				if strings.EqualFold(name, field) {
					if err := json.Unmarshal([]byte(`{"`+field+`":`+string(v)+`}`), &want); err != nil {
						t.Fatalf("member %q of %q: %v", name, raw, err)
					}
				}
			}
		}
		if got != want {
			t.Fatalf("body %q decoded as %+v; member by member it is %+v", raw, got, want)
		}
	})
}
