// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, through the JWT bearer grant (RFC 7523 §2.1) as
// workload identity federation and token exchange (RFC 8693), both by
// oauth4webapi's genericTokenEndpointRequest. Run by federation_test.go, which
// starts the server and an external OpenID issuer, registers the
// clients and signs the issuer's JWTs, passing them in the environment:
//
//   TOKENMINT_ISSUER          the issuer (discovery is read from it)
//   EXT_ISSUER                the external issuer the CI client trusts
//   CI_CLIENT_ID              a public client whose only grant is jwt-bearer
//   GOOD_JWT                  a CI job's JWT the trust accepts
//   WRONG_SUBJECT_JWT         one of the right issuer, of another branch
//   EXPIRED_JWT               one whose exp has passed
//   FRONT_CLIENT_ID, FRONT_CLIENT_SECRET  a client whose tokens are meant
//                             for the service
//   SVC_CLIENT_ID, SVC_CLIENT_SECRET      the service, which may exchange
//                             them for LEDGER (and nothing else)
//   LEDGER                    the audience the service's policy allows
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
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const AT = 'urn:ietf:params:oauth:token-type:access_token'

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
      `${what}: refused with 400 ${code} (got ${err?.name} ${status} ${err?.error}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
check(as.grant_types_supported?.includes(JWT_BEARER) && as.grant_types_supported?.includes(TOKEN_EXCHANGE),
  'discovery: grant_types_supported lists jwt-bearer and token-exchange')

// Workload identity: a public client, no secret; the JWT is the proof.
const ci = { client_id: env('CI_CLIENT_ID') }
const bearer = (assertion) => oauth.genericTokenEndpointRequest(as, ci, oauth.None(), JWT_BEARER, new URLSearchParams({ assertion }), insecure)
  .then((res) => oauth.processGenericTokenEndpointResponse(as, ci, res))
const got = await bearer(env('GOOD_JWT'))
check(got.token_type === 'bearer' && !got.refresh_token && got.scope === 'deploy', 'jwt-bearer: a bearer access token, scope deploy, no refresh token')
check(claims(got.access_token).sub === `${env('EXT_ISSUER')}#repo:org/app:ref:refs/heads/main`, 'jwt-bearer: the subject is the issuer and the external sub')
await refused('jwt-bearer: the same assertion again', 'invalid_grant', () => bearer(env('GOOD_JWT')))
await refused('jwt-bearer: the right issuer, the wrong subject', 'invalid_grant', () => bearer(env('WRONG_SUBJECT_JWT')))
await refused('jwt-bearer: an expired assertion', 'invalid_grant', () => bearer(env('EXPIRED_JWT')))

// Token exchange: the service trades a token meant for it for one for
// the ledger.
const front = { client_id: env('FRONT_CLIENT_ID') }
const frontTok = await oauth.processClientCredentialsResponse(as, front,
  await oauth.clientCredentialsGrantRequest(as, front, oauth.ClientSecretBasic(env('FRONT_CLIENT_SECRET')), new URLSearchParams({ scope: 'read' }), insecure))
const svc = { client_id: env('SVC_CLIENT_ID') }
const exchange = (params) => oauth.genericTokenEndpointRequest(as, svc, oauth.ClientSecretBasic(env('SVC_CLIENT_SECRET')), TOKEN_EXCHANGE,
  new URLSearchParams({ subject_token: frontTok.access_token, subject_token_type: AT, ...params }), insecure)
  .then((res) => oauth.processGenericTokenEndpointResponse(as, svc, res))
const ex = await exchange({ audience: env('LEDGER') })
check(ex.issued_token_type === AT && ex.token_type === 'bearer' && !ex.refresh_token, 'token exchange: issued_token_type access_token, no refresh token')
const exClaims = claims(ex.access_token)
check(exClaims.aud === env('LEDGER') && exClaims.sub === env('FRONT_CLIENT_ID') && exClaims.client_id === env('SVC_CLIENT_ID'),
  'token exchange: aud the ledger, sub the subject token\'s, client_id the service')
await refused('token exchange: an audience the policy forbids', 'invalid_target', () => exchange({ audience: 'https://evil.example' }))
await refused('token exchange: a subject token that is no token', 'invalid_request',
  () => oauth.genericTokenEndpointRequest(as, svc, oauth.ClientSecretBasic(env('SVC_CLIENT_SECRET')), TOKEN_EXCHANGE,
    new URLSearchParams({ subject_token: 'tm_at_forged', subject_token_type: AT }), insecure).then((res) => oauth.processGenericTokenEndpointResponse(as, svc, res)))
