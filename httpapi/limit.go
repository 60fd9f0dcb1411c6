package httpapi

import (
	"net/http"

	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// DefaultMaxBodyBytes bounds request bodies where a configuration leaves
// the bound zero: the standard endpoints, the login pages and the
// dialects; it is also the default of the max_body_bytes setting.
const DefaultMaxBodyBytes = 64 << 10

// RateLimitedFunc writes a platform's own 429 answer; nil means the
// standard RFC 6749-style JSON error.
type RateLimitedFunc func(w http.ResponseWriter, r *http.Request, retryAfterSeconds int)

// LimitByIP limits next to l requests per client IP (see ClientIP), under
// the key space name. Over the limit it answers 429 with Retry-After and
// error temporarily_unavailable (see oauth.RateLimited).
func (a *API) LimitByIP(name string, l ratelimit.Limit, next http.Handler, refuse RateLimitedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := name + ":ip:" + ClientIP(r, a.cfg.TrustedProxies)
		d, err := a.cfg.Limiter.Allow(r.Context(), key, l)
		if err != nil { // the limiter has its own fail-open/closed policy; this is a bug path
			WriteError(w, r, a.log, err)
			return
		}
		if !d.Allowed {
			a.cfg.Metrics.RateLimited(name)
			oe := oauth.RateLimited(d.RetryAfter, "too many requests from this address; retry later")
			if refuse != nil {
				refuse(w, r, oe.RetryAfter)
				return
			}
			WriteError(w, r, a.log, oe)
			return
		}
		next.ServeHTTP(w, r)
	})
}
