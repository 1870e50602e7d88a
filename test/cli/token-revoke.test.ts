import { join } from 'node:path'
import t from 'tap'
import { createUser } from '../../src/db/queries/users.js'
import { hashPassword } from '../../src/security/passwords.js'
import { buildTestApp, databaseUrlFor, loginAs, testDialects, testPassword } from '../helpers/app.js'
import { runCli } from '../helpers/cli.js'

for (const dialect of testDialects()) {
  t.test(`${dialect}: token:revoke revokes every token of one user`, async (t) => {
    const url = dialect === 'sqlite' ? join(t.testdir(), 'tokens.sqlite') : await databaseUrlFor(t, dialect)
    // No token cache: each request asks the database, as a process would once TOKEN_CACHE_TTL has passed.
    const app = await buildTestApp(t, dialect, { DATABASE_URL: url, TOKEN_CACHE_TTL: '0' })
    await createUser(app.db, { name: 'Ops', email: 'ops@example.com', passwordHash: await hashPassword(testPassword) })
    const login = async () => (await app.inject({ method: 'POST', url: '/api/login', payload: { email: 'ops@example.com', password: testPassword } })).json().token as string
    const revoked = [await login(), await login()]
    const someoneElse = await loginAs(app)
    const status = async (token: string) =>
      (await app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: `Bearer ${token}` } })).statusCode

    const result = await runCli('token-revoke', url, ['--email', 'OPS@example.com'])
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, /^revoked 2 tokens of user \d+ <ops@example\.com>\n$/)
    for (const token of revoked) t.equal(await status(token), 401)
    t.equal(await status(someoneElse), 200, "another user's token still works")
    t.equal(await status(await login()), 200, 'the user can log in again')

    const unknown = await runCli('token-revoke', url, ['--email', 'nobody@example.com'])
    t.equal(unknown.code, 1)
    t.equal(unknown.stderr, 'error: no user has the email nobody@example.com\n')
    const missing = await runCli('token-revoke', url, [])
    t.equal(missing.code, 1)
    t.match(missing.stderr, '--email is required\nusage: npm run token:revoke -- --email E')
  })
}

for (const dialect of testDialects()) {
  t.test(`${dialect}: token:revoke of an admin revokes the customer tokens that admin issued`, async (t) => {
    const url = dialect === 'sqlite' ? join(t.testdir(), 'tokens.sqlite') : await databaseUrlFor(t, dialect)
    const app = await buildTestApp(t, dialect, { DATABASE_URL: url, TOKEN_CACHE_TTL: '0' })
    const adminToken = await loginAs(app, 'issuer@example.com')
    const otherAdmin = await loginAs(app)
    const as = (token: string) => ({ authorization: `Bearer ${token}` })
    const customer = (await app.inject({ method: 'POST', url: '/api/v1/customers', headers: as(adminToken), payload: { name: 'ACME' } })).json()
    const issue = async (token: string) =>
      (await app.inject({ method: 'POST', url: `/api/v1/customers/${customer.id}/tokens`, headers: as(token), payload: {} })).json().token as string
    const issued = await issue(adminToken)
    const issuedByOther = await issue(otherAdmin)
    const status = async (token: string) =>
      (await app.inject({ method: 'GET', url: `/api/v1/customers/${customer.id}`, headers: as(token) })).statusCode
    t.equal(await status(issued), 200)

    const result = await runCli('token-revoke', url, ['--email', 'issuer@example.com'])
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, /^revoked 2 tokens of user \d+ <issuer@example\.com>\n$/, 'the login and the customer token')
    t.equal(await status(issued), 401)
    t.equal(await status(issuedByOther), 200, 'a token another admin issued lives on')
  })
}
