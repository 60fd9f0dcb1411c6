package httpapi

import (
	"math"
	"net/http"

	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// RateLimitedFunc writes a platform's own 429 answer; nil means the
// standard RFC 6749-style JSON error.
type RateLimitedFunc func(w http.ResponseWriter, r *http.Request, retryAfterSeconds int)

// LimitByIP limits next to l requests per client IP (see ClientIP), under
// the key space name. Over the limit it answers 429 with Retry-After.
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
			secs := int(math.Ceil(d.RetryAfter.Seconds()))
			if secs < 1 {
				secs = 1
			}
			if refuse != nil {
				refuse(w, r, secs)
				return
			}
			WriteError(w, r, a.log, &oauth.Error{Code: oauth.SlowDown, Description: "too many requests from this address; retry later", RetryAfter: secs})
			return
		}
		next.ServeHTTP(w, r)
	})
}
