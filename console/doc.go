// Package console is tokenmint's web console (issue 17): the operator
// pages at /console/ on the admin listener (overview, clients, users,
// keys, audit log) and, with serve --self-service, the self-service pages
// at /apps/ on the public listener, where a signed-in user manages the
// apps (clients) they own within the operator's policy.
//
// It is a client of its own server. Sign-in is the authorization code
// flow with PKCE (RFC 7636) through the real /oauth2/authorize and its
// login page, as the public client ClientID, which EnsureClient creates at
// start on every instance (idempotently). The code is exchanged in
// process (grant.Engine.Token) for an opaque access token, and that token
// is the session: the cookie holds it, the store holds only its keyed
// hash, and every request checks it as any bearer token is checked
// (grant.Engine.ValidateBearer), so expiry, the idle timeout, sign-out
// (revocation), a password change, disabling the user or ending their
// sessions end a console session on every instance at once. The user's
// role is read on every request: only users with the admin role reach
// /console/.
//
// Every change goes through the same operations the admin API uses:
// client documents are decoded and validated by package clientmeta from
// the form (the form's fields are the admin API's members), and applied
// by package registry with the signed-in user as the audit actor
// (registry.WithActor). No business rule lives here.
//
// The pages are server-rendered with html/template from embedded
// templates, with one embedded stylesheet and one small script that only
// adds copy buttons (every page works without it); nothing is loaded from
// elsewhere. Each answer carries a strict Content-Security-Policy,
// X-Frame-Options: DENY and no-store; each form carries a CSRF token
// bound to the session, and cross-origin posts are refused before it is
// read (http.CrossOriginProtection).
package console
