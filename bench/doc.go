// Command tokenmint-bench is tokenmint's load benchmark (issue 6). It
// builds the server, starts it as a separate process on its embedded
// SQLite default (and, when a PostgreSQL DSN is given, again on a fresh
// PostgreSQL database), creates its own clients and user with the
// tokenmint CLI, and drives every scenario over loopback:
//
//	floor              GET /bench/floor: fixed 300-byte JSON, same router
//	cc-jwt-es256       client_credentials, JWT signed ES256
//	cc-pkjwt-es256     the same, the client authenticated by private_key_jwt
//	                   (an ES256 assertion per request, signed beforehand)
//	cc-dpop-es256      cc-jwt-es256 with an ES256 DPoP proof per request
//	                   (RFC 9449: the server's nonce, signed beforehand),
//	                   the token bound to the proof's key
//	cc-jwt-rs256       client_credentials, JWT signed RS256
//	cc-opaque          client_credentials, opaque token (one INSERT)
//	introspect-opaque  RFC 7662 introspection of opaque tokens
//	introspect-jwt     RFC 7662 introspection of ES256 JWTs
//	refresh            refresh_token rotation, each request using the
//	                   refresh token the previous answer on its connection
//	                   returned
//	authcode           authorization_code exchange (PKCE S256) of codes
//	                   minted through /oauth2/authorize and the login page
//	                   before the timed phase
//
// Each scenario runs closed loop (N keep-alive connections, back to back)
// to find its maximum throughput, then open loop at a fraction (80%) of
// that maximum on a fixed timeline, latency measured from each request's
// due time, for the tail latency a real load would see. The server's CPU
// time and peak RSS come from /proc. Results go to a Markdown table, a
// JSON file and a PNG chart; --soak holds one scenario at 70% of its
// maximum and watches RSS, goroutines and the database size.
//
// A Go load generator rather than wrk: wrk is closed loop only (its
// latencies hide coordinated omission), reports p99.9 only through Lua,
// and cannot feed each request the refresh token or code the previous
// answer produced. See BENCHMARKS.md for the method and the figures.
//
// It is a module of its own (github.com/tokenmint/tokenmint/bench), so
// that its dependencies, such as golang.org/x/image for the chart, stay
// out of the server's. It builds ./cmd/tokenmint of the checkout it is
// run in (--repo another, --ref a commit of it). Usage, from the
// checkout's root:
//
//	cd bench && go run . [--out DIR] [--quick] [--postgres DSN]
//	    [--scenarios a,b] [--soak 10m] ...
package main
