// Package registration serves dynamic client registration on the public
// listener: the registration endpoint of RFC 7591 (POST /oauth2/register)
// and the client configuration endpoint of RFC 7592 (GET, PUT and DELETE
// on /oauth2/register/{client_id}), and mints the initial access tokens
// an operator hands out (`tokenmint registration-token create`).
//
// Who may register is the operator's policy (Policy.Mode): nobody (the
// routes are not mounted), the holders of an initial access token, or
// anyone. What a registered client may get is bounded by the policy too:
// its grant types, scopes and token endpoint authentication methods, and
// its redirect URIs by tokenmint.CheckRedirectURI, the rule of every path
// that registers clients. A request outside the policy is refused with
// the errors of RFC 7591 §3.2.2; it is never narrowed silently. The
// scopes of tokenmint's admin plane (tokenmint:*) are never granted here.
//
// A registered client is an untrusted third party: it always gets the
// consent page (tokenmint.Client.RequireConsent), a public one must use
// PKCE with S256, and none of tokenmint's operator-only client settings
// (custom claims, audience, lifetimes, platform profiles) can be set
// through registration.
//
// Every credential is stored only as a keyed hash: the initial access
// tokens, the client secrets and the registration access tokens, which
// are compared in constant time.
package registration
