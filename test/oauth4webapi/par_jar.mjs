// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, through Pushed Authorization Requests (RFC 9126) and
// signed request objects (JAR, RFC 9101): the authorization code flow
// with PKCE, its answer validated by validateAuthResponse (iss, RFC
// 9207), and the hostile requests each refused with its error. Run by
// par_jar_test.go, which starts the servers and registers the clients:
//
//   TOKENMINT_ISSUER            the server (discovery is read from it)
//   BASIC_CLIENT_ID, BASIC_CLIENT_SECRET, BASIC_JWK  a client_secret_basic
//                               client and the private JWK (ES256) of its
//                               jwks, which signs its request objects
//   PK_CLIENT_ID, PK_JWK        a private_key_jwt client and its private JWK
//   OTHER_JWK                   the private JWK of a third client
//   PARONLY_CLIENT_ID, PARONLY_CLIENT_SECRET  a client registered with
//                               require_pushed_authorization_requests
//   STRICT_ISSUER, STRICT_CLIENT_ID, STRICT_CLIENT_SECRET  a second server,
//                               started with require_pushed_authorization_requests,
//                               and a client_secret_basic client of it
//   USERNAME, PASSWORD          a user of both servers
//
// Every client has the code grant, scopes openid and api, and the
// redirect URI https://app.example/callback. It prints one line per
// check and exits 1 on the first failure.
import * as oauth from 'oauth4webapi'
import { check, discover, env, errorPage, insecure, signIn } from './browser.mjs'

const redirectUri = 'https://app.example/callback'

