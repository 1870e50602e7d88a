import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { buildTestApp, clientFor, loginAs, testDialects, testPassword } from '../helpers/app.js'

/** The 429 as Laravel's throttle middleware answers it. */
function assertTooManyAttempts (t: Test, response: LightMyRequestResponse, limit: number) {
  t.equal(response.statusCode, 429)
  t.same(response.json(), { message: 'Too Many Attempts.' })
  t.equal(response.headers['x-ratelimit-limit'], String(limit))
  t.equal(response.headers['x-ratelimit-remaining'], '0')
  const retryAfter = Number(response.headers['retry-after'])
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} is within the minute`)
  const reset = Number(response.headers['x-ratelimit-reset'])
  const now = Date.now() / 1000
  t.ok(reset >= Math.floor(now) && reset <= Math.ceil(now) + 60, `X-RateLimit-Reset ${reset} is a Unix time within the minute`)
}

const remaining = (response: LightMyRequestResponse) => [response.headers['x-ratelimit-limit'], response.headers['x-ratelimit-remaining']]

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('the defaults: 2000 requests a minute per token, 10 logins per email and address', async (t) => {
      const app = await buildTestApp(t, dialect)
      const api = clientFor(app, await loginAs(app))
      t.same(remaining(await api({ method: 'GET', url: '/api/v1/customers' })), ['2000', '1999'])
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'nobody@example.com', password: 'x' } })
      t.same(remaining(login), ['10', '9'])
    })

    t.test('per token on /api/v1', async (t) => {
      const app = await buildTestApp(t, dialect, { RATE_LIMIT_PER_MINUTE: '3' })
      const token = await loginAs(app)
      const api = clientFor(app, token)
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()

      t.test('every answer counts down, whatever the route and status', async (t) => {
        t.same(remaining(await api({ method: 'GET', url: `/api/v1/customers/${customer.id}` })), ['3', '1'])
        t.same(remaining(await api({ method: 'GET', url: '/api/v1/customers/999999' })), ['3', '0'], 'a 404 counts too')
      })

      t.test('then 429 Too Many Attempts., with Retry-After and X-RateLimit-Reset, on every route of the token', async (t) => {
        assertTooManyAttempts(t, await api({ method: 'GET', url: '/api/v1/customers' }), 3)
        assertTooManyAttempts(t, await api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [] } }), 3)
      })

      t.test("Laravel's precedence: unknown route, then 401, then 429, then 404 and 422", async (t) => {
        t.equal((await api({ method: 'GET', url: '/api/v1/nowhere' })).statusCode, 404)
        t.equal((await api({ method: 'PUT', url: '/api/v1/customers' })).statusCode, 405)
        const unauthenticated = await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Bearer unknown-token-0123456789' } })
        t.equal(unauthenticated.statusCode, 401)
        t.notOk('x-ratelimit-limit' in unauthenticated.headers, 'a 401 is not counted')
        t.equal((await api({ method: 'GET', url: '/api/v1/customers/999999' })).statusCode, 429, 'not 404')
        t.equal((await api({ method: 'POST', url: '/api/v1/customers', payload: {} })).statusCode, 429, 'not 422')
      })

      t.test('a 429 carries the security headers like any answer', async (t) => {
        const response = await api({ method: 'GET', url: '/api/v1/customers' })
        t.equal(response.statusCode, 429)
        t.equal(response.headers['x-content-type-options'], 'nosniff')
      })

      t.test('logout counts against the token too', async (t) => {
        assertTooManyAttempts(t, await api({ method: 'POST', url: '/api/logout' }), 3)
      })

      t.test('another token of the same app has its own budget', async (t) => {
        const other = clientFor(app, await loginAs(app))
        t.same(remaining(await other({ method: 'GET', url: '/api/v1/customers' })), ['3', '2'])
      })

      t.test('version, health and the spec are never limited', async (t) => {
        for (const url of ['/api/version', '/health/live', '/health/ready', '/openapi.json']) {
          const response = await app.inject({ method: 'GET', url })
          t.equal(response.statusCode, 200, url)
          t.notOk('x-ratelimit-limit' in response.headers, url)
        }
      })
    })

    t.test('on /api/login, per email and address, and per address', async (t) => {
      const app = await buildTestApp(t, dialect, { LOGIN_RATE_LIMIT_PER_MINUTE: '2' })
      await createUser(app.db, { name: 'Ops', email: 'ops@example.com', passwordHash: await hashPassword(testPassword) })
      const login = (email: string, password: string, remoteAddress = '203.0.113.7') =>
        app.inject({ method: 'POST', url: '/api/login', payload: { email, password }, remoteAddress })

      t.test('the right password is refused too once an email has used its attempts from an address', async (t) => {
        t.equal((await login('ops@example.com', 'wrong-password')).statusCode, 401)
        const query = await app.inject({ method: 'POST', url: '/api/login?email=OPS%40example.com&password=wrong', remoteAddress: '203.0.113.7' })
        t.equal(query.statusCode, 401)
        t.same(remaining(query), ['2', '0'], 'the email is compared as the login compares it, whether in the body or the query')
        assertTooManyAttempts(t, await login(' Ops@Example.com ', testPassword), 2)
      })

      t.test('the same email from another address is not locked out', async (t) => {
        const elsewhere = await login('ops@example.com', testPassword, '198.51.100.20')
        t.equal(elsewhere.statusCode, 200)
        t.same(remaining(elsewhere), ['2', '1'])
      })

      t.test('one address may try five times as many logins, whatever the emails', async (t) => {
        const address = '192.0.2.55'
        for (let attempt = 1; attempt <= 10; attempt++) {
          const response = await login(`user${attempt}@example.com`, 'wrong-password', address)
          t.equal(response.statusCode, 401, `attempt ${attempt}`)
        }
        const sprayed = await login('user11@example.com', 'wrong-password', address)
        assertTooManyAttempts(t, sprayed, 10)
        const last = await login('user12@example.com', 'wrong-password', '192.0.2.56')
        t.same(remaining(last), ['2', '1'], 'the tightest limit is the one shown')
      })
    })
  })
}

t.test('while the rate-limit store does not answer, requests are served unlimited and one warning is logged', async (t) => {
  const lines: string[] = []
  const app = await buildTestApp(t, 'sqlite', { REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1' }, {
    logStream: { write: (line: string) => { lines.push(line) } }
  })
  const api = clientFor(app, await loginAs(app))
  for (let request = 0; request < 3; request++) {
    const response = await api({ method: 'GET', url: '/api/v1/customers' })
    t.equal(response.statusCode, 200)
    t.notOk('x-ratelimit-limit' in response.headers)
  }
  const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40)
  t.equal(warnings.length, 1, 'one warning, not one per request')
  t.match(warnings[0]?.msg, /served without a rate limit/)
})
