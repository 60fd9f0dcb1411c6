// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, through resource indicators (RFC 8707) and JWT
// introspection responses (RFC 9701). Run by resource_test.go, which
// starts the server, registers the clients and a user and passes them in
// the environment:
//
//   TOKENMINT_ISSUER          the issuer (discovery is read from it)
//   RES_A, RES_B, RES_C       resources the web client may ask for
//   WEB_CLIENT_ID, WEB_CLIENT_SECRET  a confidential client with the code,
//                             refresh and client_credentials grants,
//                             redirect URI https://app.example/callback,
//                             allowed RES_A, RES_B and RES_C
//   USERNAME, PASSWORD        a user to sign in as
//   RS_CLIENT_ID, RS_CLIENT_SECRET  the resource server of RES_A, a client
//                             registered with RES_A and
//                             introspection_signed_response_alg ES256
//
// The resource server's checks are oauth4webapi's own:
// validateJwtAccessToken (RFC 9068 and the audience) and
// processIntrospectionResponse with validateApplicationLevelSignature
// (RFC 9701: typ, iss, aud, iat, token_introspection, the signature
// against the JWKS). It prints one line per check and exits 1 on the
// first failure.
import * as oauth from 'oauth4webapi'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('TOKENMINT_ISSUER'))
// The test server listens on plain http on a loopback address.
const insecure = { [oauth.allowInsecureRequests]: true }
const [A, B, C] = [env('RES_A'), env('RES_B'), env('RES_C')]
const redirectUri = 'https://app.example/callback'