async function privateKey(name) {
  const jwk = JSON.parse(env(name))
  return { key: await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']), kid: jwk.kid }
}

// refused runs a request that must be answered status with code. Failed
// HTTP Basic authentication is answered with a Basic challenge as well
// (RFC 6749 §5.2), which oauth4webapi reports before the body.
async function refused(what, status, code, run) {
  try {
    await run()
  } catch (err) {
    let body = err
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      check(err.cause.some((c) => c.scheme === 'basic'), `${what}: a Basic challenge`)
      body = await err.response.json()
    }
    check((err instanceof oauth.ResponseBodyError || err instanceof oauth.WWWAuthenticateChallengeError) &&
      body.error === code && err.status === status,
    `${what}: ${status} ${code} (got ${err?.name} ${err?.status} ${body?.error}: ${body?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

// authRequest makes the parameters of one authorization request: the
// code flow with PKCE S256, a state and a nonce, and extra ones.
async function authRequest(extra = {}) {
  const verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const params = new URLSearchParams({
    response_type: 'code', redirect_uri: redirectUri, scope: 'openid api', state, nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  })
  return { params, verifier, state, nonce, maxAge: extra.max_age && Number(extra.max_age) }
}

// authorizeURL is the authorization endpoint of as with the client's
// client_id and params.
function authorizeURL(as, c, params) {
  const url = new URL(as.authorization_endpoint)
  url.searchParams.set('client_id', c.client.client_id)
  for (const [k, v] of params) url.searchParams.set(k, v)
  return url
}

// push sends params to the PAR endpoint of as and returns the
// request_uri, checking the RFC 9126 §2.2 answer.
async function push(as, c, params, what) {
  const res = await oauth.pushedAuthorizationRequest(as, c.client, c.auth, params, insecure)
  const par = await oauth.processPushedAuthorizationResponse(as, c.client, res) // throws unless 201
  check(res.headers.get('cache-control') === 'no-store' && par.request_uri.startsWith('urn:ietf:params:oauth:request_uri:') &&
    par.expires_in === 60, `${what}: PAR answers 201 with a request_uri for 60 s, no-store`)
  return par.request_uri
}

// complete signs in at url, validates the answer (iss, state), redeems
// the code with the PKCE verifier and validates the ID token (nonce, and
// auth_time when the request had max_age).
async function complete(as, c, url, req, what) {
  const res = await signIn(url, env('USERNAME'), env('PASSWORD'))
  const location = res.headers.get('location')
  check(res.status === 303 && location?.startsWith(redirectUri), `${what}: the login redirects to the client (${res.status})`)
  const callback = oauth.validateAuthResponse(as, c.client, new URL(location), req.state)
  check(new URL(location).searchParams.get('iss') === as.issuer, `${what}: iss in the answer (RFC 9207)`)
  const tokens = await oauth.processAuthorizationCodeResponse(as, c.client,
    await oauth.authorizationCodeGrantRequest(as, c.client, c.auth, callback, redirectUri, req.verifier, insecure),
    { expectedNonce: req.nonce, requireIdToken: true, maxAge: req.maxAge })
  const claims = oauth.getValidatedIdTokenClaims(tokens)
  check(tokens.access_token && tokens.scope === 'openid api' && claims.aud === c.client.client_id,
    `${what}: tokens and an ID token for the client`)
}

// refusedUnpushed wants a plain authorization request answered with an
// invalid_request redirect, which validateAuthResponse reports.
async function refusedUnpushed(as, c, what) {
  const req = await authRequest()
  const res = await fetch(authorizeURL(as, c, req.params), { redirect: 'manual' })
  check(res.headers.get('location')?.startsWith(redirectUri), `${what}: a request that did not come through PAR goes back to the client (${res.status})`)
  try {
    oauth.validateAuthResponse(as, c.client, new URL(res.headers.get('location')), req.state)
  } catch (err) {
    check(err instanceof oauth.AuthorizationResponseError && err.error === 'invalid_request',
      `${what}: a request that did not come through PAR is refused, invalid_request (got ${err?.name} ${err?.error ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: a request that did not come through PAR was accepted`)
}

const as = await discover(new URL(env('TOKENMINT_ISSUER')))
check(as.pushed_authorization_request_endpoint === new URL('/oauth2/par', as.issuer).href, 'discovery: pushed_authorization_request_endpoint')
check(as.require_pushed_authorization_requests === false, 'discovery: require_pushed_authorization_requests false')
check(as.request_parameter_supported === true && as.request_object_signing_alg_values_supported?.includes('ES256') &&
  !as.request_object_signing_alg_values_supported.some((a) => a === 'none' || a.startsWith('HS')),
'discovery: request objects, asymmetric algorithms only')
check(as.authorization_response_iss_parameter_supported === true, 'discovery: authorization_response_iss_parameter_supported')

const basic = {
  client: { client_id: env('BASIC_CLIENT_ID') },
  auth: oauth.ClientSecretBasic(env('BASIC_CLIENT_SECRET')),
  key: await privateKey('BASIC_JWK'),
}
const pkKey = await privateKey('PK_JWK')
const pk = { client: { client_id: env('PK_CLIENT_ID') }, auth: oauth.PrivateKeyJwt(pkKey), key: pkKey }

// PAR, the client authenticated with client_secret_basic, then with
// private_key_jwt; the browser brings client_id and request_uri alone.
for (const [name, c] of [['client_secret_basic', basic], ['private_key_jwt', pk]]) {
  const req = await authRequest()
  const uri = await push(as, c, req.params, `PAR (${name})`)
  const url = authorizeURL(as, c, new URLSearchParams({ request_uri: uri }))
  await complete(as, c, url, req, `PAR (${name})`)
  await errorPage(url, 'invalid_request_uri', `PAR (${name}): the request_uri replayed`)
}

// JAR: oauth4webapi signs the request object with the client's key, by
// value at the authorization endpoint (with max_age, which the object
// carries as a number), then inside a PAR body.
{
  const req = await authRequest({ max_age: '300' })
  const request = await oauth.issueRequestObject(as, basic.client, req.params, basic.key)
  const url = authorizeURL(as, basic, new URLSearchParams({ request }))
  await complete(as, basic, url, req, 'JAR by value')
  await errorPage(url, 'invalid_request_object', 'JAR by value: the request object replayed (its jti)')
}
{
  const req = await authRequest()
  const request = await oauth.issueRequestObject(as, pk.client, req.params, pk.key)
  const uri = await push(as, pk, new URLSearchParams({ request }), 'JAR in PAR')
  await complete(as, pk, authorizeURL(as, pk, new URLSearchParams({ request_uri: uri })), req, 'JAR in PAR')
}

// Hostile requests.
{
  const req = await authRequest()
  const forged = await oauth.issueRequestObject(as, basic.client, req.params, await privateKey('OTHER_JWK'))
  await errorPage(authorizeURL(as, basic, new URLSearchParams({ request: forged })), 'invalid_request_object',
    "a request object signed with another client's key, at the authorization endpoint")
  await refused("a request object signed with another client's key, in PAR", 400, 'invalid_request_object', async () =>
    push(as, basic, new URLSearchParams({ request: forged }), 'forged'))
  const otherAud = await oauth.issueRequestObject(as, basic.client, req.params, basic.key,
    { [oauth.modifyAssertion]: (_h, p) => { p.aud = 'https://other.example' } })
  await refused('a request object for another audience, in PAR', 400, 'invalid_request_object', async () =>
    push(as, basic, new URLSearchParams({ request: otherAud }), 'another audience'))

  for (const [name, c] of [['client_secret_basic', basic], ['private_key_jwt', pk]]) {
    await refused(`PAR without client authentication (${name} client)`, 401, 'invalid_client', async () =>
      oauth.processPushedAuthorizationResponse(as, c.client,
        await oauth.pushedAuthorizationRequest(as, c.client, oauth.None(), req.params, insecure)))
  }
  await refused('PAR with a wrong secret', 401, 'invalid_client', async () =>
    push(as, { client: basic.client, auth: oauth.ClientSecretBasic('tmcs_' + 'x'.repeat(64)) }, req.params, 'wrong secret'))

  const uri = await push(as, basic, req.params, "another client's request_uri")
  await errorPage(authorizeURL(as, pk, new URLSearchParams({ request_uri: uri })), 'invalid_request_uri',
    "a request_uri brought with another client's client_id")
}

// require_pushed_authorization_requests: a client registered with it,
// then a server started with it, which discovery says.
{
  const paronly = { client: { client_id: env('PARONLY_CLIENT_ID') }, auth: oauth.ClientSecretBasic(env('PARONLY_CLIENT_SECRET')) }
  await refusedUnpushed(as, paronly, 'a client that requires PAR')
  const req = await authRequest()
  const uri = await push(as, paronly, req.params, 'a client that requires PAR')
  await complete(as, paronly, authorizeURL(as, paronly, new URLSearchParams({ request_uri: uri })), req, 'a client that requires PAR')
}
{
  const strictAS = await discover(new URL(env('STRICT_ISSUER')))
  check(strictAS.require_pushed_authorization_requests === true && strictAS.pushed_authorization_request_endpoint,
    'discovery of a server that requires PAR: require_pushed_authorization_requests true')
  const strict = { client: { client_id: env('STRICT_CLIENT_ID') }, auth: oauth.ClientSecretBasic(env('STRICT_CLIENT_SECRET')) }
  await refusedUnpushed(strictAS, strict, 'a server that requires PAR')
  const req = await authRequest()
  const uri = await push(strictAS, strict, req.params, 'a server that requires PAR')
  await complete(strictAS, strict, authorizeURL(strictAS, strict, new URLSearchParams({ request_uri: uri })), req, 'a server that requires PAR')
}
console.log('PASS')
