package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint/server/servertest"
)

// TestEveryAnswerIsJSON: requests that net/http's ServeMux would answer
// by itself, with a redirect, a bare status or a text body (a path it
// would clean, a request target that is not a path, a method a route
// does not take), get the JSON error shape like any other error, sent as
// raw bytes so that no client library tidies them first.
func TestEveryAnswerIsJSON(t *testing.T) {
	in := servertest.Start(t)
	long := "/" + strings.Repeat("a", 16<<10)
	form := "grant_type=client_credentials"
	tests := []struct {
		name, request string
		status        int
		error         string
		allow         string // the Allow header a 405 must carry
	}{
		{"double slash", "POST //oauth2/token HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n" + form, 404, "not_found", ""},
		{"dot-dot segment", "GET /oauth2/../oauth2/jwks HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"dot segment", "GET /./oauth2/jwks HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"trailing dot", "GET /oauth2/jwks/. HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"trailing slash", "GET /oauth2/jwks/ HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"double slash inside", "POST /oauth2//token HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 404, "not_found", ""},
		{"escaped slash", "GET /oauth2%2Fjwks HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 400, "invalid_request", ""},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_request", ""},
		{"GET *", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "invalid_request", ""},
		{"DELETE on a GET route", "DELETE /oauth2/jwks HTTP/1.1\r\nHost: h\r\n\r\n", 405, "invalid_request", "GET, HEAD"},
		{"POST on a GET route", "POST /.well-known/openid-configuration HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 405, "invalid_request", "GET, HEAD"},
		{"PUT on the authorization endpoint", "PUT /oauth2/authorize HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 405, "invalid_request", "GET, HEAD, POST"},
		{"GET on the token endpoint", "GET /oauth2/token HTTP/1.1\r\nHost: h\r\n\r\n", 405, "invalid_request", "POST"},
		{"OPTIONS on a route", "OPTIONS /oauth2/jwks HTTP/1.1\r\nHost: h\r\n\r\n", 405, "invalid_request", "GET, HEAD"},
		{"unknown path", "GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"very long path", "GET " + long + " HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
		{"very long non-canonical path", "GET /." + long + " HTTP/1.1\r\nHost: h\r\n\r\n", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, in.URL, tt.request)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d (Location %.80q, body %.200q)", resp.StatusCode, tt.status, resp.Header.Get("Location"), body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error != tt.error || e.Description == "" {
				t.Errorf("body %.200q (%v), want a JSON error %q with a description", body, err, tt.error)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("Location %.80q: the server redirected", loc)
			}
		})
	}
}

// rawRequest writes request as is on a new connection to base and reads
// one response.
func rawRequest(t *testing.T, base, request string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}
