// What par_jar.mjs and form_post.mjs share: reading the environment,
// printing checks, and a person's browser on tokenmint's login page
// (fetch with the session cookie carried by hand), which oauth4webapi,
// a client library, leaves to the application.
import * as oauth from 'oauth4webapi'

export const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`${name} is not set`)
  return v
}

// The test server listens on plain http on a loopback address.
export const insecure = { [oauth.allowInsecureRequests]: true }

export function check(ok, what) {
  if (!ok) throw new Error(`FAIL: ${what}`)
  console.log(`ok: ${what}`)
}

// discover reads issuer's RFC 8414 metadata with oauth4webapi.
export async function discover(issuer) {
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }))
}

// unescape undoes html/template's escaping of an attribute value.
const unescape = (s) => s
  .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&')

// hiddenFields are the hidden inputs of an HTML page, in order.
export function hiddenFields(page) {
  const fields = new URLSearchParams()
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) {
    fields.append(name, unescape(value))
  }
  return fields
}

// signIn opens authorizationUrl and signs in on the login page as
// username, as a browser would, and returns the answer to the login
// form: a redirect to the client, or the form_post page.
export async function signIn(authorizationUrl, username, password) {
  let res = await fetch(authorizationUrl, { redirect: 'manual' })
  const page = await res.text()
  check(res.status === 200 && page.includes('csrf_token'), `the authorization endpoint shows the login page (${res.status})`)
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const form = hiddenFields(page)
  form.set('username', username)
  form.set('password', password)
  res = await fetch(new URL('/oauth2/login', authorizationUrl), {
    method: 'POST', redirect: 'manual', body: form,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  })
  return res
}

// errorPage opens url and wants tokenmint's 400 error page naming code:
// what the browser shows when the request cannot go back to the client.
export async function errorPage(url, code, what) {
  const res = await fetch(url, { redirect: 'manual' })
  const page = await res.text()
  check(res.status === 400 && page.includes(code), `${what}: the 400 error page says ${code} (got ${res.status})`)
}
