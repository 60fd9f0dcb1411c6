// Drives a running tokenmint with panva's openid-client (v6, built on
// oauth4webapi), a relying party library, through OpenID Connect: the
// Discovery document, the code flow with PKCE and a nonce and the ID
// token validated, UserInfo with the expected subject, refresh keeping
// sub, the claims parameter, login_hint, ui_locales, acr_values,
// max_age, prompt, pairwise subjects, RP-Initiated Logout and the
// Back-Channel Logout token it triggers (validated here, as the relying
// party would, per OIDC Back-Channel Logout 1.0 §2.6), the password grant,
// introspection, revocation and client_credentials. Run by oidc_test.go,
// which starts the server and registers the clients:
//
//   TOKENMINT_ISSUER             the server (discovery is read from it)
//   RP_CLIENT_ID, RP_CLIENT_SECRET  a client_secret_basic client of the code
//                                and refresh grants, scopes openid, profile,
//                                email and api, redirect URI
//                                https://app.example/callback, its
//                                backchannel_logout_uri LOGOUT_URI
//   LOGOUT_PORT                  the loopback port of that URI, listened on here
//   PAIRA_CLIENT_ID, PAIRA_CLIENT_SECRET  a pairwise client whose redirect
//                                URI is on app.example
//   PAIRB_CLIENT_ID, PAIRB_CLIENT_SECRET  a pairwise client whose redirect
//                                URI is on other.example
//   SVC_CLIENT_ID, SVC_CLIENT_SECRET  a client of client_credentials, scope api
//   PW_CLIENT_ID, PW_CLIENT_SECRET    a client of the password and refresh
//                                grants, scope openid
//   USERNAME, PASSWORD, EMAIL, NAME  a user, with an email and a name
//
// It prints one line per check and exits 1 on the first failure.
import { createServer } from 'node:http'
import * as client from 'openid-client'
import * as jose from 'jose'
import { check, env, hiddenFields } from './browser.mjs'

const issuer = new URL(env('TOKENMINT_ISSUER'))
const callback = 'https://app.example/callback'
const otherCallback = 'https://other.example/callback'
const insecure = { execute: [client.allowInsecureRequests] }

// discover reads the OpenID Provider metadata of the issuer for one
// client, authenticated with client_secret_basic.
const discover = (id, secret) => client.discovery(issuer, env(id), undefined, client.ClientSecretBasic(env(secret)), insecure)

// Browser is a person's browser on tokenmint's pages: fetch with the
// cookies it was given carried by hand, redirects not followed.
class Browser {
  cookies = new Map()

  async get(url) {
    return this.fetch(url, {})
  }

  async fetch(url, init) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, ...(cookie && { cookie }) } })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1))
    }
    return res
  }

  // authorize opens url and, when the login page shows, signs in; it
  // returns the page (its HTML, when one was shown) and the URL the
  // browser is sent to after it.
  async authorize(url, what) {
    let res = await this.get(url)
    let page = ''
    if (res.status === 200) {
      page = await res.text()
      check(page.includes('csrf_token'), `${what}: the login page`)
      const form = hiddenFields(page)
      form.set('username', env('USERNAME'))
      form.set('password', env('PASSWORD'))
      res = await this.fetch(new URL('/oauth2/login', url), {
        method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
    }
    const location = res.headers.get('location')
    check(res.status === 303 || res.status === 302, `${what}: a redirect (${res.status} to ${location})`)
    return { page, location: new URL(location, url) }
  }
}

// codeFlow runs the code flow of config in browser b with PKCE S256, a
// state and a nonce and extra parameters, redeems the code and validates
// the ID token with authorizationCodeGrant; it returns the tokens and
// what the browser saw.
async function codeFlow(config, b, what, extra = {}, redirectUri = callback) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier()
  const expectedNonce = client.randomNonce()
  const expectedState = client.randomState()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid', state: expectedState, nonce: expectedNonce,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier), code_challenge_method: 'S256', ...extra,
  })
  const { page, location } = await b.authorize(url, what)
  check(location.href.startsWith(redirectUri), `${what}: back to the client`)
  const tokens = await client.authorizationCodeGrant(config, location,
    { pkceCodeVerifier, expectedNonce, expectedState, idTokenExpected: true, maxAge: extra.max_age && Number(extra.max_age) })
  const claims = tokens.claims()
  check(claims.aud === config.clientMetadata().client_id && claims.nonce === expectedNonce && claims.iss === issuer.href.replace(/\/$/, ''),
    `${what}: authorizationCodeGrant validates the ID token (iss, aud, nonce, signature)`)
  return { tokens, claims, page }
}

