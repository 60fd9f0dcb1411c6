// Package backchannel delivers OpenID Connect Back-Channel Logout 1.0
// logout tokens: when a login session ends (sign-out, a password change,
// a disabled or deleted user, sessions ended by an administrator), the
// store queues one delivery per client with a backchannel_logout_uri that
// holds tokens of that session (tokenmint.LogoutStore), in the same
// transaction. A Worker on every instance claims due deliveries under a
// lease, so that one instance delivers each, signs the logout token
// (grant.Engine.LogoutToken) and POSTs it form-encoded (§2.5), off the
// request path: a person's sign-out never waits for a relying party.
// Failures are retried with exponential back-off a bounded number of
// times, logged and audited. The HTTP client has jwksfetch's address
// policy: no loopback, private or reserved address without
// --allow-private-fetch, bounded time, bounded response reading.
package backchannel