function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// refused runs a request that must be answered 400 invalid_target.
async function refused(what, run) {
  try {
    await run()
  } catch (err) {
    const status = err?.status ?? err?.response?.status
    check(err instanceof oauth.ResponseBodyError && err.error === 'invalid_target' && status === 400,
      `${what}: refused with 400 invalid_target (got ${err?.name} ${status} ${err?.error}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
check(as.introspection_signing_alg_values_supported?.includes('RS256') &&
  as.introspection_signing_alg_values_supported?.includes('ES256'), 'discovery: introspection_signing_alg_values_supported')

const web = { client_id: env('WEB_CLIENT_ID') }
const webAuth = oauth.ClientSecretBasic(env('WEB_CLIENT_SECRET'))
const rs = { client_id: env('RS_CLIENT_ID'), introspection_signed_response_alg: 'ES256' }
const rsAuth = oauth.ClientSecretBasic(env('RS_CLIENT_SECRET'))

// audience checks the JWT access token as a resource server of each of
// want would (oauth4webapi's validateJwtAccessToken), and as one of each
// of not, which must refuse it.
async function audience(token, want, not, what) {
  for (const aud of want) {
    const req = new Request(aud.startsWith('http') ? aud : 'https://rs.example/', { headers: { authorization: `Bearer ${token}` } })
    const claims = await oauth.validateJwtAccessToken(as, req, aud, insecure)
    check(claims.client_id === web.client_id, `${what}: the resource server of ${aud} accepts the token`)
  }
  for (const aud of not) {
    const req = new Request('https://rs.example/', { headers: { authorization: `Bearer ${token}` } })
    let accepted = true
    try {
      await oauth.validateJwtAccessToken(as, req, aud, insecure)
    } catch (err) {
      accepted = false
      check(err instanceof oauth.WWWAuthenticateChallengeError || err?.code === oauth.JWT_CLAIM_COMPARISON || err instanceof oauth.OperationProcessingError,
        `${what}: the resource server of ${aud} refuses the token (${err?.code ?? err?.name})`)
    }
    if (accepted) throw new Error(`FAIL: ${what}: the resource server of ${aud} accepted the token`)
  }
}

// signIn follows an authorization URL through tokenmint's login page as
// a browser would, and returns the URL it redirects to.
async function signIn(authorizationUrl) {
  let res = await fetch(authorizationUrl, { redirect: 'manual' })
  check(res.status === 200, `authorization endpoint shows the login page (${res.status})`)
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const page = await res.text()
  const form = new URLSearchParams({ username: env('USERNAME'), password: env('PASSWORD') })
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
    form.set(name, value.replaceAll('&amp;', '&').replaceAll('&#34;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&#43;', '+'))
  }
  res = await fetch(new URL('/oauth2/login', issuer), {
    method: 'POST', redirect: 'manual', body: form,
    headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
  })
  const location = res.headers.get('location')
  check(res.status === 303 && location?.startsWith(redirectUri), `login redirects to the client (${res.status})`)
  return new URL(location)
}

// 1. The authorization code flow, two resources bound to the code.
const verifier = oauth.generateRandomCodeVerifier()
const authorizationUrl = new URL(as.authorization_endpoint)
authorizationUrl.searchParams.set('client_id', web.client_id)
authorizationUrl.searchParams.set('redirect_uri', redirectUri)
authorizationUrl.searchParams.set('response_type', 'code')
authorizationUrl.searchParams.set('scope', 'api')
authorizationUrl.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
authorizationUrl.searchParams.set('code_challenge_method', 'S256')
authorizationUrl.searchParams.append('resource', A)
authorizationUrl.searchParams.append('resource', B)
const callback = oauth.validateAuthResponse(as, web, await signIn(authorizationUrl), oauth.expectNoState)
// The token request narrows to A (RFC 8707 §2.2).
let tokens = await oauth.processAuthorizationCodeResponse(as, web,
  await oauth.authorizationCodeGrantRequest(as, web, webAuth, callback, redirectUri, verifier,
    { additionalParameters: [['resource', A]], ...insecure }))
await audience(tokens.access_token, [A], [B, C], 'code exchange narrowed to A')

// 2. A refresh without resource gets the whole grant; one naming B
// narrows to it; one naming C (allowed to the client, not granted) is
// refused.
tokens = await oauth.processRefreshTokenResponse(as, web,
  await oauth.refreshTokenGrantRequest(as, web, webAuth, tokens.refresh_token, insecure))
await audience(tokens.access_token, [A, B], [C], 'refresh without resource')
await refused('refresh naming a resource outside the grant', async () =>
  oauth.processRefreshTokenResponse(as, web,
    await oauth.refreshTokenGrantRequest(as, web, webAuth, tokens.refresh_token, { additionalParameters: [['resource', C]], ...insecure })))
tokens = await oauth.processRefreshTokenResponse(as, web,
  await oauth.refreshTokenGrantRequest(as, web, webAuth, tokens.refresh_token, { additionalParameters: [['resource', B]], ...insecure }))
await audience(tokens.access_token, [B], [A, C], 'refresh narrowed to B')

// 3. client_credentials with two resources; hostile resources.
const cc = await oauth.processClientCredentialsResponse(as, web,
  await oauth.clientCredentialsGrantRequest(as, web, webAuth, [['resource', A], ['resource', C]], insecure))
await audience(cc.access_token, [A, C], [B], 'client_credentials for A and C')
for (const [what, resource] of [
  ['an unregistered resource', 'https://unregistered.example/api'],
  ['a relative URI', '/api'],
  ['a URI with a fragment', `${A}#fragment`],
]) {
  await refused(`client_credentials with ${what}`, async () =>
    oauth.processClientCredentialsResponse(as, web,
      await oauth.clientCredentialsGrantRequest(as, web, webAuth, [['resource', resource]], insecure)))
}

// 4. JWT introspection (RFC 9701): the resource server of A asks for a
// signed answer about a token meant for A (its client metadata names
// ES256, so oauth4webapi asks for a JWT and requires that alg).
const introspect = async (client, auth, token, options) => {
  const response = await oauth.introspectionRequest(as, client, auth, token, { ...options, ...insecure })
  const result = await oauth.processIntrospectionResponse(as, client, response)
  return { response, result }
}
let { response, result } = await introspect(rs, rsAuth, cc.access_token)
check(response.headers.get('content-type') === 'application/token-introspection+jwt', 'introspection answered a JWT')
await oauth.validateApplicationLevelSignature(as, response, insecure)
check(result.active === true && result.client_id === web.client_id && Array.isArray(result.aud) &&
  result.aud.includes(A) && result.aud.includes(C), `JWT introspection by the resource server: active, aud ${JSON.stringify(result.aud)}`)
;({ response, result } = await introspect(rs, rsAuth, 'not-a-token'))
await oauth.validateApplicationLevelSignature(as, response, insecure)
check(result.active === false && Object.keys(result).length === 1, 'JWT introspection of an unknown token: {"active":false}')
// The client itself, default alg RS256, asked with requestJwtResponse.
;({ response, result } = await introspect(web, webAuth, tokens.access_token, { requestJwtResponse: true }))
await oauth.validateApplicationLevelSignature(as, response, insecure)
check(result.active === true && result.aud === B, 'JWT introspection (RS256) of the narrowed refresh token\'s access token: aud B')
// Without requestJwtResponse, plain JSON.
;({ response, result } = await introspect(web, webAuth, tokens.access_token, { requestJwtResponse: false }))
check(response.headers.get('content-type') === 'application/json' && result.active === true && result.aud === B,
  'introspection without Accept: RFC 7662 JSON')
// Someone else's JWT answer is not this client's: aud names the client that asked.
let mixed = false
try {
  const response = await oauth.introspectionRequest(as, rs, rsAuth, cc.access_token, insecure)
  await oauth.processIntrospectionResponse(as, { ...web, introspection_signed_response_alg: 'ES256' }, response)
  mixed = true
} catch (err) {
  check(err?.code === oauth.JWT_CLAIM_COMPARISON, `a JWT answer for another client is refused by oauth4webapi (${err?.code})`)
}
if (mixed) throw new Error('FAIL: a JWT answer addressed to the resource server passed for the web client')
console.log('all checks passed')
