import t from 'tap'
import { createToken, TokenCustomerMissingError } from '../../src/db/queries/tokens.js'
import { buildTestApp, clientFor, loginAs, testDialects, type Client, type TestDialect } from '../helpers/app.js'

type Test = Parameters<typeof buildTestApp>[0]

const forbidden = { message: 'This action is unauthorized.' }

/** An admin, two customers, a self-service and an admin-only service, and a token for the first customer. */
async function world (t: Test, dialect: TestDialect, env: NodeJS.ProcessEnv = {}) {
  const app = await buildTestApp(t, dialect, env)
  const adminToken = await loginAs(app, 'admin@example.com')
  const admin = clientFor(app, adminToken)
  const post = async (url: string, payload: object) => (await admin({ method: 'POST', url, payload })).json()
  const selfService = await post('/api/v1/customer-services', { key: 'backup', name: 'Backup', can_be_enabled: true })
  const managed = await post('/api/v1/customer-services', { key: 'voip', name: 'VoIP' })
  const own = await post('/api/v1/customers', { name: 'ACME' })
  const other = await post('/api/v1/customers', { name: 'Globex' })
  await post(`/api/v1/customers/${other.id}/services`, { services: [selfService.id, managed.id] })
  const issued = await admin({ method: 'POST', url: `/api/v1/customers/${own.id}/tokens`, payload: { name: 'portal' } })
  const customer = clientFor(app, issued.json().token)
  return { app, admin, customer, issued, selfService, managed, own, other }
}