// refused wants run to fail with an OAuth error code.
async function refused(what, code, run) {
  try {
    await run()
  } catch (err) {
    check(err.error === code, `${what}: ${code} (got ${err?.name} ${err?.error}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

// Back-Channel Logout: the relying party's backchannel_logout_uri. Each
// logout token is validated as §2.6 says and kept.
const logoutTokens = []
let logoutWaiter
const rpConfig = await discover('RP_CLIENT_ID', 'RP_CLIENT_SECRET')
const jwks = jose.createRemoteJWKSet(new URL(rpConfig.serverMetadata().jwks_uri))
async function validateLogoutToken(raw) {
  // §2.6 steps 1–3: a signed JWT (typ logout+jwt, §2.4) from the OP's
  // keys, with iss, aud and iat as for an ID token, and exp.
  const { payload, protectedHeader } = await jose.jwtVerify(raw, jwks, {
    issuer: rpConfig.serverMetadata().issuer, audience: env('RP_CLIENT_ID'),
    typ: 'logout+jwt', algorithms: rpConfig.serverMetadata().id_token_signing_alg_values_supported,
    requiredClaims: ['iat', 'exp', 'jti'], maxTokenAge: '5 minutes',
  })
  check(protectedHeader.alg === 'RS256', 'logout token: signed RS256 with the OP key')
  check(payload.sub || payload.sid, 'logout token: sub or sid (§2.6 step 4)')
  check(Object.keys(payload.events ?? {}).length === 1 &&
    typeof payload.events['http://schemas.openid.net/event/backchannel-logout'] === 'object', 'logout token: the back-channel logout event (step 5)')
  check(!('nonce' in payload), 'logout token: no nonce (step 6)')
  check(!logoutTokens.some((t) => t.jti === payload.jti), 'logout token: jti not seen before (step 7)')
  return payload
}
const receiver = createServer(async (req, res) => {
  let body = ''
  for await (const chunk of req) body += chunk
  try {
    check(req.method === 'POST' && req.headers['content-type'] === 'application/x-www-form-urlencoded', 'logout token: a form POST (§2.5)')
    const claims = await validateLogoutToken(new URLSearchParams(body).get('logout_token'))
    logoutTokens.push(claims)
    res.writeHead(200, { 'cache-control': 'no-store' }).end()
    logoutWaiter?.()
  } catch (err) {
    console.log(`FAIL: logout token refused: ${err.message}`)
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
    process.exitCode = 1
  }
})
await new Promise((resolve) => receiver.listen(Number(env('LOGOUT_PORT')), '127.0.0.1', resolve))

// Discovery.
const md = rpConfig.serverMetadata()
check(md.issuer === issuer.href.replace(/\/$/, '') || md.issuer === issuer.href, 'discovery: issuer')
check(md.userinfo_endpoint && md.end_session_endpoint && md.jwks_uri && md.claims_parameter_supported === true,
  'discovery: userinfo_endpoint, end_session_endpoint, jwks_uri, claims_parameter_supported')
check(md.subject_types_supported?.includes('pairwise') && md.acr_values_supported?.includes('urn:tokenmint:pwd') &&
  md.backchannel_logout_supported === true && md.backchannel_logout_session_supported === true,
'discovery: pairwise subjects, acr values, back-channel logout with sid')

// The code flow, its ID token, UserInfo and refresh.
const b = new Browser()
const first = await codeFlow(rpConfig, b, 'code flow', { scope: 'openid profile email api', login_hint: env('USERNAME'), ui_locales: 'fr-CA en-GB' })
check(first.page.includes(`value="${env('USERNAME')}"`), 'login_hint: the username field is filled in')
check(first.page.includes('<html lang="en-GB">'), 'ui_locales: the page is in the first requested language it is written in')
const id = first.claims
check(id.sub && id.sid && id.auth_time && id.acr === 'urn:tokenmint:pwd' && JSON.stringify(id.amr) === '["pwd"]',
  `ID token: sub, sid, auth_time, acr urn:tokenmint:pwd, amr ["pwd"] (got ${JSON.stringify(id)})`)
const info = await client.fetchUserInfo(rpConfig, first.tokens.access_token, id.sub)
check(info.sub === id.sub && info.email === env('EMAIL') && info.name === env('NAME'), 'fetchUserInfo: the expected sub, email and name')
try {
  await client.fetchUserInfo(rpConfig, first.tokens.access_token, 'someone-else')
  throw new Error('FAIL: fetchUserInfo expecting another sub accepted the answer')
} catch (err) {
  check(err.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', `fetchUserInfo expecting another sub: refused by the client (${err.code})`)
}
check(first.tokens.refresh_token, 'a refresh token')
const refreshed = await client.refreshTokenGrant(rpConfig, first.tokens.refresh_token)
const rid = refreshed.claims()
check(refreshed.access_token && refreshed.refresh_token && refreshed.refresh_token !== first.tokens.refresh_token,
  'refreshTokenGrant: new access and refresh tokens (rotated)')
check(rid && rid.sub === id.sub && rid.auth_time === id.auth_time && rid.acr === id.acr && JSON.stringify(rid.amr) === JSON.stringify(id.amr) && rid.sid === id.sid,
  `refreshed ID token: the same sub, auth_time, acr, amr, sid (OIDC Core §12.2) (got ${JSON.stringify(rid)})`)
await refused('the rotated refresh token used again', 'invalid_grant', () => client.refreshTokenGrant(rpConfig, first.tokens.refresh_token))

// Introspection and revocation (RFC 7662, RFC 7009).
{
  const { tokens } = await codeFlow(rpConfig, b, 'code flow in the session', { scope: 'openid api' })
  let intro = await client.tokenIntrospection(rpConfig, tokens.access_token)
  check(intro.active === true && intro.sub === id.sub && intro.client_id === env('RP_CLIENT_ID') && intro.scope === 'openid api',
    `tokenIntrospection: active, sub, client_id, scope (got ${JSON.stringify(intro)})`)
  intro = await client.tokenIntrospection(rpConfig, tokens.refresh_token, { token_type_hint: 'refresh_token' })
  check(intro.active === true, 'tokenIntrospection of the refresh token: active')
  await client.tokenRevocation(rpConfig, tokens.refresh_token, { token_type_hint: 'refresh_token' })
  check((await client.tokenIntrospection(rpConfig, tokens.refresh_token)).active === false, 'tokenRevocation: the refresh token is no longer active')
  await client.tokenRevocation(rpConfig, tokens.access_token)
  check((await client.tokenIntrospection(rpConfig, tokens.access_token)).active === false, 'tokenRevocation: the access token is no longer active')
  try {
    await client.fetchUserInfo(rpConfig, tokens.access_token, id.sub)
    throw new Error('FAIL: fetchUserInfo with a revoked access token succeeded')
  } catch (err) {
    check(err instanceof client.WWWAuthenticateChallengeError && err.cause?.[0]?.scheme === 'bearer' && err.cause[0].parameters.error === 'invalid_token',
      `fetchUserInfo with a revoked access token: a Bearer challenge, invalid_token (RFC 6750 §3) (got ${err?.name} ${JSON.stringify(err?.cause)})`)
  }
  await refused('refreshTokenGrant with a revoked refresh token', 'invalid_grant', () => client.refreshTokenGrant(rpConfig, tokens.refresh_token))
  await client.tokenRevocation(rpConfig, 'not-a-token')
  check(true, 'tokenRevocation of an unknown token: 200 (RFC 7009 §2.2)')
}

// The claims parameter (OIDC Core §5.5): email at UserInfo and name in
// the ID token, without the email and profile scopes.
{
  const claims = JSON.stringify({ userinfo: { email: null }, id_token: { name: { essential: true } } })
  const { tokens, claims: c } = await codeFlow(rpConfig, b, 'claims parameter', { scope: 'openid', claims })
  check(c.name === env('NAME') && c.email === undefined, `claims parameter: name in the ID token, not email (got ${c.name}, ${c.email})`)
  const ui = await client.fetchUserInfo(rpConfig, tokens.access_token, c.sub)
  check(ui.email === env('EMAIL') && ui.name === undefined, `claims parameter: email at UserInfo, not name (got ${JSON.stringify(ui)})`)
  const r = (await client.refreshTokenGrant(rpConfig, tokens.refresh_token)).claims()
  check(r.name === env('NAME'), 'claims parameter: kept by the refreshed ID token')
  // A sub value (§5.5.1): only that user's session answers.
  const mine = await codeFlow(rpConfig, b, 'claims sub of the signed-in user', { prompt: 'none', claims: JSON.stringify({ id_token: { sub: { value: c.sub } } }) })
  check(mine.claims.sub === c.sub, 'claims parameter: sub value of the signed-in user, a code at once')
  const st = client.randomState()
  const url = client.buildAuthorizationUrl(rpConfig, {
    redirect_uri: callback, scope: 'openid', state: st, prompt: 'none', claims: JSON.stringify({ id_token: { sub: { value: 'someone-else' } } }),
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  })
  const { location } = await b.authorize(url, 'claims sub of another user')
  await refused('claims parameter: sub value of another user, prompt=none', 'login_required', () =>
    client.authorizationCodeGrant(rpConfig, location, { expectedState: st, pkceCodeVerifier: client.randomPKCECodeVerifier() }))
}

// acr_values → acr; max_age → auth_time (openid-client checks it is
// there and recent enough).
{
  const { claims: c } = await codeFlow(rpConfig, b, 'acr_values', { acr_values: 'urn:example:mfa 0' })
  check(c.acr === '0', `acr_values: acr is the first value the sign-in meets (got ${c.acr})`)
  const { claims: d, page } = await codeFlow(rpConfig, b, 'max_age', { max_age: '3600' })
  check(page === '' && d.auth_time === id.auth_time, 'max_age 3600: no new sign-in, auth_time of the session')
  await new Promise((r) => setTimeout(r, 1100))
  const { claims: e, page: p2 } = await codeFlow(rpConfig, b, 'max_age=0', { max_age: '0' })
  check(p2 !== '' && e.auth_time > id.auth_time, 'max_age 0: the person signs in again, a later auth_time')
}

// prompt=none: with the session, a code at once; without, login_required.
// prompt=login: the login page even with a session. max_age with
// prompt=none and a session older than it: login_required.
{
  const { page: again, claims: l } = await codeFlow(rpConfig, b, 'prompt=login', { prompt: 'login' })
  check(again !== '' && l.auth_time >= id.auth_time, 'prompt=login: the login page although signed in')
  await new Promise((r) => setTimeout(r, 1100))
  const st = client.randomState()
  const old = client.buildAuthorizationUrl(rpConfig, {
    redirect_uri: callback, scope: 'openid', state: st, prompt: 'none', max_age: '1',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  })
  const { location: tooOld } = await b.authorize(old, 'prompt=none, max_age older than the session')
  await refused('prompt=none with max_age shorter than the session', 'login_required', () =>
    client.authorizationCodeGrant(rpConfig, tooOld, { expectedState: st, pkceCodeVerifier: client.randomPKCECodeVerifier() }))

  const { page } = await codeFlow(rpConfig, b, 'prompt=none with a session', { prompt: 'none' })
  check(page === '', 'prompt=none with a session: no page shown')
  const state = client.randomState()
  const url = client.buildAuthorizationUrl(rpConfig, {
    redirect_uri: callback, scope: 'openid', state, prompt: 'none',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  })
  const { location } = await new Browser().authorize(url, 'prompt=none without a session')
  await refused('prompt=none without a session', 'login_required', () =>
    client.authorizationCodeGrant(rpConfig, location, { expectedState: state, pkceCodeVerifier: client.randomPKCECodeVerifier() }))
}

// Pairwise subjects (OIDC Core §8.1): two clients of different sectors
// see the person under different subs, each stable.
{
  const a = await discover('PAIRA_CLIENT_ID', 'PAIRA_CLIENT_SECRET')
  // openid-client's default: the secret alone, sent as client_secret_post.
  const bb = await client.discovery(issuer, env('PAIRB_CLIENT_ID'), env('PAIRB_CLIENT_SECRET'), undefined, insecure)
  const a1 = (await codeFlow(a, b, 'pairwise A')).claims
  const a2 = (await codeFlow(a, b, 'pairwise A again')).claims
  const b1 = await codeFlow(bb, b, 'pairwise B', {}, otherCallback)
  check(a1.sub === a2.sub && a1.sub !== b1.claims.sub && a1.sub !== id.sub && b1.claims.sub !== id.sub,
    'pairwise: stable per client, different between sectors and from the public sub')
  const ui = await client.fetchUserInfo(bb, b1.tokens.access_token, b1.claims.sub)
  check(ui.sub === b1.claims.sub, 'pairwise: UserInfo says the same pairwise sub')
}

// client_credentials: an access token for the client itself.
{
  const svc = await client.discovery(issuer, env('SVC_CLIENT_ID'), env('SVC_CLIENT_SECRET'), undefined, insecure) // client_secret_post
  const t = await client.clientCredentialsGrant(svc, { scope: 'api' })
  check(t.access_token && t.token_type.toLowerCase() === 'bearer' && t.scope === 'api' && !t.id_token && !t.refresh_token,
    'clientCredentialsGrant: an access token, no ID token nor refresh token')
  const intro = await client.tokenIntrospection(svc, t.access_token)
  check(intro.active === true && intro.client_id === env('SVC_CLIENT_ID'), 'clientCredentialsGrant: its token introspects active')
  try {
    await client.fetchUserInfo(svc, t.access_token, client.skipSubjectCheck)
    throw new Error('FAIL: UserInfo answered a client_credentials token')
  } catch (err) {
    check(err instanceof client.WWWAuthenticateChallengeError && err.status === 403 && err.cause?.[0]?.parameters.error === 'insufficient_scope',
      `fetchUserInfo with a client_credentials token: 403, a Bearer challenge, insufficient_scope (got ${err?.name} ${err?.status} ${JSON.stringify(err?.cause)})`)
  }
  await refused('clientCredentialsGrant for a scope the client lacks', 'invalid_scope', () => client.clientCredentialsGrant(svc, { scope: 'admin' }))
}

// The password grant (RFC 6749 §4.3), through genericGrantRequest: its
// ID token says a password (acr, amr ["pwd"]), and so does the ID token
// of its refresh, with the same auth_time (OIDC Core §12.2).
{
  const pw = await discover('PW_CLIENT_ID', 'PW_CLIENT_SECRET')
  const t = await client.genericGrantRequest(pw, 'password', { username: env('USERNAME'), password: env('PASSWORD'), scope: 'openid' })
  const c = t.claims()
  check(c.sub === id.sub && c.acr === 'urn:tokenmint:pwd' && JSON.stringify(c.amr) === '["pwd"]' && c.auth_time,
    `password grant: the ID token has sub, acr urn:tokenmint:pwd, amr ["pwd"], auth_time (got ${JSON.stringify(c)})`)
  await new Promise((r) => setTimeout(r, 1100))
  const r = (await client.refreshTokenGrant(pw, t.refresh_token)).claims()
  check(r.sub === c.sub && r.acr === c.acr && JSON.stringify(r.amr) === JSON.stringify(c.amr) && r.auth_time === c.auth_time && r.iat > c.iat,
    `password grant, refreshed: the same sub, acr, amr, auth_time, a new iat (got ${JSON.stringify(r)})`)
}

// RP-Initiated Logout: buildEndSessionUrl with the ID token as hint and
// a post_logout_redirect_uri; the relying party then gets a logout token
// for the session (sid and sub of its ID token).
{
  const { tokens, claims: c } = await codeFlow(rpConfig, b, 'before logout')
  const state = client.randomState()
  const delivered = new Promise((resolve) => { logoutWaiter = resolve })
  const url = client.buildEndSessionUrl(rpConfig, { id_token_hint: tokens.id_token, post_logout_redirect_uri: callback, state })
  const res = await b.get(url)
  const location = new URL(res.headers.get('location') ?? 'about:blank')
  check([302, 303].includes(res.status) && location.origin + location.pathname === callback && location.searchParams.get('state') === state,
    `buildEndSessionUrl: back to post_logout_redirect_uri with state (${res.status} ${location})`)
  let timer
  await Promise.race([delivered, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('FAIL: no logout token in 20 s')), 20000) })])
  clearTimeout(timer)
  const lt = logoutTokens.at(-1)
  check(lt.sid === c.sid && lt.sub === c.sub, 'back-channel logout: the token names the sid and sub of the ID token')
  const state2 = client.randomState()
  const url2 = client.buildAuthorizationUrl(rpConfig, {
    redirect_uri: callback, scope: 'openid', state: state2, prompt: 'none',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
  })
  const { location: after } = await b.authorize(url2, 'prompt=none after logout')
  await refused('prompt=none after logout', 'login_required', () =>
    client.authorizationCodeGrant(rpConfig, after, { expectedState: state2, pkceCodeVerifier: client.randomPKCECodeVerifier() }))
}
// RP-Initiated Logout with the ID token alone naming the client (no
// client_id, as relying parties other than openid-client send it); a
// hint of another client is refused and nobody is redirected.
{
  const { tokens } = await codeFlow(rpConfig, b, 'before logout by id_token_hint')
  const a = await discover('PAIRA_CLIENT_ID', 'PAIRA_CLIENT_SECRET')
  const other = await codeFlow(a, b, 'another client before logout')
  const wrong = client.buildEndSessionUrl(rpConfig, { id_token_hint: other.tokens.id_token, post_logout_redirect_uri: callback })
  let res = await b.get(wrong)
  check(res.status === 400 && !res.headers.get('location') && (await res.text()).includes('invalid_request'),
    `end session with another client's id_token_hint: 400 invalid_request, no redirect (${res.status})`)
  const delivered = new Promise((resolve) => { logoutWaiter = resolve })
  const url = client.buildEndSessionUrl(rpConfig, { id_token_hint: tokens.id_token, post_logout_redirect_uri: callback, state: 'bye' })
  url.searchParams.delete('client_id')
  res = await b.get(url)
  check([302, 303].includes(res.status) && res.headers.get('location') === `${callback}?state=bye`,
    `end session with id_token_hint and no client_id: back to post_logout_redirect_uri (${res.status} ${res.headers.get('location')})`)
  let timer
  await Promise.race([delivered, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('FAIL: no logout token in 20 s')), 20000) })])
  clearTimeout(timer)
  check(logoutTokens.at(-1).sid === tokens.claims().sid, 'back-channel logout: a logout token for that session')
}
receiver.close()
if (process.exitCode) throw new Error('FAIL: a logout token was refused')
console.log('PASS')
