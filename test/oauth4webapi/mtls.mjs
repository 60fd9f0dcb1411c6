// Drives a running tokenmint that serves TLS itself with oauth4webapi
// (panva), a third-party OAuth 2.0 client, through mutual TLS (RFC 8705):
// tls_client_auth and self_signed_tls_client_auth at the token,
// introspection and revocation endpoints found in mtls_endpoint_aliases
// (oauth4webapi's use_mtls_endpoint_aliases), with undici carrying the
// client certificate (oauth4webapi's customFetch, as its documentation
// shows); certificate-bound access tokens (cnf x5t#S256 in the
// introspection answer) used at UserInfo with the certificate, and
// refused without it or with another one; and certificates that do not
// match the client refused with 401 invalid_client. Run by mtls_test.go,
// which starts the server, makes the certificates, registers the clients
// and passes them in the environment:
//
//   TOKENMINT_ISSUER   the https issuer (discovery is read from it)
//   CA_PEM             the CA of the server's and the clients' certificates
//   TLS_CLIENT_ID      a tls_client_auth client, its tokens certificate-bound
//   CERT_PEM, KEY_PEM  its certificate and key
//   OTHER_CERT_PEM, OTHER_KEY_PEM  a certificate of the same CA, another subject
//   SELF_CLIENT_ID     a self_signed_tls_client_auth client
//   SELF_CERT_PEM, SELF_KEY_PEM    its self-signed certificate and key
//   REFRESH_TOKEN      a refresh token of the tls_client_auth client, of
//                      a user's password grant with scope openid profile
//   USERNAME           that user's name, for the UserInfo check
//
// It prints one line per check and exits 1 on the first failure.
import { X509Certificate, createHash } from 'node:crypto'
import * as undici from 'undici'
import * as oauth from 'oauth4webapi'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}
const issuer = new URL(env('TOKENMINT_ISSUER'))
const ca = env('CA_PEM')

function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// fetchWith is a customFetch whose connections present cert and key
// (none when absent) and trust the test CA.
const fetchWith = (cert, key) => {
  const dispatcher = new undici.Agent({ connect: cert ? { ca, cert, key } : { ca } })
  return { [oauth.customFetch]: (url, options) => undici.fetch(url, { ...options, dispatcher }) }
}
const good = fetchWith(env('CERT_PEM'), env('KEY_PEM'))
const other = fetchWith(env('OTHER_CERT_PEM'), env('OTHER_KEY_PEM'))
const self = fetchWith(env('SELF_CERT_PEM'), env('SELF_KEY_PEM'))
const none = fetchWith()
const thumbprint = createHash('sha256').update(new X509Certificate(env('CERT_PEM')).raw).digest('base64url')

// refused runs a request that must fail with status and code.
async function refused(what, status, code, run) {
  try {
    await run()
  } catch (err) {
    const got = err?.status ?? err?.response?.status
    const gotCode = err?.error ?? err?.cause?.[0]?.parameters?.error
    check(got === status && gotCode === code,
      `${what}: refused with ${status} ${code} (got ${err?.name} ${got} ${gotCode}: ${err?.error_description ?? err?.message})`)
    return
  }
  throw new Error(`FAIL: ${what}: accepted`)
}

const as = await oauth.processDiscoveryResponse(issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...none }))
for (const m of ['tls_client_auth', 'self_signed_tls_client_auth']) {
  for (const ep of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    check(as[`${ep}_auth_methods_supported`]?.includes(m), `discovery: ${ep}_auth_methods_supported has ${m}`)
  }
}
check(as.tls_client_certificate_bound_access_tokens === true, 'discovery: tls_client_certificate_bound_access_tokens')
for (const ep of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'userinfo_endpoint', 'device_authorization_endpoint']) {
  check(typeof as.mtls_endpoint_aliases?.[ep] === 'string', `discovery: mtls_endpoint_aliases.${ep}`)
}

const tlsClient = { client_id: env('TLS_CLIENT_ID'), use_mtls_endpoint_aliases: true }
const selfClient = { client_id: env('SELF_CLIENT_ID'), use_mtls_endpoint_aliases: true }
const auth = oauth.TlsClientAuth()

const clientCredentials = async (client, fetch) => oauth.processClientCredentialsResponse(as, client,
  await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'api' }), fetch))
const introspect = async (client, fetch, tok) => oauth.processIntrospectionResponse(as, client,
  await oauth.introspectionRequest(as, client, auth, tok, fetch))

for (const [name, client, fetch] of [['tls_client_auth', tlsClient, good], ['self_signed_tls_client_auth', selfClient, self]]) {
  const t = await clientCredentials(client, fetch)
  check(typeof t.access_token === 'string' && t.token_type === 'bearer', `${name}: token endpoint (client_credentials)`)
  const info = await introspect(client, fetch, t.access_token)
  check(info.active === true && info.client_id === client.client_id, `${name}: introspection endpoint, the token active`)
  if (client === tlsClient) {
    check(info.cnf?.['x5t#S256'] === thumbprint, `${name}: the token bound to the certificate (cnf x5t#S256 ${info.cnf?.['x5t#S256']})`)
  }
  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, t.access_token, fetch))
  check((await introspect(client, fetch, t.access_token)).active === false, `${name}: revocation endpoint, the token inactive`)
}

// Certificate-bound tokens at UserInfo (RFC 8705 §3), from a refresh
// (oauth4webapi has no password grant; the Go test made the first token).
const pw = await oauth.processRefreshTokenResponse(as, tlsClient,
  await oauth.refreshTokenGrantRequest(as, tlsClient, auth, env('REFRESH_TOKEN'), good))
check(pw.token_type === 'bearer' && typeof pw.refresh_token === 'string', 'refresh_token grant with the certificate')
const info = await oauth.processUserInfoResponse(as, tlsClient, oauth.skipSubjectCheck,
  await oauth.userInfoRequest(as, tlsClient, pw.access_token, good))
check(typeof info.sub === 'string' && info.preferred_username === env('USERNAME'), 'UserInfo: the bound token with its certificate')
for (const [what, fetch] of [['without a certificate', none], ['with another certificate', other]]) {
  await refused(`UserInfo: the bound token ${what}`, 401, 'invalid_token', async () =>
    oauth.processUserInfoResponse(as, tlsClient, oauth.skipSubjectCheck, await oauth.userInfoRequest(as, tlsClient, pw.access_token, fetch)))
}

// Certificates that do not match the client.
await refused('tls_client_auth: a certificate of another subject', 401, 'invalid_client', () => clientCredentials(tlsClient, other))
await refused('tls_client_auth: no certificate', 401, 'invalid_client', () => clientCredentials(tlsClient, none))
await refused('tls_client_auth: the self-signed certificate of another client', 401, 'invalid_client', () => clientCredentials(tlsClient, self))
await refused('self_signed_tls_client_auth: a certificate whose key is not registered', 401, 'invalid_client', () => clientCredentials(selfClient, good))
console.log('PASS')
