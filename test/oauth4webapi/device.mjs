// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, through the Device Authorization Grant (RFC 8628).
// Run by device_test.go, which starts the server, registers a public
// device client and a user, and approves or denies the user codes this
// script prints through the verification page:
//
//   TOKENMINT_ISSUER   the issuer (discovery is read from it)
//   DEVICE_CLIENT_ID   a public client with the device_code and
//                      refresh_token grants, scopes openid and api:read
//
// It prints "APPROVE <user_code>" and "DENY <user_code>" for the test to
// act on, one line per check, and exits 1 on the first failure.
import * as oauth from 'oauth4webapi'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('TOKENMINT_ISSUER'))
const insecure = { [oauth.allowInsecureRequests]: true } // http on a loopback address
const client = { client_id: env('DEVICE_CLIENT_ID') }
const auth = oauth.None() // a public client (RFC 8628 §5.6)
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000))

function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// refused runs a request that must be answered 400 with code.
async function refused(what, code, run) {
  try {
    await run()
  } catch (err) {
    const status = err?.status ?? err?.response?.status
    check(err instanceof oauth.ResponseBodyError && err.error === code && status === 400,
      `${what}: 400 ${code} (got ${err?.name} ${status} ${err?.error}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
check(as.device_authorization_endpoint === new URL('/oauth2/device_authorization', issuer).href,
  'discovery: device_authorization_endpoint')
check(as.grant_types_supported?.includes('urn:ietf:params:oauth:grant-type:device_code'),
  'discovery: the device_code grant type')

const start = async (scope) => oauth.processDeviceAuthorizationResponse(as, client,
  await oauth.deviceAuthorizationRequest(as, client, auth, { scope }, insecure))
const poll = async (deviceCode) => oauth.processDeviceCodeResponse(as, client,
  await oauth.deviceCodeGrantRequest(as, client, auth, deviceCode, insecure))

const approved = await start('openid api:read')
check(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/.test(approved.user_code), `user code ${approved.user_code}`)
check(approved.verification_uri === new URL('/device', issuer).href, 'verification_uri')
check(approved.verification_uri_complete === `${approved.verification_uri}?user_code=${approved.user_code}`, 'verification_uri_complete')
check(approved.interval === 5 && approved.expires_in === 600, 'interval 5 s, expires_in 600 s')
const denied = await start('api:read')

await refused('first poll before the user answered', 'authorization_pending', () => poll(approved.device_code))
await refused('a second poll at once', 'slow_down', () => poll(approved.device_code))
await refused('a scope the client may not have', 'invalid_scope', () => start('admin'))

console.log(`APPROVE ${approved.user_code}`)
console.log(`DENY ${denied.user_code}`)
await sleep(10.5) // the interval, 5 s, plus slow_down's 5 s (§3.5)

const tokens = await poll(approved.device_code)
check(typeof tokens.access_token === 'string' && tokens.token_type.toLowerCase() === 'bearer', 'access token')
check(typeof tokens.refresh_token === 'string', 'refresh token (the client has refresh_token)')
const claims = oauth.getValidatedIdTokenClaims(tokens)
check(claims?.sub && claims.aud === client.client_id, `ID token for ${claims?.sub} (openid was granted)`)
check(claims.acr === 'urn:tokenmint:pwd' && JSON.stringify(claims.amr) === '["pwd"]' && claims.auth_time && claims.sid,
  `the ID token says how the user signed in at the verification page: acr, amr, auth_time, sid (got ${claims.acr} ${JSON.stringify(claims.amr)})`)
check(tokens.scope === 'openid api:read', `scope ${tokens.scope}`)

await refused('the device code a second time', 'invalid_grant', () => poll(approved.device_code))
await refused('the refresh token of a replayed device code', 'invalid_grant', async () =>
  oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token, insecure)))
await sleep(5)
await refused('a denied device code', 'access_denied', () => poll(denied.device_code))
console.log('all device checks passed')
