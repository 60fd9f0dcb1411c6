package epicollect

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tokenmint/tokenmint/oauth"
	"github.com/tokenmint/tokenmint/ratelimit"
)

// Keys of the limits this endpoint applies itself, per client IP.
func quotaKey(ip string) string      { return "epicollect:tokens:ip:" + ip }
func failedAuthKey(ip string) string { return "clientauth:ip:" + ip }

// admit applies, before the client is authenticated, the limits this
// endpoint answers itself. A client IP with too many failed client
// authentications is refused (d.FailedAuth: a wrong secret costs no
// token, but guessing is limited as at the sign-in page). Then one token
// is reserved in the IP's rolling quota, "10 tokens per hour per IP
// address" (h.quota): reserving before the engine runs keeps concurrent
// requests from overshooting it, and failed releases the reservation
// when no token was issued. When ok is false the 429 has been written.
func (h *handler) admit(w http.ResponseWriter, r *http.Request, ip string) (res ratelimit.Reservation, ok bool) {
	ctx := r.Context()
	if th := h.d.FailedAuth; th.Limiter != nil && !th.Limit.IsZero() {
		d, err := th.Check(ctx, failedAuthKey(ip))
		if err != nil { // the limiter has its own fail-open/closed policy; this is a bug path
			h.writeError(w, r, err)
			return res, false
		}
		if !d.Allowed {
			h.d.Metrics.RateLimited("epicollect_failed_auth")
			h.tooMany(w, max(1, d.RetryAfterSeconds()), "too many failed client authentications from this address")
			return res, false
		}
	}
	if h.quota.IsZero() {
		return res, true
	}
	res, err := h.d.Window.Reserve(ctx, quotaKey(ip), h.quota)
	if err != nil {
		h.writeError(w, r, err)
		return res, false
	}
	if !res.Allowed {
		h.d.Metrics.RateLimited("epicollect_tokens")
		h.quotaHeaders(w, res)
		retry := max(1, res.RetryAfterSeconds())
		h.tooMany(w, retry, "at most "+strconv.Itoa(h.quota.Count)+" tokens per "+period(h.quota)+
			" from one address; the next can be had in "+strconv.Itoa(retry)+" s")
		return res, false
	}
	return res, true
}

// failed undoes the reservation of a request that issued no token, and
// counts a failed client authentication against the client IP.
func (h *handler) failed(ctx context.Context, ip string, res ratelimit.Reservation, err error) {
	ctx = context.WithoutCancel(ctx) // a client that went away still frees its slot
	if !h.quota.IsZero() {
		if cerr := h.d.Window.Cancel(ctx, res); cerr != nil {
			h.d.Log().WarnContext(ctx, "epicollect: release a token reservation", "err", cerr)
		}
	}
	th := h.d.FailedAuth
	if oe, ok := oauth.As(err); ok && oe.Code == oauth.InvalidClient && th.Limiter != nil && !th.Limit.IsZero() {
		if ferr := th.Fail(ctx, failedAuthKey(ip)); ferr != nil {
			h.d.Log().WarnContext(ctx, "epicollect: record a failed client authentication", "err", ferr)
		}
	}
}

// quotaHeaders are the headers Laravel's throttle middleware sends with
// every answer of a limited route: the limit and what is left of it.
func (h *handler) quotaHeaders(w http.ResponseWriter, res ratelimit.Reservation) {
	if h.quota.IsZero() {
		return
	}
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(h.quota.Count))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
}

// period names a limit's period for people: "hour" for the documented
// one, else the duration as in the configuration ("15m").
func period(l ratelimit.Limit) string {
	if l.Per == time.Hour {
		return "hour"
	}
	_, per, _ := strings.Cut(l.String(), "/")
	return per
}
