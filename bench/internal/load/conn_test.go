package load

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRoundTripAgainstNetHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fixed", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			w.Write([]byte(strings.Repeat(string(rune('a'+i)), 5000)))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := Dial(host, 5*time.Second)
	defer c.Close()

	tests := []struct {
		name       string
		req        []byte
		wantStatus int
		wantBody   string
	}{
		{"content length", AppendRequest(nil, "GET", "/fixed", host, nil, nil), 200, `{"ok":true}`},
		{"chunked", AppendRequest(nil, "GET", "/chunked", host, nil, nil), 200, strings.Repeat("a", 5000) + strings.Repeat("b", 5000) + strings.Repeat("c", 5000)},
		{"post body", AppendRequest(nil, "POST", "/echo", host, []Header{FormContentType}, []byte("a=1&b=2")), 201, "a=1&b=2"},
		{"not found", AppendRequest(nil, "GET", "/missing", host, nil, nil), 404, "404 page not found\n"},
		{"connection close", AppendRequest(nil, "GET", "/close", host, nil, nil), 200, "bye"},
		{"reconnects after close", AppendRequest(nil, "GET", "/fixed", host, nil, nil), 200, `{"ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := c.RoundTrip(tt.req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %.40q, want %d %.40q", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// rawServer answers every connection with the fixed bytes resp.
func rawServer(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						nc.Write([]byte(resp))
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestRoundTripMalformed(t *testing.T) {
	tests := []struct {
		name string
		resp string
	}{
		{"garbage status", "HTTX/1.1 200 OK\r\n\r\n"},
		{"non-numeric status", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"},
		{"header without colon", "HTTP/1.1 200 OK\r\nbogus\r\n\r\n"},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"},
		{"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := rawServer(t, tt.resp)
			c := Dial(addr, 300*time.Millisecond)
			defer c.Close()
			if status, body, err := c.RoundTrip(AppendRequest(nil, "GET", "/", addr, nil, nil)); err == nil {
				t.Fatalf("got %d %q, want an error", status, body)
			}
		})
	}
}

func TestRoundTripTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			defer nc.Close()
			io.Copy(io.Discard, nc) // never answers
		}
	}()
	c := Dial(ln.Addr().String(), 100*time.Millisecond)
	defer c.Close()
	if _, _, err := c.RoundTrip(AppendRequest(nil, "GET", "/", "x", nil, nil)); err == nil {
		t.Fatal("want a timeout error")
	}
}

func TestAppendRequest(t *testing.T) {
	got := string(AppendRequest(nil, "POST", "/oauth2/token", "h:1",
		[]Header{BasicAuth("id 1", "s&2"), FormContentType}, []byte("grant_type=client_credentials")))
	want := "POST /oauth2/token HTTP/1.1\r\nHost: h:1\r\n" +
		"Authorization: Basic aWQrMTpzJTI2Mg==\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: 29\r\n\r\ngrant_type=client_credentials"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(got)))
	if err != nil {
		t.Fatalf("net/http cannot parse it: %v", err)
	}
	id, secret, ok := req.BasicAuth()
	if !ok || id != "id+1" || secret != "s%262" {
		t.Errorf("basic auth = %q %q %v (form-encoded per RFC 6749 §2.3.1)", id, secret, ok)
	}
}
