package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tokenmint/tokenmint"
	"github.com/tokenmint/tokenmint/internal/benchcpu"
	"github.com/tokenmint/tokenmint/oauth"
)

var trustedLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// accessLogged serves r through AccessLog over a mux routing
// "POST /things/{id}" to h, and returns the response and the one log
// line, decoded.
func accessLogged(t *testing.T, cfg AccessLogConfig, r *http.Request, h http.HandlerFunc) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	cfg.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	mux := http.NewServeMux()
	mux.Handle("POST /things/{id}", h)
	w := httptest.NewRecorder()
	AccessLog(cfg, mux).ServeHTTP(w, r)
	if r.Pattern != "" && r.Pattern != "POST /things/{id}" {
		t.Errorf("the request's Pattern after AccessLog: %q", r.Pattern)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %d:\n%s", len(lines), buf.String())
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatalf("log line is not JSON: %v\n%s", err, lines[0])
	}
	return w, line
}

func TestAccessLogLine(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/things/secret-looking-id?code=abc", strings.NewReader("client_secret=s3cr3t"))
	r.RemoteAddr = "203.0.113.9:4444"
	var seenID string
	w, line := accessLogged(t, AccessLogConfig{Listener: "public"}, r, func(w http.ResponseWriter, r *http.Request) {
		info := tokenmint.RequestInfoFrom(r.Context())
		if info == nil {
			t.Fatal("no RequestInfo in the handler's context")
		}
		seenID = tokenmint.RequestIDFrom(r.Context())
		info.ClientID, info.GrantType = "client-1", "client_credentials"
		WriteError(w, r, slog.New(slog.DiscardHandler), oauth.NewError(oauth.InvalidGrant, "the code is wrong"))
	})
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status %d", w.Code)
	}
	if r.Pattern != "POST /things/{id}" {
		t.Errorf("r.Pattern = %q after AccessLog: a middleware outside it (tracing) reads the route there", r.Pattern)
	}
	want := map[string]any{"msg": "request", "level": "INFO", "listener": "public", "method": "POST", "route": "POST /things/{id}",
		"status": float64(400), "client_id": "client-1", "grant_type": "client_credentials", "error": "invalid_grant", "ip": "203.0.113.9"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	id, _ := line["request_id"].(string)
	if id == "" || id != seenID || w.Header().Get(HeaderRequestID) != id {
		t.Errorf("request_id %q, handler saw %q, header %q: want one ID in all three", id, seenID, w.Header().Get(HeaderRequestID))
	}
	if d, err := time.ParseDuration(line["duration"].(string)); err != nil || d < 0 {
		t.Errorf("duration %v: want a Go duration string (%v)", line["duration"], err)
	}
	for _, bad := range []string{"secret-looking-id", "abc", "s3cr3t"} {
		if strings.Contains(strings.Join(mapValues(line), " "), bad) {
			t.Errorf("the log line carries %q from the request: %v", bad, line)
		}
	}
}

func mapValues(m map[string]any) []string {
	var out []string
	for _, v := range m {
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

func TestAccessLogRequestID(t *testing.T) {
	for _, tc := range []struct {
		name    string
		remote  string
		trusted []netip.Prefix
		header  string
		kept    bool
	}{
		{"trusted proxy", "127.0.0.1:1", trustedLoopback, "abc-123_X.y:z+/=", true},
		{"trusted proxy, uuid", "127.0.0.1:1", trustedLoopback, "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"untrusted peer", "203.0.113.9:1", trustedLoopback, "abc-123", false},
		{"no trusted proxies", "127.0.0.1:1", nil, "abc-123", false},
		{"trusted, too long", "127.0.0.1:1", trustedLoopback, strings.Repeat("a", 129), false},
		{"trusted, log injection", "127.0.0.1:1", trustedLoopback, "abc\n{\"level\":\"ERROR\"}", false},
		{"trusted, space", "127.0.0.1:1", trustedLoopback, "a b", false},
		{"trusted, none sent", "127.0.0.1:1", trustedLoopback, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/things/1", nil)
			r.RemoteAddr = tc.remote
			if tc.header != "" {
				r.Header.Set(HeaderRequestID, tc.header)
			}
			w, line := accessLogged(t, AccessLogConfig{TrustedProxies: tc.trusted}, r, func(http.ResponseWriter, *http.Request) {})
			got := w.Header().Get(HeaderRequestID)
			if line["request_id"] != got {
				t.Errorf("logged %v, echoed %q", line["request_id"], got)
			}
			if kept := got == tc.header; kept != tc.kept {
				t.Errorf("request ID %q for header %q: kept %v, want %v", got, tc.header, kept, tc.kept)
			}
			if !tc.kept && (len(got) < 20 || !validRequestID(got)) {
				t.Errorf("generated request ID %q: want at least 20 plain characters", got)
			}
		})
	}
}

func TestAccessLogOff(t *testing.T) {
	var buf bytes.Buffer
	h := AccessLog(AccessLogConfig{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Off: true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tokenmint.RequestInfoFrom(r.Context()) == nil {
			t.Error("no RequestInfo with the access log off")
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if buf.Len() != 0 {
		t.Errorf("logged with Off: %s", buf.String())
	}
	if w.Header().Get(HeaderRequestID) == "" {
		t.Error("no request ID echoed with the access log off")
	}
}

func TestAccessLogLabels(t *testing.T) {
	r := httptest.NewRequest("BREW", "/nowhere", nil)
	_, line := accessLogged(t, AccessLogConfig{}, r, func(http.ResponseWriter, *http.Request) {})
	if line["method"] != "other" || line["route"] != "unmatched" || line["status"] != float64(404) {
		t.Errorf("method %v route %v status %v: want other, unmatched, 404", line["method"], line["route"], line["status"])
	}
}

// FuzzRequestID: whatever a trusted proxy sends as X-Request-Id, the ID
// the request gets is short and made only of plain characters, and is
// the proxy's exactly when that one is.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "a\nb", "", strings.Repeat("x", 200), "é", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{HeaderRequestID: {header}}}
		id := requestID(r, trustedLoopback, new([randomIDLen]byte))
		if id == "" || len(id) > maxRequestIDLen || !validRequestID(id) {
			t.Fatalf("request ID %q for header %q", id, header)
		}
		if (id == header) != (header != "" && validRequestID(header)) {
			t.Fatalf("request ID %q for header %q: taken or refused wrongly", id, header)
		}
	})
}

// BenchmarkAccessLog is what AccessLog adds to a request: the request
// ID, the RequestInfo in the context, the status writer, and the JSON
// line (to io.Discard) unless off.
//
//	go test ./httpapi -run '^$' -bench AccessLog -benchmem
func BenchmarkAccessLog(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		if info := tokenmint.RequestInfoFrom(r.Context()); info != nil {
			info.ClientID, info.GrantType = "client-1", "client_credentials"
		}
		w.WriteHeader(http.StatusOK)
	})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"none", mux},
		{"off", AccessLog(AccessLogConfig{Logger: log, Off: true}, mux)},
		{"json", AccessLog(AccessLogConfig{Logger: log, Listener: "public"}, mux)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			w := httptest.NewRecorder()
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			for b.Loop() {
				tc.h.ServeHTTP(w, r)
			}
			stop()
		})
	}
}
