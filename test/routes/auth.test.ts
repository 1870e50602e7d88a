import { sql } from 'kysely'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { hashToken } from '../../src/security/tokens.js'
import { buildTestApp, testDialects, testPassword } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    const app = await buildTestApp(t, dialect)
    const user = await createUser(app.db, { name: 'Ops', email: 'Ops@Example.com', passwordHash: await hashPassword(testPassword) })
    const protectedRoute = (authorization?: string) =>
      app.inject({ method: 'GET', url: '/api/v1/customers', headers: authorization === undefined ? {} : { authorization } })

    t.test('login with a JSON body answers a token and the user', async (t) => {
      const response = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })
      t.equal(response.statusCode, 200)
      const body = response.json()
      t.same(Object.keys(body), ['token', 'user'])
      t.same(body.user, { id: user.id, name: 'Ops', email: 'ops@example.com' })
      t.match(body.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes')
      t.equal((await protectedRoute(`Bearer ${body.token}`)).statusCode, 200)
    })

    t.test('login with query parameters and no body, as the PHP SDK sends it', async (t) => {
      const query = `email=${encodeURIComponent('OPS@example.com')}&password=${encodeURIComponent(testPassword)}`
      const bare = await app.inject({ method: 'POST', url: `/api/login?${query}` })
      t.equal(bare.statusCode, 200)
      const withHeader = await app.inject({ method: 'POST', url: `/api/login?${query}`, headers: { 'content-type': 'application/json' } })
      t.equal(withHeader.statusCode, 200)
    })

    t.test('a login body that is JSON but not an object is a 400, even with credentials in the query', async (t) => {
      const query = `email=ops%40example.com&password=${encodeURIComponent(testPassword)}`
      for (const payload of ['""', '"  "', '[]', '[1]', '"text"', '42']) {
        const response = await app.inject({ method: 'POST', url: `/api/login?${query}`, headers: { 'content-type': 'application/json' }, payload })
        t.equal(response.statusCode, 400, payload)
        t.same(response.json(), { message: 'The request body must be a JSON object.' })
      }
    })

    t.test('wrong credentials are a 401, whether or not the email exists', async (t) => {
      for (const payload of [{ email: 'ops@example.com', password: 'wrong-password' }, { email: 'nobody@example.com', password: testPassword }]) {
        const response = await app.inject({ method: 'POST', url: '/api/login', payload })
        t.equal(response.statusCode, 401)
        t.same(response.json(), { message: 'Invalid credentials.' })
      }
      const invalid = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'not-an-email' } })
      t.equal(invalid.statusCode, 422)
      t.same(invalid.json().errors, { email: ['The email field must be a valid email address.'], password: ['The password field is required.'] })
    })

    t.test('the token is stored only as its SHA-256', async (t) => {
      const { token } = (await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })).json()
      const rows = await app.db.selectFrom('api_tokens').select('token_hash').execute()
      t.ok(rows.some((row) => row.token_hash === hashToken(token)))
      t.notOk(rows.some((row) => row.token_hash.includes(token)))
    })

    t.test('missing, malformed, unknown, revoked and expired tokens are all 401 Unauthenticated.', async (t) => {
      const { token } = (await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })).json()
      const expired = (await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })).json().token
      await app.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', hashToken(expired)).execute()

      for (const header of [undefined, 'Bearer', `Basic ${token}`, 'Bearer not a token', `Bearer ${token.slice(1)}`, `Bearer ${expired}`]) {
        const response = await protectedRoute(header)
        t.equal(response.statusCode, 401, String(header))
        t.same(response.json(), { message: 'Unauthenticated.' })
      }
      t.equal((await protectedRoute(`bearer ${token}`)).statusCode, 200, 'the scheme is case-insensitive')

      const logout = await app.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${token}` } })
      t.equal(logout.statusCode, 200)
      t.same(logout.json(), { message: 'Successfully logged out.' })
      t.equal((await protectedRoute(`Bearer ${token}`)).statusCode, 401, 'a revoked token is refused at once')
      t.equal((await app.inject({ method: 'POST', url: '/api/logout', headers: { authorization: `Bearer ${token}` } })).statusCode, 401)
    })

    t.test('last_used_at is recorded without a write on every request', async (t) => {
      const { token } = (await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })).json()
      const lastUsed = async () => (await app.db.selectFrom('api_tokens').select('last_used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow()).last_used_at
      t.equal(await lastUsed(), null)
      await protectedRoute(`Bearer ${token}`)
      const first = await lastUsed()
      t.not(first, null)
      await protectedRoute(`Bearer ${token}`)
      t.same(await lastUsed(), first, 'not rewritten within a minute')
    })

    t.test('version and health answer without a token', async (t) => {
      const version = await app.inject({ method: 'GET', url: '/api/version' })
      t.equal(version.statusCode, 200)
      t.match(version.json(), { version: /^\d+\.\d+\.\d+/, status: 'ok' })
      t.same((await app.inject({ method: 'GET', url: '/health/live' })).json(), { status: 'ok' })
      t.same((await app.inject({ method: 'GET', url: '/health/ready' })).json(), { status: 'ok' })
    })
  })
}

t.test('no password or token reaches the logs, whichever way the credentials come', async (t) => {
  const lines: string[] = []
  const app = await buildApp(loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'trace' }), { logStream: { write: (line: string) => { lines.push(line) } }, migrate: true })
  t.teardown(() => app.close())
  const secret = 'Sup3r-secret-passw0rd'
  await createUser(app.db, { name: 'Ops', email: 'ops@example.com', passwordHash: await hashPassword(secret) })
  const viaQuery = await app.inject({ method: 'POST', url: `/api/login?email=ops%40example.com&password=${secret}` })
  const viaBody = await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: secret } })
  const failed = await app.inject({ method: 'POST', url: `/api/login?email=ops%40example.com&password=${secret}x` })
  t.equal(viaQuery.statusCode, 200)
  t.equal(viaBody.statusCode, 200)
  t.equal(failed.statusCode, 401)
  const token = viaQuery.json().token
  await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` } })
  await app.inject({ method: 'GET', url: `/api/v1/customers?token=${token}`, headers: { authorization: `Bearer ${token}` } })
  const logs = lines.join('')
  t.ok(lines.length > 5, 'requests were logged')
  t.match(logs, /password=\[redacted\]/)
  t.notOk(logs.includes(secret), 'no password')
  t.notOk(logs.includes(token), 'no token')
  t.notOk(logs.includes(viaBody.json().token), 'no token')
})

t.test('readiness is 503 when the database does not answer', async (t) => {
  const app = await buildTestApp(t, 'sqlite')
  await sql`select 1`.execute(app.db)
  await app.db.destroy()
  const response = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(response.statusCode, 503)
  t.same(response.json(), { message: 'The database is unavailable.', status: 'unavailable' })
})
