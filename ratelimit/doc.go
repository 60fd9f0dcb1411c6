// Package ratelimit limits how often something may happen per key: token
// issuance per client IP and per client, failed logins per username and
// per IP. It is a small layer the server consults before doing expensive
// or sensitive work; it knows nothing of HTTP or OAuth.
//
// A Limiter's limit is a Generic Cell Rate Algorithm (GCRA, the "virtual
// scheduling" algorithm of ITU-T I.371 and ATM Forum TM 4.0). A Limit of
// Count events Per period emits one event every Per/Count and tolerates a
// burst of Count. GCRA keeps a single number per key, the theoretical
// arrival time (TAT) of the next event, so memory per key is constant,
// refill is smooth rather than a cliff at the end of a fixed window, and
// the wait until the next event is allowed is exact: the HTTP edge can
// answer 429 (RFC 6585 §4) with a truthful Retry-After (RFC 9110 §10.2.3).
//
// Two Limiters implement the algorithm: Memory, for a single instance,
// and Redis, for several instances behind a load balancer that must share
// one budget. Both pass the same test suite. WithFallback decides what
// happens when the backend fails (fail open or closed) so that callers
// never handle a limiter error, and Throttle applies a limit to login
// failures.
//
// A limit documented as "N per period" that must hold over every period
// (Epicollect5's "10 tokens per hour per IP address") is a Window instead:
// a sliding log of the events in the last Per, at most Count of them, so
// that N events are allowed in any rolling period and the N+1th waits
// until the oldest leaves it. An event is reserved before the work it
// stands for and cancelled when the work fails, so that only what
// happened counts and concurrent requests cannot overshoot. MemoryWindow
// and RedisWindow (a sorted set per key, one Lua script per decision)
// pass one suite; WindowWithFallback applies the same fail policy.
package ratelimit
