package token

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	t0 = time.Unix(1_700_000_000, 0).UTC()
	t1 = t0.Add(time.Hour)
)

func fullClaims() Claims {
	return Claims{
		Issuer: "https://issuer.example", Subject: "user-1", Audience: []string{"api"},
		ExpiresAt: t1, IssuedAt: t0, NotBefore: t0, ID: "jti-1",
		ClientID: "client-1", Scope: "read write", AuthTime: t0.Add(-time.Minute),
		Nonce: "n-0S6", AtHash: "77QmUPtjPfzWtF2AnpK9RQ",
		Extra: map[string]any{"tenant": "acme", "roles": []any{"a", "b"}},
	}
}

func TestClaimsMarshalJSON(t *testing.T) {
	tests := []struct {
		name   string
		claims Claims
		want   string
	}{
		{name: "empty", claims: Claims{}, want: `{}`},
		{
			name:   "full",
			claims: fullClaims(),
			want: `{"iss":"https://issuer.example","sub":"user-1","aud":"api","exp":1700003600,"iat":1700000000,` +
				`"nbf":1700000000,"jti":"jti-1","client_id":"client-1","scope":"read write","auth_time":1699999940,` +
				`"nonce":"n-0S6","at_hash":"77QmUPtjPfzWtF2AnpK9RQ","roles":["a","b"],"tenant":"acme"}`,
		},
		{name: "two audiences", claims: Claims{Audience: []string{"a", "b"}}, want: `{"aud":["a","b"]}`},
		{name: "empty audience slice", claims: Claims{Audience: []string{}}, want: `{}`},
		{name: "sub-second time truncates", claims: Claims{ExpiresAt: t0.Add(900 * time.Millisecond)}, want: `{"exp":1700000000}`},
		{
			name:   "extra cannot override registered",
			claims: Claims{Subject: "real", Extra: map[string]any{"sub": "forged", "exp": 1, "aud": "x", "custom": 1.5}},
			want:   `{"sub":"real","custom":1.5}`,
		},
		{name: "extra only", claims: Claims{Extra: map[string]any{"b": nil, "a": true}}, want: `{"a":true,"b":null}`},
		{name: "empty subject kept", claims: Claims{KeepEmptySubject: true, ClientID: "2"}, want: `{"sub":"","client_id":"2"}`},
		{name: "keep flag with a subject", claims: Claims{KeepEmptySubject: true, Subject: "s"}, want: `{"sub":"s"}`},
		{
			name:   "escaping",
			claims: Claims{Subject: "q\"b\\n\nt\tc\x01u\u2028\u2029é\xff"},
			want:   `{"sub":"q\"b\\n\nt\tc\u0001u\u2028\u2029é\ufffd"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.claims.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("MarshalJSON =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Error("output is not valid JSON")
			}
			viaStd, err := json.Marshal(tt.claims) // value receiver: encoding/json uses it too
			if err != nil || string(viaStd) != string(got) {
				t.Errorf("json.Marshal = %s, %v", viaStd, err)
			}
		})
	}
}

func TestClaimsMarshalJSONBadExtra(t *testing.T) {
	_, err := Claims{Extra: map[string]any{"ch": make(chan int)}}.MarshalJSON()
	if err == nil || !strings.Contains(err.Error(), `"ch"`) {
		t.Fatalf("error = %v, want one naming the claim", err)
	}
}

func TestClaimsUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Claims
		wantErr string
	}{
		{name: "empty object", in: `{}`, want: Claims{}},
		{name: "aud string", in: `{"aud":"api"}`, want: Claims{Audience: []string{"api"}}},
		{name: "aud array", in: `{"aud":["a","b"]}`, want: Claims{Audience: []string{"a", "b"}}},
		{name: "aud null", in: `{"aud":null}`, want: Claims{}},
		{name: "aud number", in: `{"aud":1}`, wantErr: `"aud"`},
		{name: "aud array of numbers", in: `{"aud":[1]}`, wantErr: `"aud"`},
		{name: "exp integer", in: `{"exp":1700000000}`, want: Claims{ExpiresAt: t0}},
		{name: "exp float", in: `{"exp":1700000000.5}`, want: Claims{ExpiresAt: t0.Add(500 * time.Millisecond)}},
		{name: "exp exponent", in: `{"exp":1.7e9}`, want: Claims{ExpiresAt: t0}},
		{name: "exp negative", in: `{"iat":-1.5}`, want: Claims{IssuedAt: time.Unix(-2, 5e8).UTC()}},
		{name: "exp null", in: `{"exp":null}`, want: Claims{}},
		{name: "exp string", in: `{"exp":"1700000000"}`, wantErr: "not a number"},
		{name: "exp bool", in: `{"nbf":true}`, wantErr: "not a number"},
		{name: "exp too large", in: `{"exp":253402300800}`, wantErr: "out of range"},
		{name: "exp float overflow", in: `{"exp":1e400}`, wantErr: "out of range"},
		{name: "exp int64 overflow", in: `{"exp":99999999999999999999}`, wantErr: "out of range"},
		{name: "iss number", in: `{"iss":5}`, wantErr: `"iss"`},
		{name: "registered strings", in: `{"iss":"i","sub":"s","jti":"j","client_id":"c","scope":"a b","nonce":"n","at_hash":"h","auth_time":1700000000}`,
			want: Claims{Issuer: "i", Subject: "s", ID: "j", ClientID: "c", Scope: "a b", Nonce: "n", AtHash: "h", AuthTime: t0}},
		{name: "unknown members to Extra", in: `{"sub":"s","tenant":"acme","n":2,"o":{"k":[1,null]}}`,
			want: Claims{Subject: "s", Extra: map[string]any{"tenant": "acme", "n": 2.0, "o": map[string]any{"k": []any{1.0, nil}}}}},
		{name: "escaped member name", in: `{"\u0073ub":"s"}`, want: Claims{Subject: "s"}},
		{name: "duplicate member, last wins", in: `{"sub":"a","sub":"b"}`, want: Claims{Subject: "b"}},
		{name: "empty sub kept", in: `{"sub":""}`, want: Claims{KeepEmptySubject: true}},
		{name: "null sub absent", in: `{"sub":null}`, want: Claims{}},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "not a JSON object"},
		{name: "string", in: `"x"`, wantErr: "not a JSON object"},
		{name: "empty input", in: ``, wantErr: "not a JSON object"},
		{name: "truncated", in: `{"sub":`, wantErr: "claims"},
		{name: "trailing garbage", in: `{} x`, wantErr: "claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Claims
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.in == "" || tt.wantErr != "" {
				err = got.UnmarshalJSON([]byte(tt.in)) // json.Unmarshal screens some inputs itself
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestClaimsRoundTrip(t *testing.T) {
	c := fullClaims()
	c.Audience = []string{"a", "b"}
	b, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Claims
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, c)
	}
}

func FuzzClaimsUnmarshalJSON(f *testing.F) {
	full, _ := fullClaims().MarshalJSON()
	for _, seed := range []string{
		string(full), `{}`, `{"aud":["a","b"],"exp":1.5}`, `{"exp":-1e3}`, `{"x":{"y":[1,"2",null,true]}}`,
		`{"sub":"\ud800"}`, `{"aud":null,"iat":null}`, `[]`, `{"exp":"1"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Claims
		if err := c.UnmarshalJSON(data); err != nil {
			return
		}
		// Whatever parses must marshal, and marshalling must be a fixed
		// point after one round (times lose their fractions once).
		first, err := c.MarshalJSON()
		if err != nil {
			t.Fatalf("parsed %q but cannot marshal it: %v", data, err)
		}
		var again Claims
		if err := again.UnmarshalJSON(first); err != nil {
			t.Fatalf("cannot parse own output %s: %v", first, err)
		}
		second, err := again.MarshalJSON()
		if err != nil || string(second) != string(first) {
			t.Fatalf("not a fixed point:\n%s\n%s (%v)", first, second, err)
		}
	})
}

func BenchmarkClaimsMarshalJSON(b *testing.B) {
	c := fullClaims()
	c.Extra = map[string]any{"tenant": "acme"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClaimsUnmarshalJSON(b *testing.B) {
	raw, _ := fullClaims().MarshalJSON()
	b.ReportAllocs()
	for b.Loop() {
		var c Claims
		if err := c.UnmarshalJSON(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestClaimsConfirmation: cnf (RFC 7800 §3.1) is written with the
// members set, x5t#S256 (RFC 8705 §3.1) and jkt (RFC 9449 §6.1), omitted
// for a bearer token, read back, and never taken from a custom claim.
func TestClaimsConfirmation(t *testing.T) {
	c := Claims{Issuer: "i", Confirmation: &Confirmation{X5TS256: "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
		Extra: map[string]any{"cnf": "forged"}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"iss":"i","cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var back Claims
	if err := json.Unmarshal(b, &back); err != nil || back.Confirmation == nil || *back.Confirmation != *c.Confirmation {
		t.Fatalf("read back %+v: %v", back.Confirmation, err)
	}
	if b, _ := json.Marshal(Claims{Issuer: "i"}); strings.Contains(string(b), "cnf") {
		t.Fatalf("a bearer token's claims %s", b)
	}
	for _, bad := range []string{`{"cnf":"x"}`, `{"cnf":{"x5t#S256":1}}`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
