// Drives a running tokenmint with oauth4webapi (panva), a third-party
// OAuth 2.0 client, authenticating with private_key_jwt and
// client_secret_jwt (RFC 7523, OIDC Core §9) at the token, introspection
// and revocation endpoints, and checks that hostile assertions are
// refused with 401 invalid_client. Run by oauth4webapi_test.go, which
// starts the server, registers the clients and passes them in the
// environment:
//
//   TOKENMINT_ISSUER  the issuer (discovery is read from it)
//   PK_CLIENT_ID, PK_JWK  a private_key_jwt client and its private JWK (ES256)
//   SJ_CLIENT_ID, SJ_SECRET  a client_secret_jwt client and its secret
//
// It prints one line per check and exits 1 on the first failure.
import * as oauth from 'oauth4webapi'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('TOKENMINT_ISSUER'))
// The test server listens on plain http on a loopback address.
const insecure = { [oauth.allowInsecureRequests]: true }

function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// refused runs a request that must be answered 401 invalid_client.
async function refused(what, run) {
  try {
    await run()
  } catch (err) {
    const status = err?.status ?? err?.response?.status
    const code = err?.error
    check(err instanceof oauth.ResponseBodyError && code === 'invalid_client' && status === 401,
      `${what}: refused with 401 invalid_client (got ${err?.name} ${status} ${code}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
for (const ep of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
  for (const m of ['private_key_jwt', 'client_secret_jwt']) {
    check(as[`${ep}_auth_methods_supported`]?.includes(m), `discovery: ${ep}_auth_methods_supported has ${m}`)
  }
}
check(as.token_endpoint_auth_signing_alg_values_supported?.includes('ES256') &&
  as.token_endpoint_auth_signing_alg_values_supported?.includes('HS256') &&
  !as.token_endpoint_auth_signing_alg_values_supported?.includes('none'), 'discovery: signing algorithms, never none')

const jwk = JSON.parse(env('PK_JWK'))
const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
const methods = {
  private_key_jwt: {
    client: { client_id: env('PK_CLIENT_ID') },
    auth: (modify) => oauth.PrivateKeyJwt({ key: privateKey, kid: jwk.kid }, modify ? { [oauth.modifyAssertion]: modify } : undefined),
  },
  client_secret_jwt: {
    client: { client_id: env('SJ_CLIENT_ID') },
    auth: (modify) => oauth.ClientSecretJwt(env('SJ_SECRET'), modify ? { [oauth.modifyAssertion]: modify } : undefined),
  },
}

const token = async (m, modify) => {
  const { client, auth } = methods[m]
  const res = await oauth.clientCredentialsGrantRequest(as, client, auth(modify), new URLSearchParams({ scope: 'api' }), insecure)
  return oauth.processClientCredentialsResponse(as, client, res)
}
const introspect = async (m, tok) => {
  const { client, auth } = methods[m]
  return oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth(), tok, insecure))
}
const revoke = async (m, tok) => {
  const { client, auth } = methods[m]
  return oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth(), tok, insecure))
}

for (const m of Object.keys(methods)) {
  const t = await token(m)
  check(typeof t.access_token === 'string' && t.token_type.toLowerCase() === 'bearer' && t.scope === 'api', `${m}: token endpoint (client_credentials)`)
  const info = await introspect(m, t.access_token)
  check(info.active === true && info.client_id === methods[m].client.client_id, `${m}: introspection endpoint, the token active`)
  await revoke(m, t.access_token)
  check(true, `${m}: revocation endpoint`)
  check((await introspect(m, t.access_token)).active === false, `${m}: the revoked token inactive`)
  // aud the token endpoint's URL, which oauth4webapi used to send.
  await token(m, (_h, p) => { p.aud = as.token_endpoint })
  check(true, `${m}: aud the token endpoint URL`)

  // Hostile assertions, made by the library and changed on the way.
  const jti = crypto.randomUUID()
  await token(m, (_h, p) => { p.jti = jti })
  await refused(`${m}: a replayed jti`, () => token(m, (_h, p) => { p.jti = jti }))
  await refused(`${m}: an assertion for another audience`, () => token(m, (_h, p) => { p.aud = 'https://other.example' }))
  await refused(`${m}: an expired assertion`, () => token(m, (_h, p) => { p.exp = p.iat - 120 }))
  await refused(`${m}: exp too far ahead`, () => token(m, (_h, p) => { p.exp = p.iat + 3600 }))
  await refused(`${m}: iss and sub differ`, () => token(m, (_h, p) => { p.sub = 'someone-else' }))
  await refused(`${m}: no jti`, () => token(m, (_h, p) => { delete p.jti }))
}
await refused('private_key_jwt: an unknown kid', () => token('private_key_jwt', (h) => { h.kid = 'no-such-kid' }))
await refused('client_secret_jwt: a wrong secret', async () => {
  const client = methods.client_secret_jwt.client
  const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretJwt('tmcs_' + 'x'.repeat(64)), new URLSearchParams(), insecure)
  return oauth.processClientCredentialsResponse(as, client, res)
})
await refused('private_key_jwt: a client_secret_jwt assertion (HS256) for a private_key_jwt client', async () => {
  const client = methods.private_key_jwt.client
  const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretJwt(env('SJ_SECRET')), new URLSearchParams(), insecure)
  return oauth.processClientCredentialsResponse(as, client, res)
})
console.log('PASS')
