package httpapi

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/tokenmint/tokenmint"
)

// HeaderRequestID is the request ID header: taken from a trusted proxy,
// generated otherwise, and echoed on every response.
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds a request ID taken from a proxy.
const maxRequestIDLen = 128

// AccessLogConfig configures AccessLog.
type AccessLogConfig struct {
	// Logger receives one line per request, at info; nil (or Off) logs
	// none, but requests still get their ID and tokenmint.RequestInfo.
	Logger *slog.Logger
	Off    bool
	// Listener names the listener in each line ("public", "admin").
	Listener string
	// TrustedProxies are the peers whose X-Request-Id is taken (and whose
	// X-Forwarded-For names the client, as ClientIP says).
	TrustedProxies []netip.Prefix
}

// AccessLog gives every request an ID, a tokenmint.RequestInfo in its
// context (which the engine, the error writer and Metrics.Wrap read and
// fill in) and a response header X-Request-Id; then, after next has
// answered, logs one line: the request ID, the listener, the method, the
// route pattern (never the raw path, which may hold an identifier), the
// status, the duration, and what the RequestInfo says (client_id,
// grant_type, error), and the client IP per the trusted-proxy rules.
// Nothing a caller wrote is logged but a standard method; so no secret,
// token, code or password can reach the line.
//
// The request ID is the X-Request-Id of a trusted proxy when it is a
// plausible one (up to 128 characters of letters, digits and -._:+/=),
// else 26 random base32 characters (as crypto/rand.Text makes).
func AccessLog(cfg AccessLogConfig, next http.Handler) http.Handler {
	log := cfg.Logger
	if cfg.Off {
		log = nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &accessRecord{sw: statusWriter{ResponseWriter: w, status: http.StatusOK}}
		rec.info.ID = requestID(r, cfg.TrustedProxies, &rec.idBuf)
		rec.header[0] = rec.info.ID
		w.Header()[HeaderRequestID] = rec.header[:] // Set, without allocating the slice
		orig := r
		r = r.WithContext(tokenmint.WithRequestInfo(r.Context(), &rec.info))
		next.ServeHTTP(&rec.sw, r)
		// The mux set the route's pattern on this copy; a middleware
		// outside (tracing names its span after it) reads the original.
		orig.Pattern = r.Pattern
		if log != nil && log.Enabled(r.Context(), slog.LevelInfo) {
			rec.log(r.Context(), log, cfg, r, time.Since(start))
		}
	})
}

// accessRecord is one request's status writer, RequestInfo and request
// ID, in one allocation.
type accessRecord struct {
	sw     statusWriter
	info   tokenmint.RequestInfo
	idBuf  [randomIDLen]byte
	header [1]string
}

func (rec *accessRecord) log(ctx context.Context, log *slog.Logger, cfg AccessLogConfig, r *http.Request, d time.Duration) {
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs,
		slog.String("request_id", rec.info.ID),
		slog.String("listener", cfg.Listener),
		slog.String("method", methodLabel(r.Method)),
		slog.String("route", routeLabel(r.Pattern)),
		slog.Int("status", rec.sw.status),
		slog.String("duration", d.String()),
		slog.String("ip", ClientIP(r, cfg.TrustedProxies)),
	)
	for _, a := range [...]struct{ k, v string }{
		{"client_id", rec.info.ClientID}, {"grant_type", rec.info.GrantType}, {"error", rec.info.Error},
	} {
		if a.v != "" {
			attrs = append(attrs, slog.String(a.k, a.v))
		}
	}
	log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// randomIDLen is the length of a generated request ID: 26 base32
// characters, 130 random bits (as crypto/rand.Text).
const randomIDLen = 26

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// requestID returns the X-Request-Id a trusted proxy sent, when it is a
// plausible ID, or a new random one, made in buf.
func requestID(r *http.Request, trusted []netip.Prefix, buf *[randomIDLen]byte) string {
	if id := r.Header.Get(HeaderRequestID); id != "" && len(trusted) > 0 && validRequestID(id) {
		if peer := peerAddr(r.RemoteAddr); peer.IsValid() && isTrusted(peer, trusted) {
			return id
		}
	}
	rand.Read(buf[:]) // never fails (crypto/rand)
	for i, b := range buf {
		buf[i] = base32Alphabet[b%32] // 256 is a multiple of 32: no bias
	}
	return string(buf[:])
}

// validRequestID reports whether id is short and made of the characters
// request IDs use (UUIDs, base64, trace IDs), none of which a log or a
// header would need to escape.
func validRequestID(id string) bool {
	if len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == ':' || c == '+' || c == '/' || c == '=':
		default:
			return false
		}
	}
	return true
}

// methodLabel is the method as logged: a standard one as is, any other
// (a token of up to the header limit a caller chose) as "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// routeLabel is the route pattern as logged: "" (no route took the
// request before the mux: a path not in canonical form) and the
// catch-all "/" are "unmatched".
func routeLabel(pattern string) string {
	if pattern == "" || pattern == "/" {
		return "unmatched"
	}
	return pattern
}
