// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, through response_mode=form_post (OAuth 2.0 Form Post
// Response Mode): the auto-submitting page's form fields are what the
// browser would post to the client, and the client gives them to
// validateAuthResponse as the form body (URLSearchParams), iss (RFC 9207)
// and state checked, then redeems the code with PKCE. Run by
// form_post_test.go:
//
//   TOKENMINT_ISSUER             the server (discovery is read from it)
//   CLIENT_ID, CLIENT_SECRET     a client_secret_basic client with the code
//                                grant, scopes openid and api, redirect URI
//                                https://app.example/callback
//   USERNAME, PASSWORD           a user to sign in as
//
// It prints one line per check and exits 1 on the first failure.
import * as oauth from 'oauth4webapi'
import { check, discover, env, hiddenFields, insecure, signIn } from './browser.mjs'

const redirectUri = 'https://app.example/callback'
const client = { client_id: env('CLIENT_ID') }
const auth = oauth.ClientSecretBasic(env('CLIENT_SECRET'))

// formPost reads the form_post page in res: the fields its form posts,
// checked to go to the redirect URI under a CSP that allows its one
// script by hash, with a <noscript> button.
async function formPost(res, what) {
  const page = await res.text()
  const csp = res.headers.get('content-security-policy') ?? ''
  const action = page.match(/<form method="post" action="([^"]*)" id="response">/)?.[1]
  check(res.status === 200 && res.headers.get('cache-control') === 'no-store' && action === redirectUri && page.includes('<noscript>'),
    `${what}: a no-store page whose form posts to the redirect URI, with a <noscript> button (${res.status})`)
  check(/script-src 'sha256-[A-Za-z0-9+/]+=*';/.test(csp) && csp.includes(`form-action ${new URL(redirectUri).origin};`) && !csp.includes('unsafe-inline'),
    `${what}: its CSP allows the one script by hash and form-action the client's origin`)
  return hiddenFields(page)
}

// request makes an authorization request in response mode form_post with
// PKCE S256, a state and a nonce; scope as given.
async function request(scope) {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const url = new URL(as.authorization_endpoint)
  url.search = new URLSearchParams({
    client_id: client.client_id, response_type: 'code', response_mode: 'form_post', redirect_uri: redirectUri,
    scope, state, nonce, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  return { url, verifier, state, nonce }
}

const as = await discover(new URL(env('TOKENMINT_ISSUER')))
check(as.response_modes_supported?.includes('form_post'), 'discovery: response_modes_supported has form_post')
check(as.authorization_response_iss_parameter_supported === true, 'discovery: authorization_response_iss_parameter_supported')

// The code, posted to the client: the request in the query, then pushed
// (PAR, RFC 9126) with the browser bringing the request_uri alone.
let fields, state
for (const pushed of [false, true]) {
  const what = pushed ? 'pushed' : 'in the query'
  const req = await request('openid api')
  let url = req.url
  if (pushed) {
    const par = await oauth.processPushedAuthorizationResponse(as, client,
      await oauth.pushedAuthorizationRequest(as, client, auth, req.url.searchParams, insecure))
    url = new URL(as.authorization_endpoint)
    url.search = new URLSearchParams({ client_id: client.client_id, request_uri: par.request_uri })
  }
  fields = await formPost(await signIn(url, env('USERNAME'), env('PASSWORD')), `${what}: after sign-in`)
  state = req.state
  check(fields.get('iss') === as.issuer && fields.get('code') && fields.get('state') === req.state, `${what}: the form posts code, state and iss`)
  const callback = oauth.validateAuthResponse(as, client, fields, req.state)
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, req.verifier, insecure),
    { expectedNonce: req.nonce, requireIdToken: true })
  check(tokens.access_token && tokens.scope === 'openid api' && oauth.getValidatedIdTokenClaims(tokens).aud === client.client_id,
    `${what}: validateAuthResponse accepts the form body; the code redeems with PKCE; the ID token validates`)
}

// The same fields with another issuer's iss: oauth4webapi refuses them
// (the mix-up defence RFC 9207 gives the client).
const mixedUp = new URLSearchParams(fields)
mixedUp.set('iss', 'https://attacker.example')
try {
  oauth.validateAuthResponse(as, client, mixedUp, state)
  throw new Error('FAIL: a form body with another iss was accepted')
} catch (err) {
  check(err instanceof oauth.OperationProcessingError && err.code === oauth.INVALID_RESPONSE, `a form body with another iss is refused (${err.message})`)
}

// An error goes the same way, with iss: a scope the client may not have.
// The person has not signed in yet; the answer comes at once.
const bad = await request('admin')
const errorFields = await formPost(await fetch(bad.url, { redirect: 'manual' }), 'an error')
try {
  oauth.validateAuthResponse(as, client, errorFields, bad.state)
  throw new Error('FAIL: an error answer was accepted')
} catch (err) {
  check(err instanceof oauth.AuthorizationResponseError && err.error === 'invalid_scope' && errorFields.get('iss') === as.issuer && !errorFields.has('code'),
    `the error answer: invalid_scope with iss (got ${err?.name} ${err?.error ?? err?.message})`)
}
console.log('PASS')
