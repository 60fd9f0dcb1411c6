// Drives a running tokenmint with oauth4webapi (panva) through DPoP (RFC
// 9449): its DPoP() handle signs the proofs, isDPoPNonceError tells a
// nonce challenge, and one retry with the nonce the server handed out
// succeeds, at the token endpoint (client_credentials, the password grant
// of a public client, refresh) and at UserInfo. Run by dpop_test.go:
//
//   TOKENMINT_ISSUER               the issuer (discovery is read from it)
//   CC_CLIENT_ID, CC_CLIENT_SECRET a confidential client_credentials client
//   PUB_CLIENT_ID                  a public client with the password and
//                                  refresh_token grants, openid profile
//   USERNAME, PASSWORD             a user to sign in as
//
// It prints one line per check and exits 1 on the first failure.
import * as oauth from 'oauth4webapi'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('TOKENMINT_ISSUER'))
const insecure = { [oauth.allowInsecureRequests]: true }
function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// withNonce runs a request and, on a DPoP nonce challenge, once more (the
// DPoP handle has cached the nonce from the answer).
async function withNonce(what, run) {
  try {
    return await run()
  } catch (err) {
    check(oauth.isDPoPNonceError(err), `${what}: a nonce challenge first (got ${err?.name}: ${err?.error ?? err?.message})`)
    return await run()
  }
}

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
check(as.dpop_signing_alg_values_supported?.includes('ES256'), 'discovery: dpop_signing_alg_values_supported')

// client_credentials with DPoP.
const cc = { client_id: env('CC_CLIENT_ID') }
const ccKey = await oauth.generateKeyPair('ES256')
const ccDPoP = oauth.DPoP(cc, ccKey)
const ccTok = await withNonce('client_credentials', async () =>
  oauth.processClientCredentialsResponse(as, cc,
    await oauth.clientCredentialsGrantRequest(as, cc, oauth.ClientSecretPost(env('CC_CLIENT_SECRET')), new URLSearchParams({ scope: 'api' }), { DPoP: ccDPoP, ...insecure })))
check(ccTok.token_type === 'dpop', `client_credentials: token_type DPoP (got ${ccTok.token_type})`)
// A second request uses the cached nonce: no challenge.
const again = await oauth.processClientCredentialsResponse(as, cc,
  await oauth.clientCredentialsGrantRequest(as, cc, oauth.ClientSecretPost(env('CC_CLIENT_SECRET')), new URLSearchParams({ scope: 'api' }), { DPoP: ccDPoP, ...insecure }))
check(again.token_type === 'dpop', 'client_credentials again with the cached nonce')

// A public client: password grant, UserInfo, refresh, all with one key.
const pub = { client_id: env('PUB_CLIENT_ID') }
const key = await oauth.generateKeyPair('ES256')
const DPoP = oauth.DPoP(pub, key)
const tok = await withNonce('password grant', async () =>
  oauth.processGenericTokenEndpointResponse(as, pub,
    await oauth.genericTokenEndpointRequest(as, pub, oauth.None(), 'password',
      new URLSearchParams({ username: env('USERNAME'), password: env('PASSWORD'), scope: 'openid profile' }), { DPoP, ...insecure })))
check(tok.token_type === 'dpop' && tok.refresh_token, 'password grant: a DPoP-bound token and a refresh token')

const info = await oauth.processUserInfoResponse(as, pub, oauth.skipSubjectCheck,
  await oauth.userInfoRequest(as, pub, tok.access_token, { DPoP, ...insecure }))
check(info.preferred_username === env('USERNAME'), 'userinfo with the DPoP scheme and a proof')

// The same token without its proof is refused.
const bare = await fetch(as.userinfo_endpoint, { headers: { authorization: `Bearer ${tok.access_token}` } })
check(bare.status === 401 && /^DPoP /.test(bare.headers.get('www-authenticate') ?? ''), 'userinfo refuses the bound token as a bearer token, with a DPoP challenge')

// A refresh with another key is refused; with the family's key it works.
const otherDPoP = oauth.DPoP(pub, await oauth.generateKeyPair('ES256'))
try {
  await withNonce('refresh with another key', async () =>
    oauth.processRefreshTokenResponse(as, pub,
      await oauth.refreshTokenGrantRequest(as, pub, oauth.None(), tok.refresh_token, { DPoP: otherDPoP, ...insecure })))
  throw new Error('FAIL: refresh with another key accepted')
} catch (err) {
  check(err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant', `refresh with another key: invalid_grant (got ${err?.error ?? err?.message})`)
}
const refreshed = await oauth.processRefreshTokenResponse(as, pub,
  await oauth.refreshTokenGrantRequest(as, pub, oauth.None(), tok.refresh_token, { DPoP, ...insecure }))
check(refreshed.token_type === 'dpop', 'refresh with the family key: DPoP-bound')
