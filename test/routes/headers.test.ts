import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildTestApp, loginAs, setup, testDialects } from '../helpers/app.js'

const admin = 'https://admin.example.com'
const preflight = { 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' }

/** The answer's headers as they go over the wire, Node's own included (`inject` leaves some out). */
function headersOf (port: number, method: string, path: string, token: string, body?: unknown): Promise<Record<string, string>> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: '127.0.0.1',
      port,
      method,
      path,
      agent: false,
      headers: { authorization: `Bearer ${token}`, connection: 'keep-alive', ...(payload !== undefined && { 'content-type': 'application/json' }) }
    }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.headers as Record<string, string>))
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { app, api } = await setup(t, dialect)

    t.test('every JSON answer carries the security headers a browser acts on for an API, errors included', async (t) => {
      for (const response of [
        await api({ method: 'GET', url: '/api/v1/customers' }),
        await app.inject({ method: 'GET', url: '/api/v1/customers' }),
        await app.inject({ method: 'GET', url: '/nowhere' })
      ]) {
        t.match(response.headers, {
          'content-security-policy': "default-src 'none';frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
          'strict-transport-security': /^max-age=\d+/
        }, String(response.statusCode))
        // Dropped on purpose (see src/plugins/security-headers.ts): no browser acts on them for a JSON answer.
        for (const dropped of ['x-powered-by', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy',
          'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']) {
          t.notOk(dropped in response.headers, dropped)
        }
      }
    })

    t.test('an API answer carries exactly the headers a client or browser needs, over HTTP', async (t) => {
      const served = await buildTestApp(t, dialect)
      const token = await loginAs(served)
      await served.listen({ port: 0, host: '127.0.0.1' })
      const port = (served.server.address() as AddressInfo).port
      const call = (method: string, path: string, body?: unknown) => headersOf(port, method, path, token, body)

      const service = await served.inject({ method: 'POST', url: '/api/v1/customer-services', headers: { authorization: `Bearer ${token}` }, payload: { key: 'voip', name: 'VoIP' } })
      const customer = await served.inject({ method: 'POST', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` }, payload: { name: 'ACME' } })
      const customerId = customer.json().id
      const serviceId = service.json().id

      // Node's own: Date (RFC 9110 asks an origin server with a clock for it), and the keep-alive
      // pair, whose timeout lets a client retire an idle connection before the server closes it.
      const base = ['connection', 'content-length', 'content-security-policy', 'content-type', 'date', 'keep-alive',
        'strict-transport-security', 'x-content-type-options', 'x-request-id']
      const counted = [...base, 'x-ratelimit-limit', 'x-ratelimit-remaining'].sort()
      const answers: Array<[string, Promise<Record<string, string>>, string[]]> = [
        ['a catalog page', call('GET', '/api/v1/customer-services?per_page=10'), counted],
        ['a customer\'s services', call('GET', `/api/v1/customers/${customerId}/services`), [...counted, 'etag'].sort()],
        ['the feature check, 404', call('GET', `/api/v1/customers/${customerId}/services/voip`), counted],
        ['a missing customer, 404', call('GET', `/api/v1/customers/${customerId + 1}/services`), counted],
        ['a sync, 201', call('POST', `/api/v1/customers/${customerId}/services`, { services: [serviceId] }), [...counted, 'etag'].sort()],
        ['the version, without a token', call('GET', '/api/version'), base]
      ]
      for (const [name, answer, expected] of answers) {
        const headers = await answer
        t.same(Object.keys(headers).sort(), expected, name)
        t.match(headers, {
          connection: 'keep-alive',
          'keep-alive': /^timeout=\d+$/,
          'content-type': 'application/json; charset=utf-8',
          'content-security-policy': "default-src 'none';frame-ancestors 'none'",
          'strict-transport-security': 'max-age=31536000; includeSubDomains',
          'x-content-type-options': 'nosniff'
        }, name)
      }
    })

    t.test('/docs keeps the policy Swagger UI needs', async (t) => {
      const docs = await app.inject({ method: 'GET', url: '/docs' })
      t.equal(docs.statusCode, 200)
      t.match(docs.headers['content-security-policy'], /^default-src 'self';.*script-src 'self'/)
    })

    t.test('without CORS_ORIGINS there are no CORS headers, and OPTIONS answers as before', async (t) => {
      const response = await api({ method: 'GET', url: '/api/v1/customers', headers: { origin: admin } })
      t.equal(response.statusCode, 200)
      t.notOk(Object.keys(response.headers).some((name) => name.startsWith('access-control-')))
      const options = await app.inject({ method: 'OPTIONS', url: '/api/v1/customers', headers: { origin: admin, ...preflight } })
      t.equal(options.statusCode, 204)
      t.equal(options.headers.allow, 'GET, HEAD, POST')
      t.notOk(Object.keys(options.headers).some((name) => name.startsWith('access-control-')))
    })

    t.test('with CORS_ORIGINS', async (t) => {
      const cors = await buildTestApp(t, dialect, { CORS_ORIGINS: `${admin},http://localhost:5173` })

      t.test('an allowed origin is echoed, with Vary: Origin, on answers and errors alike', async (t) => {
        for (const url of ['/api/version', '/api/v1/customers', '/nowhere']) {
          const response = await cors.inject({ method: 'GET', url, headers: { origin: admin } })
          t.equal(response.headers['access-control-allow-origin'], admin, url)
          t.match(response.headers.vary, /Origin/)
          t.match(response.headers['access-control-expose-headers'], /Retry-After/)
          t.notOk('access-control-allow-credentials' in response.headers, 'bearer tokens, no cookies')
        }
        const local = await cors.inject({ method: 'GET', url: '/api/version', headers: { origin: 'http://localhost:5173' } })
        t.equal(local.headers['access-control-allow-origin'], 'http://localhost:5173')
      })

      t.test('another origin gets no CORS headers', async (t) => {
        for (const origin of ['https://evil.example.com', 'https://admin.example.com.evil.example', 'null']) {
          const response = await cors.inject({ method: 'GET', url: '/api/version', headers: { origin } })
          t.equal(response.statusCode, 200)
          t.notOk(Object.keys(response.headers).some((name) => name.startsWith('access-control-')), origin)
        }
      })

      t.test('a preflight from an allowed origin is a 204 naming the methods and headers, before authentication', async (t) => {
        const response = await cors.inject({ method: 'OPTIONS', url: '/api/v1/customers/1', headers: { origin: admin, ...preflight } })
        t.equal(response.statusCode, 204)
        t.match(response.headers, {
          'access-control-allow-origin': admin,
          'access-control-allow-methods': 'GET, HEAD, POST, PATCH, DELETE',
          'access-control-allow-headers': 'Authorization, Content-Type, Accept',
          'access-control-max-age': '600'
        })
      })

      t.test('OPTIONS without an allowed origin answers as without CORS', async (t) => {
        const plain = await cors.inject({ method: 'OPTIONS', url: '/api/v1/customers' })
        t.equal(plain.statusCode, 204)
        t.equal(plain.headers.allow, 'GET, HEAD, POST')
        const foreign = await cors.inject({ method: 'OPTIONS', url: '/api/v1/customers', headers: { origin: 'https://evil.example.com', ...preflight } })
        t.equal(foreign.statusCode, 204)
        t.equal(foreign.headers.allow, 'GET, HEAD, POST')
        t.notOk('access-control-allow-origin' in foreign.headers)
        const unknown = await cors.inject({ method: 'OPTIONS', url: '/nowhere' })
        t.equal(unknown.statusCode, 404)
        t.same(unknown.json(), { message: 'The route nowhere could not be found.' })
      })
    })

    t.test('CORS_ORIGINS=* allows any origin without echoing it', async (t) => {
      const open = await buildTestApp(t, dialect, { CORS_ORIGINS: '*' })
      const response = await open.inject({ method: 'GET', url: '/api/version', headers: { origin: 'https://anywhere.example' } })
      t.equal(response.headers['access-control-allow-origin'], '*')
      const noOrigin = await open.inject({ method: 'GET', url: '/api/version' })
      t.notOk('access-control-allow-origin' in noOrigin.headers)
    })
  })
}