const status = async (client: Client, method: string, url: string, payload?: object) =>
  (await client({ method: method as 'GET', url, ...(payload !== undefined && { payload }) })).statusCode

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('an admin issues a customer token: shown once, abilities customer:{id}, stored as a hash', async (t) => {
      const { app, issued, own } = await world(t, dialect)
      t.equal(issued.statusCode, 201)
      const body = issued.json()
      t.same(Object.keys(body), ['token', 'token_type', 'expires_at', 'abilities', 'name'])
      t.match(body.token, /^[A-Za-z0-9_-]{43}$/)
      t.equal(body.token_type, 'Bearer')
      t.same(body.abilities, [`customer:${own.id}`])
      t.equal(body.name, 'portal')
      const lifetime = Date.parse(body.expires_at) - Date.now()
      t.ok(lifetime > 2592000_000 - 60_000 && lifetime <= 2592000_000, 'TOKEN_TTL by default')
      t.match(body.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      const rows = await app.db.selectFrom('api_tokens').select(['token_hash', 'customer_id', 'name']).where('customer_id', 'is not', null).execute()
      t.same(rows.map((row) => [row.customer_id, row.name]), [[own.id, 'portal']])
      t.notOk(rows.some((row) => row.token_hash.includes(body.token)))
    })

    t.test('the issue endpoint validates its body and answers 404 for an unknown customer', async (t) => {
      const { admin, own } = await world(t, dialect, { TOKEN_TTL: '3600' })
      const issue = (payload: object, customer = own.id) => admin({ method: 'POST', url: `/api/v1/customers/${customer}/tokens`, payload })
      const short = await issue({ expires_in: 120 })
      t.equal(short.statusCode, 201)
      t.ok(Math.abs(Date.parse(short.json().expires_at) - Date.now() - 120_000) < 5000, 'expires_in is honoured')
      t.equal(short.json().name, null)
      t.ok(Math.abs(Date.parse((await issue({})).json().expires_at) - Date.now() - 3600_000) < 5000, 'TOKEN_TTL by default')
      const tooLong = await issue({ expires_in: 3601 })
      t.equal(tooLong.statusCode, 422)
      t.same(tooLong.json(), { message: 'The expires in field must not be greater than 3600.', errors: { expires_in: ['The expires in field must not be greater than 3600.'] } })
      const invalid = await issue({ expires_in: 10, name: '' })
      t.equal(invalid.statusCode, 422)
      t.same(invalid.json().errors, { expires_in: ['The expires in field must be at least 60.'], name: ['The name field is required.'] })
      t.equal((await issue({ expires_in: '60' })).statusCode, 422)
      t.equal((await issue({}, 999999)).statusCode, 404)
    })

    t.test('a customer token reads its own customer, its services and its feature flags', async (t) => {
      const { admin, customer, own, selfService, managed } = await world(t, dialect)
      await admin({ method: 'POST', url: `/api/v1/customers/${own.id}/services`, payload: { services: { [managed.id]: { version: '2.0' } } } })
      const shown = await customer({ method: 'GET', url: `/api/v1/customers/${own.id}` })
      t.equal(shown.statusCode, 200)
      t.equal(shown.json().name, 'ACME')
      const list = await customer({ method: 'GET', url: `/api/v1/customers/${own.id}/services` })
      t.equal(list.statusCode, 200)
      t.same(list.json().data.map((row: { key: string }) => row.key), ['voip'])
      t.equal((await customer({ method: 'GET', url: `/api/v1/customers/${own.id}/services/voip` })).json().pivot.version, '2.0')
      t.equal(await status(customer, 'GET', `/api/v1/customers/${own.id}/services/${selfService.key}`), 404, 'a flag it lacks')
      t.equal(await status(customer, 'HEAD', `/api/v1/customers/${own.id}/services`), 200)
      t.equal(await status(customer, 'GET', `/api/v1/customers/00${own.id}`), 200, 'the id as the router reads it')
    })

    t.test("a customer token cannot read or change another customer's data, existing or not: 403", async (t) => {
      const { app, admin, customer, other, selfService } = await world(t, dialect)
      const before = (await admin({ method: 'GET', url: `/api/v1/customers/${other.id}/services` })).body
      for (const customerId of [other.id, 999999, 0, 'abc']) {
        const base = `/api/v1/customers/${customerId}`
        for (const [method, url, payload] of [
          ['GET', base],
          ['HEAD', base],
          ['GET', `${base}/services`],
          ['GET', `${base}/services/${selfService.key}`],
          ['PUT', `${base}/services/${selfService.key}`, {}],
          ['PUT', `${base}/services/${selfService.id}`, {}],
          ['DELETE', `${base}/services/${selfService.key}`],
          ['POST', `${base}/services`, { services: [] }],
          ['PATCH', base, { name: 'Hijacked' }],
          ['DELETE', base],
          ['POST', `${base}/tokens`, {}]
        ] as const) {
          const response = await customer({ method, url, ...(payload !== undefined && { payload }) })
          t.equal(response.statusCode, 403, `${method} ${url}`)
          if (method !== 'HEAD') t.same(response.json(), forbidden)
        }
      }
      t.equal((await admin({ method: 'GET', url: `/api/v1/customers/${other.id}/services` })).body, before, 'nothing changed')
      const names = await app.db.selectFrom('customers').select('name').orderBy('id').execute()
      t.same(names.map((row) => row.name), ['ACME', 'Globex'])
    })

    t.test('admin-only routes answer 403 to a customer token, even about its own customer', async (t) => {
      const { admin, customer, own, selfService } = await world(t, dialect)
      const admins = [
        ['GET', '/api/v1/customers'],
        ['POST', '/api/v1/customers', { name: 'New' }],
        ['PATCH', `/api/v1/customers/${own.id}`, { name: 'Renamed' }],
        ['DELETE', `/api/v1/customers/${own.id}`],
        ['POST', `/api/v1/customers/${own.id}/services`, { services: [selfService.id] }],
        ['POST', `/api/v1/customers/${own.id}/tokens`, {}],
        ['GET', '/api/v1/customer-services'],
        ['GET', `/api/v1/customer-services/${selfService.id}`],
        ['GET', `/api/v1/customer-services/${selfService.id}/customers`],
        ['POST', '/api/v1/customer-services', { key: 'new', name: 'New' }],
        ['PATCH', `/api/v1/customer-services/${selfService.id}`, { can_be_enabled: true }],
        ['DELETE', `/api/v1/customer-services/${selfService.id}`],
        ['POST', `/api/v1/customer-services/${selfService.id}/customers`, { attach: [own.id] }]
      ] as const
      for (const [method, url, payload] of admins) {
        const response = await customer({ method, url, ...(payload !== undefined && { payload }) })
        t.equal(response.statusCode, 403, `${method} ${url}`)
        t.same(response.json(), forbidden)
      }
      t.equal((await admin({ method: 'GET', url: `/api/v1/customers/${own.id}/services` })).json().total, 0, 'nothing was assigned')
      t.equal((await admin({ method: 'GET', url: '/api/v1/customers' })).json().total, 2)
      const unknownRoute = await customer({ method: 'GET', url: '/api/v1/nothing-here' })
      t.equal(unknownRoute.statusCode, 404, 'an unknown route is still a 404')
    })

    t.test('a customer token enables and disables only services with can_be_enabled, without a version', async (t) => {
      const { app, admin, customer, issued, own, selfService, managed } = await world(t, dialect)
      const url = (service: string | number) => `/api/v1/customers/${own.id}/services/${service}`
      t.equal(await status(customer, 'PUT', url(managed.key), {}), 403, 'an admin-managed service cannot be enabled')
      t.equal(await status(customer, 'PUT', url(managed.id), {}), 403)
      await admin({ method: 'PUT', url: url(managed.key) })
      t.equal(await status(customer, 'DELETE', url(managed.key)), 403, 'nor disabled once an admin gave it')
      t.equal(await status(customer, 'PUT', url(managed.key), { version: '2.0' }), 403)

      const enabled = await customer({ method: 'PUT', url: url(selfService.key), headers: { 'x-reason': 'self-service' } })
      t.equal(enabled.statusCode, 201)
      t.equal(enabled.json().pivot.customer_id, own.id)
      t.equal(await status(customer, 'PUT', url(selfService.id), {}), 200, 'again: nothing to do')
      t.equal(await status(customer, 'PUT', url(selfService.key), { version: '9.9' }), 403, 'the version stays an admin\'s')
      t.equal(await status(customer, 'PUT', url(selfService.key), { version: null }), 403)
      t.equal(await status(customer, 'PUT', url('no-such-service'), {}), 404)
      t.equal(await status(customer, 'DELETE', url(selfService.id)), 204)
      t.equal(await status(customer, 'DELETE', url(selfService.id)), 404)

      const counts = await app.db.selectFrom('customer_services').select(['key', 'customers_count']).orderBy('id').execute()
      t.same(counts.map((row) => [row.key, Number(row.customers_count)]), [['backup', 1], ['voip', 2]])
      const tokenId = (await app.db.selectFrom('api_tokens').select('id').where('customer_id', '=', own.id).executeTakeFirstOrThrow()).id
      const adminUser = await app.db.selectFrom('users').select('id').where('email', '=', 'admin@example.com').executeTakeFirstOrThrow()
      const history = await app.db.selectFrom('assignment_history').select(['service_key', 'action', 'user_id', 'token_id', 'reason'])
        .where('customer_id', '=', own.id).where('token_id', '=', tokenId).orderBy('id').execute()
      t.same(history, [
        { service_key: 'backup', action: 'attached', user_id: adminUser.id, token_id: tokenId, reason: 'self-service' },
        { service_key: 'backup', action: 'detached', user_id: adminUser.id, token_id: tokenId, reason: null }
      ], 'history names the issuing admin and the customer token')
      t.ok(issued.json().token)
    })

    t.test('a service that loses can_be_enabled can no longer be toggled by the customer', async (t) => {
      const { admin, customer, own, selfService } = await world(t, dialect)
      const url = `/api/v1/customers/${own.id}/services/${selfService.key}`
      t.equal(await status(customer, 'PUT', url, {}), 201)
      await admin({ method: 'PATCH', url: `/api/v1/customer-services/${selfService.id}`, payload: { can_be_enabled: false } })
      t.equal(await status(customer, 'DELETE', url), 403)
    })

    t.test('logout with a customer token revokes it; the admin token lives on', async (t) => {
      const { admin, customer, own } = await world(t, dialect)
      t.equal((await customer({ method: 'POST', url: '/api/logout' })).statusCode, 200)
      t.equal(await status(customer, 'GET', `/api/v1/customers/${own.id}`), 401)
      t.equal(await status(admin, 'GET', `/api/v1/customers/${own.id}`), 200)
    })

    t.test("a deleted customer's tokens are deleted with it", async (t) => {
      const { app, admin, customer, own } = await world(t, dialect, { TOKEN_CACHE_TTL: '0' })
      t.equal(await status(admin, 'DELETE', `/api/v1/customers/${own.id}`), 204)
      t.equal(await status(customer, 'GET', `/api/v1/customers/${own.id}`), 401)
      t.same(await app.db.selectFrom('api_tokens').select('id').where('customer_id', 'is not', null).execute(), [])
    })

    t.test('a token for a customer deleted meanwhile is refused by the database, not half-made', async (t) => {
      const { app } = await world(t, dialect)
      const user = await app.db.selectFrom('users').select('id').executeTakeFirstOrThrow()
      const error = await createToken(app.db, user.id, 'f'.repeat(64), 60, { customerId: 999999 }).catch((caught: unknown) => caught)
      t.ok(error instanceof TokenCustomerMissingError, String(error))
    })

    t.test('an expired customer token is refused', async (t) => {
      const { app, admin, own } = await world(t, dialect)
      const { token } = (await admin({ method: 'POST', url: `/api/v1/customers/${own.id}/tokens`, payload: { expires_in: 60 } })).json()
      await app.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('customer_id', '=', own.id).execute()
      t.equal(await status(clientFor(app, token), 'GET', `/api/v1/customers/${own.id}`), 401)
    })
  })
}
