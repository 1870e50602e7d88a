import t from 'tap'
import { buildTestApp, setup, testDialects } from '../helpers/app.js'

const admin = 'https://admin.example.com'
const preflight = { 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' }

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const { app, api } = await setup(t, dialect)

    t.test('every JSON answer carries security headers for an API, errors included', async (t) => {
      for (const response of [
        await api({ method: 'GET', url: '/api/v1/customers' }),
        await app.inject({ method: 'GET', url: '/api/v1/customers' }),
        await app.inject({ method: 'GET', url: '/nowhere' })
      ]) {
        t.match(response.headers, {
          'content-security-policy': "default-src 'none';frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'strict-transport-security': /^max-age=\d+/,
          'cross-origin-resource-policy': 'same-origin'
        }, String(response.statusCode))
        t.notOk('x-powered-by' in response.headers)
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
